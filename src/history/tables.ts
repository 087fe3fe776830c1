/**
 * Every subsystem's version table (src/kernel/versions/), by subsystem name.
 */

import { entry } from '../kernel/versions/entry.js';
import { fpsimd } from '../kernel/versions/fpsimd.js';
import { kvm } from '../kernel/versions/kvm.js';
import { processVersions } from '../kernel/versions/process.js';
import { ptrace } from '../kernel/versions/ptrace.js';
import { signal } from '../kernel/versions/signal.js';
import type { VersionTable } from '../kernel/versions/table.js';

export const ALL_VERSIONS: Readonly<Record<string, VersionTable>> = {
  fpsimd,
  'kvm fpsimd': kvm,
  signal,
  ptrace,
  process: processVersions,
  entry,
};
