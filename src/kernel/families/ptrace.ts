/**
 * Event family `ptrace`: a tracer reading and writing a stopped task's FP regsets.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { TaskState } from '../records.js';
import { inKernel, touchCpu, touchTask, tracerAccess, type FamilyDecl } from './declare.js';

/** NT_ARM_SVE's get and set return -EINVAL without system_supports_sve() (sve_get/sve_set, v4.15+): those events need SVE. */
export const ptraceFamily: FamilyDecl = {
  name: 'ptrace',
  doc: "a tracer reading and writing a stopped task's FP regsets",
  events: [
    {
      name: 'ptrace_stop',
      code: 21,
      params: 'cpu',
      runs: 'kernel',
      doc: 'current stops for its tracer (signal-delivery or syscall stop) and is scheduled out',
      needs: 'current a task in the kernel, not in the KVM run loop',
      enabled: (k, cpu) => !!inKernel(k, cpu),
      run: (k) => k.ptrace_stop(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'ptrace_cont',
      code: 22,
      params: 'task',
      runs: 'task',
      doc: 'the tracer resumes a stopped task (PTRACE_CONT): it becomes runnable, still in the kernel',
      needs: 'a stopped task',
      enabled: (k, _cpu, slot) => k.tasks[slot]!.state === TaskState.STOPPED,
      run: (k, t) => k.ptrace_resume(t),
      // the stopped task only (it becomes runnable: which CPU takes it is a later `switch`)
      touches: (k, _cpu, slot, out) => touchTask(k, slot, out),
    },
    tracerAccess(
      'ptrace_fpr',
      23,
      "current (the tracer, in a syscall) writes a stopped task's FPSIMD registers (PTRACE_SETREGSET NT_PRFPREG)",
      () => true,
      (k, t) => k.fpr_set(t),
    ),
    tracerAccess(
      'ptrace_sve_fpsimd',
      24,
      'the tracer writes NT_ARM_SVE with an FPSIMD-format payload (same VL): the task leaves SVE mode',
      (k) => k.hasSve,
      (k, t) => k.sve_set(t, false, t.sve_vq),
    ),
    tracerAccess(
      'ptrace_sve',
      25,
      "the tracer writes NT_ARM_SVE with an SVE-format payload at the task's VL: the task gets SVE state",
      (k) => k.hasSve,
      (k, t) => k.sve_set(t, true, t.sve_vq),
    ),
    tracerAccess(
      'ptrace_sve_vl',
      26,
      'the tracer writes NT_ARM_SVE with a header asking for the other VL and an SVE payload laid out for it',
      (k) => k.hasSve,
      (k, t) => k.sve_set(t, true, k.otherVq(t.sve_vq)),
    ),
    tracerAccess(
      'ptrace_read',
      27,
      "the tracer reads a stopped task's NT_ARM_SVE regset (integrity check point)",
      (k) => k.hasSve,
      (k, t) => k.sve_get(t),
    ),
  ],
};
