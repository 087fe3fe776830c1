/**
 * Event family `hotplug`: CPU hotplug: a CPU taken down and brought back.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { NONE } from '../records.js';
import type { FamilyDecl } from './declare.js';

export const hotplugFamily: FamilyDecl = {
  name: 'hotplug',
  doc: 'CPU hotplug: a CPU taken down and brought back',
  events: [
    {
      name: 'cpu_offline',
      code: 33,
      params: 'cpu',
      runs: 'other-cpu',
      doc: 'CPU hotplug takes an idle CPU down (its tasks already migrated); fpsimd_cpu_dead runs on another CPU',
      needs: 'an idle online CPU, and another online CPU',
      enabled: (k, cpu) => {
        const c = k.cpus[cpu]!;
        return c.online && c.current === NONE && k.cpus.some((o) => o !== c && o.online);
      },
      run: (k, cpu) => k.takedown_cpu(cpu),
    },
    {
      name: 'cpu_online',
      code: 35,
      params: 'cpu',
      runs: 'other-cpu',
      doc: 'CPU hotplug brings an offline CPU back',
      needs: 'an offline CPU',
      enabled: (k, cpu) => !k.cpus[cpu]!.online,
      run: (k, cpu) => k.bringup_cpu(cpu),
    },
  ],
};
