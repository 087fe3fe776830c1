/**
 * Event family `sigframe`: a signal handler (or a checkpoint/restore tool such as CRIU, which
 * builds frames the same way) rewrites the *layout* of its signal frame before sigreturn, so
 * rt_sigreturn() meets frames the kernel never writes. Each event is one letter of a small
 * alphabet of edits, and the frame's content is what the edits left: records removed or
 * duplicated (`sig_forge`), SVE_SIG_FLAG_SM set or clear whatever the task's state, a VL in the
 * SVE record other than the task's, an SVE record with or without register payload, a ZA
 * record with or without payload. Record order is not a letter: parse_user_sigframe() finds
 * records by magic wherever they are and restore_sigframe() restores them in a fixed order
 * (SigForge in records.ts). The kernel's answer to each frame (accept and load what, or
 * SIGSEGV) is the variant's rt_sigreturn() (src/kernel/versions/signal.ts).
 *
 * Off by default (`--events signal,sigframe`): every letter is enabled in every handler, so the
 * family multiplies the signal family's states. The frame words exist only on layouts of the
 * SME era (v5.17 on: `sig_forge`), so the family needs that layout; the SM, ZA and FPMR letters
 * need SME or FPMR too. Partial-order footprints (`touches`) are left undeclared: the explorer
 * treats these events as dependent on everything.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { ZERO } from '../../arch/tokens.js';
import type { Kvm } from '../kvm.js';
import { Pos, SigForge, type TaskView } from '../records.js';
import { curAt, type FamilyDecl } from './declare.js';

/** Current, in user mode inside a signal handler, on a layout that has the frame words. */
function inHandler(k: Kvm, cpu: number): TaskView | null {
  if (!k.features.ext) return null;
  const t = curAt(k, cpu, Pos.USER);
  return t?.sig_frame ? t : null;
}

/** The handler's frame still has an sve_context (not removed). */
function hasSveRecord(k: Kvm, cpu: number): TaskView | null {
  const t = inHandler(k, cpu);
  return t && !(t.sig_forge & SigForge.NO_SVE) ? t : null;
}

/** An event that removes or duplicates a record: enabled while that bit is clear. */
function layoutEdit(name: string, code: number, bit: number, doc: string, gate?: (k: Kvm) => boolean): FamilyDecl['events'][number] {
  return {
    name,
    code,
    params: 'cpu',
    runs: 'user',
    doc,
    needs: 'current in user mode inside a signal handler, the frame not already so edited',
    enabled: (k, cpu) => {
      const t = inHandler(k, cpu);
      return !!t && !(t.sig_forge & bit) && (!gate || gate(k));
    },
    run: (k) => {
      const t = k.currentTask;
      t.sig_forge |= bit;
    },
  };
}

export const sigframeFamily: FamilyDecl = {
  name: 'sigframe',
  doc: 'a signal handler (or CRIU) lays out its own frame: records, SM flag, VL, payloads',
  events: [
    {
      name: 'frame_sm',
      code: 45,
      params: 'cpu',
      runs: 'user',
      doc: "the handler flips SVE_SIG_FLAG_SM in its frame's sve_context, with the VL of the mode it now claims (the task's SME VL when set, its SVE VL when clear)",
      needs: 'current in user mode inside a signal handler whose frame has an sve_context, on a kernel with SME',
      enabled: (k, cpu) => !!hasSveRecord(k, cpu) && k.hasSme,
      run: (k) => {
        const t = k.currentTask;
        t.sig_sm = !t.sig_sm;
        t.sig_vq = t.sig_sm ? t.sme_vq : t.sve_vq;
      },
    },
    {
      name: 'frame_vl',
      code: 46,
      params: 'cpu',
      runs: 'user',
      doc: "the handler changes sve_context.vl to the other modelled VL (not the one it had: rt_sigreturn compares it with the task's)",
      needs: 'current in user mode inside a signal handler whose frame has an sve_context',
      enabled: (k, cpu) => !!hasSveRecord(k, cpu),
      run: (k) => {
        const t = k.currentTask;
        t.sig_vq = k.otherVq(t.sig_vq);
      },
    },
    {
      name: 'frame_sve_payload',
      code: 47,
      params: 'cpu',
      runs: 'user',
      doc: 'the handler toggles the register payload of its sve_context: a header-only record, or Z/P/FFR data it writes (a new version of its data)',
      needs: 'current in user mode inside a signal handler whose frame has an sve_context',
      enabled: (k, cpu) => !!hasSveRecord(k, cpu),
      run: (k) => {
        const t = k.currentTask;
        if (t.sig_sve) {
          t.sig_sve = false;
          t.sig_zV = ZERO;
          t.sig_Hi = ZERO;
        } else {
          const tok = k.newTaskToken(t);
          t.sig_sve = true;
          t.sig_zV = tok;
          t.sig_Hi = tok;
        }
      },
    },
    {
      name: 'frame_za',
      code: 48,
      params: 'cpu',
      runs: 'user',
      doc: 'the handler toggles the payload of its za_context (and the zt_context that goes with it): header-only (ZA off), or ZA/ZT0 data it writes',
      needs: 'current in user mode inside a signal handler whose frame has a za_context, on a kernel with SME',
      enabled: (k, cpu) => {
        const t = inHandler(k, cpu);
        return !!t && k.hasSme && !(t.sig_forge & SigForge.NO_ZA);
      },
      run: (k) => {
        const t = k.currentTask;
        if (t.sig_za) {
          t.sig_za = false;
          t.sig_ZA = ZERO;
          t.sig_ZT0 = ZERO;
        } else {
          const tok = k.newTaskToken(t);
          t.sig_za = true;
          t.sig_ZA = tok;
          t.sig_ZT0 = tok;
        }
      },
    },
    layoutEdit('frame_drop_fpsimd', 49, SigForge.NO_FPSIMD, 'the handler removes the fpsimd_context record from its frame'),
    layoutEdit('frame_drop_sve', 50, SigForge.NO_SVE, 'the handler removes the sve_context record from its frame'),
    layoutEdit(
      'frame_drop_za',
      51,
      SigForge.NO_ZA,
      'the handler removes the za_context (and zt_context) records from its frame',
      (k) => k.hasSme,
    ),
    layoutEdit('frame_drop_fpmr', 52, SigForge.NO_FPMR, 'the handler removes the fpmr_context record from its frame', (k) => k.hasFpmr),
    layoutEdit('frame_dup', 53, SigForge.DUPLICATE, 'the handler copies one of its records a second time into the frame'),
  ],
};
