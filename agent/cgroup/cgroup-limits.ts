/**
 * A container's resource limits as the kernel enforces them, read back from its cgroup files, and
 * compared with what its spec asked for: Docker (or a cgroup driver, or a kernel without swap
 * accounting) may apply something else, and a node that silently runs a Pod unlimited is worse
 * than one that says so. Both hierarchies:
 *
 *   limit            cgroup v1                                  cgroup v2
 *   memory           memory.limit_in_bytes                      memory.max
 *   memory + swap    memory.memsw.limit_in_bytes                memory.swap.max (swap only)
 *   cpu limit        cpu.cfs_quota_us / cpu.cfs_period_us        cpu.max ("quota period")
 *   cpu request      cpu.shares                                 cpu.weight (runc's shares->weight)
 *   pids             pids.max                                   pids.max
 *
 * "No limit" reads as undefined (v1 prints a huge number or -1, v2 "max"). Pure: files come in
 * through `read`.
 */
import { controllerDir, type CgroupLocation } from './cgroup-location.js';

export interface CgroupLimits {
  memoryBytes?: number;
  /** Memory plus swap (v2's memory.swap.max added to memory.max); equal to memoryBytes means no swap. */
  memorySwapBytes?: number;
  /** CPU limit in millicores (quota / period). */
  cpuMillicores?: number;
  /** v1 cpu.shares. */
  cpuShares?: number;
  /** v2 cpu.weight (compared through sharesToWeight: the conversion does not invert exactly). */
  cpuWeight?: number;
  pidsMax?: number;
}

/** Reads one file of a cgroup directory; undefined when it does not exist (or cannot be read). */
export type CgroupFileReader = (dir: string, file: string) => Promise<string | undefined>;

/** v1 reports "unlimited" as a value near 2^63 rounded down to the page size. */
const V1_UNLIMITED = 2 ** 60;

function number(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed === 'max' || trimmed === '') return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) && n >= 0 && n < V1_UNLIMITED ? n : undefined;
}

/** runc's conversion of CpuShares to cgroup v2's cpu.weight (1..10000). */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** Reads `name` of `controller` in this cgroup (v2: the unified directory). */
export function cgroupFileOf(location: CgroupLocation, read: CgroupFileReader): (controller: string, name: string) => Promise<string | undefined> {
  return async (controller, name) => {
    const dir = controllerDir(location, controller);
    return dir === undefined ? undefined : read(dir, name);
  };
}

/** A setter that leaves out what was not read, so results hold only observed values. */
export function definedSetter<T extends { [K in keyof T]?: number }>(out: T): (key: keyof T, value: number | undefined) => void {
  return (key, value) => {
    if (value !== undefined) (out as Record<keyof T, number>)[key] = value;
  };
}

export async function readLimits(location: CgroupLocation, read: CgroupFileReader): Promise<CgroupLimits> {
  const file = cgroupFileOf(location, read);
  const out: CgroupLimits = {};
  const set = definedSetter(out);
  if (location.version === 1) {
    set('memoryBytes', number(await file('memory', 'memory.limit_in_bytes')));
    set('memorySwapBytes', number(await file('memory', 'memory.memsw.limit_in_bytes')));
    const quota = number(await file('cpu', 'cpu.cfs_quota_us'));
    const period = number(await file('cpu', 'cpu.cfs_period_us'));
    if (quota !== undefined && period) set('cpuMillicores', Math.round((quota * 1000) / period));
    set('cpuShares', number(await file('cpu', 'cpu.shares')));
  } else {
    const memory = number(await file('memory', 'memory.max'));
    set('memoryBytes', memory);
    const swap = number(await file('memory', 'memory.swap.max'));
    if (memory !== undefined && swap !== undefined) set('memorySwapBytes', memory + swap);
    const [quota, period] = ((await file('cpu', 'cpu.max')) ?? '').trim().split(/\s+/);
    const q = number(quota);
    const p = number(period);
    if (q !== undefined && p) set('cpuMillicores', Math.round((q * 1000) / p));
    set('cpuWeight', number(await file('cpu', 'cpu.weight')));
  }
  set('pidsMax', number(await file('pids', 'pids.max')));
  return out;
}

/** What the spec asked Docker for (container-spec.ts), in the units read back. */
export interface ExpectedLimits {
  memoryBytes?: number;
  cpuMillicores?: number;
  cpuShares?: number;
  pidsMax?: number;
}

export interface LimitMismatch {
  limit: 'memory' | 'memory+swap' | 'cpu' | 'cpu.shares' | 'pids';
  expected: number;
  /** undefined: no limit at all. */
  actual: number | undefined;
}

/** The kernel rounds a memory limit down to whole pages. */
const PAGE = 4096;

/**
 * Each expected limit the cgroup does not enforce. Memory may be rounded to a page; memory+swap is
 * only checked where swap is accounted (the file exists), and must equal memory (no swap escape).
 */
export function compareLimits(expected: ExpectedLimits, actual: CgroupLimits, version: 1 | 2): LimitMismatch[] {
  const out: LimitMismatch[] = [];
  if (expected.memoryBytes !== undefined) {
    const got = actual.memoryBytes;
    if (got === undefined || Math.abs(got - expected.memoryBytes) >= PAGE) out.push({ limit: 'memory', expected: expected.memoryBytes, actual: got });
    if (actual.memorySwapBytes !== undefined && got !== undefined && actual.memorySwapBytes !== got) {
      out.push({ limit: 'memory+swap', expected: got, actual: actual.memorySwapBytes });
    }
  }
  if (expected.cpuMillicores !== undefined && actual.cpuMillicores !== expected.cpuMillicores) {
    out.push({ limit: 'cpu', expected: expected.cpuMillicores, actual: actual.cpuMillicores });
  }
  if (expected.cpuShares !== undefined) {
    if (version === 1 && actual.cpuShares !== expected.cpuShares) out.push({ limit: 'cpu.shares', expected: expected.cpuShares, actual: actual.cpuShares });
    const weight = sharesToWeight(expected.cpuShares);
    if (version === 2 && actual.cpuWeight !== weight) out.push({ limit: 'cpu.shares', expected: weight, actual: actual.cpuWeight });
  }
  if (expected.pidsMax !== undefined && actual.pidsMax !== expected.pidsMax) out.push({ limit: 'pids', expected: expected.pidsMax, actual: actual.pidsMax });
  return out;
}
