/**
 * A running container's memory working set, the figure kubelet ranks Pods by under memory
 * pressure: its cgroup located from its main process (/proc/<pid>/cgroup: cgroup-location.ts),
 * then the counters read as cAdvisor reads them (cgroup-stats.ts). Read only while a node is
 * under memory pressure, so nothing is cached.
 */
import type { CgroupFileReader } from '../cgroup/cgroup-limits.js';
import { locateCgroup } from '../cgroup/cgroup-location.js';
import { readStats } from '../cgroup/cgroup-stats.js';
import type { ObservedContainer } from '../runtime/observe.js';

export function cgroupWorkingSet(readProcCgroup: (pid: number) => Promise<string>, readFile: CgroupFileReader): (container: ObservedContainer) => Promise<number | undefined> {
  return async (container) => {
    if (container.pid === undefined) return undefined;
    const location = locateCgroup(await readProcCgroup(container.pid));
    return location ? (await readStats(location, readFile)).memoryWorkingSetBytes : undefined;
  };
}
