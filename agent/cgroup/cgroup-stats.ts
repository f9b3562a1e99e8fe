/**
 * A container's usage counters from its cgroup files, the way cAdvisor reads them (and so what
 * kubelet's summary API and `kubectl top` report), for both hierarchies:
 *
 *   counter             cgroup v1                                   cgroup v2
 *   cpu time            cpuacct.usage (ns)                          cpu.stat usage_usec
 *   throttling          cpu.stat nr_periods, nr_throttled,          cpu.stat nr_periods, nr_throttled,
 *                       throttled_time (ns)                         throttled_usec
 *   memory usage        memory.usage_in_bytes                       memory.current
 *   working set         usage - memory.stat total_inactive_file     current - memory.stat inactive_file
 *   OOM kills           memory.oom_control oom_kill                 memory.events oom_kill
 *
 * Reading files instead of polling Docker's stats API costs the agent almost nothing (a Pi
 * has 4 slow cores). Pure: files come in through `read`; a counter this kernel lacks is left out.
 */
import type { CgroupLocation } from './cgroup-location.js';
import { cgroupFileOf, definedSetter, type CgroupFileReader } from './cgroup-limits.js';

export interface CgroupStats {
  /** Cumulative CPU time, nanoseconds. */
  cpuUsageNs?: number;
  /** CFS periods elapsed and those in which the container was throttled, and the time throttled (ns). */
  cpuPeriods?: number;
  cpuThrottledPeriods?: number;
  cpuThrottledNs?: number;
  memoryUsageBytes?: number;
  /** What kubelet evicts and `top` shows: usage less inactive file cache (never below zero). */
  memoryWorkingSetBytes?: number;
  oomKills?: number;
}

/** "key value" lines (cpu.stat, memory.stat, memory.events, memory.oom_control) as a map. */
export function flatKeyed(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    const n = Number(value);
    if (key && value !== undefined && Number.isFinite(n)) out.set(key, n);
  }
  return out;
}

function single(text: string | undefined): number | undefined {
  const n = Number(text?.trim());
  return text !== undefined && text.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

export async function readStats(location: CgroupLocation, read: CgroupFileReader): Promise<CgroupStats> {
  const file = cgroupFileOf(location, read);
  const out: CgroupStats = {};
  const set = definedSetter(out);
  const cpuStat = flatKeyed(await file('cpu', 'cpu.stat'));
  set('cpuPeriods', cpuStat.get('nr_periods'));
  set('cpuThrottledPeriods', cpuStat.get('nr_throttled'));
  const memoryStat = flatKeyed(await file('memory', 'memory.stat'));
  let usage: number | undefined;
  let inactiveFile: number | undefined;
  if (location.version === 1) {
    set('cpuUsageNs', single(await file('cpuacct', 'cpuacct.usage')));
    set('cpuThrottledNs', cpuStat.get('throttled_time'));
    usage = single(await file('memory', 'memory.usage_in_bytes'));
    inactiveFile = memoryStat.get('total_inactive_file');
    set('oomKills', flatKeyed(await file('memory', 'memory.oom_control')).get('oom_kill'));
  } else {
    const usec = cpuStat.get('usage_usec');
    set('cpuUsageNs', usec === undefined ? undefined : usec * 1000);
    const throttled = cpuStat.get('throttled_usec');
    set('cpuThrottledNs', throttled === undefined ? undefined : throttled * 1000);
    usage = single(await file('memory', 'memory.current'));
    inactiveFile = memoryStat.get('inactive_file');
    set('oomKills', flatKeyed(await file('memory', 'memory.events')).get('oom_kill'));
  }
  set('memoryUsageBytes', usage);
  if (usage !== undefined) set('memoryWorkingSetBytes', Math.max(0, usage - (inactiveFile ?? 0)));
  return out;
}
