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
 *   block I/O bytes     blkio.throttle.io_service_bytes Read/Write  io.stat rbytes/wbytes
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
  /** Bytes read from and written to block devices (cAdvisor's container_fs_{reads,writes}_bytes_total). */
  fsReadBytes?: number;
  fsWriteBytes?: number;
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

/** Read and write bytes summed over devices: v1 "8:0 Read 4096" lines, v2 "8:0 rbytes=4096 wbytes=0 ..." lines. */
export function parseBlockIo(text: string | undefined, version: 1 | 2): { readBytes: number; writeBytes: number } | undefined {
  if (text === undefined) return undefined;
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (version === 1) {
      // "Total N" is the sum over devices and operations: skipped, the per-device lines are summed.
      if (fields.length !== 3) continue;
      if (fields[1] === 'Read') readBytes += Number(fields[2]) || 0;
      if (fields[1] === 'Write') writeBytes += Number(fields[2]) || 0;
    } else {
      for (const field of fields.slice(1)) {
        const [key, value] = field.split('=');
        if (key === 'rbytes') readBytes += Number(value) || 0;
        if (key === 'wbytes') writeBytes += Number(value) || 0;
      }
    }
  }
  return { readBytes, writeBytes };
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
  const io = parseBlockIo(location.version === 1 ? await file('blkio', 'blkio.throttle.io_service_bytes') : await file('io', 'io.stat'), location.version);
  set('fsReadBytes', io?.readBytes);
  set('fsWriteBytes', io?.writeBytes);
  set('memoryUsageBytes', usage);
  if (usage !== undefined) set('memoryWorkingSetBytes', Math.max(0, usage - (inactiveFile ?? 0)));
  return out;
}
