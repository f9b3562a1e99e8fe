/**
 * Reads the node's eviction signals from the kernel, cheaply enough to do every 10 s on a Pi:
 * - memory.available: MemAvailable from /proc/meminfo (kubelet derives it from the root cgroup's
 *   working set; MemAvailable is the kernel's own estimate of the same thing and needs no cgroup);
 * - nodefs: statfs of the agent's data dir, whose filesystem also holds Docker's on a typical
 *   Pi (one SD card);
 * - pid.available: the lower of kernel.pid_max and kernel.threads-max, minus the tasks that exist
 *   (/proc/loadavg's fourth field counts every thread, as kubelet's rlimit stats do).
 * A signal that cannot be read is left out (and logged once), never guessed.
 */
import { readFile, statfs } from 'node:fs/promises';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { NodeObservations } from './node-pressure.js';

/** MemAvailable, MemTotal and MemFree in bytes from /proc/meminfo's text. */
export function parseMeminfo(text: string): { availableBytes?: number; totalBytes?: number; freeBytes?: number } {
  const kib = (field: string): number | undefined => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  const availableBytes = kib('MemAvailable');
  const totalBytes = kib('MemTotal');
  const freeBytes = kib('MemFree');
  return {
    ...(availableBytes !== undefined ? { availableBytes } : {}),
    ...(totalBytes !== undefined ? { totalBytes } : {}),
    ...(freeBytes !== undefined ? { freeBytes } : {}),
  };
}

/** The number of tasks (threads) in existence, from /proc/loadavg ("0.00 0.01 0.05 1/234 5678"). */
export function parseLoadavgTasks(text: string): number | undefined {
  const match = /^\S+ \S+ \S+ \d+\/(\d+) /.exec(text);
  return match ? Number(match[1]) : undefined;
}

export class NodeSampler {
  private readonly warned = new Set<string>();

  constructor(
    private readonly dataDir: string,
    private readonly memoryCapacityBytes: number,
    private readonly log: Logger,
    private readonly procRoot = '/proc',
  ) {}

  private async attempt<T>(signal: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      if (!this.warned.has(signal)) {
        this.warned.add(signal);
        this.log.warn({ signal, err: errorMessage(err) }, 'cannot observe an eviction signal; its pressure condition stays False');
      }
      return undefined;
    }
  }

  async sample(): Promise<NodeObservations> {
    const [memory, fs, pidMax, threadsMax, tasks] = await Promise.all([
      this.attempt('memory.available', async () => parseMeminfo(await readFile(`${this.procRoot}/meminfo`, 'utf8'))),
      this.attempt('nodefs', () => statfs(this.dataDir)),
      this.attempt('pid.available', async () => Number(await readFile(`${this.procRoot}/sys/kernel/pid_max`, 'utf8'))),
      this.attempt('pid.available', async () => Number(await readFile(`${this.procRoot}/sys/kernel/threads-max`, 'utf8'))),
      this.attempt('pid.available', async () => parseLoadavgTasks(await readFile(`${this.procRoot}/loadavg`, 'utf8'))),
    ]);
    const pidCapacity = [pidMax, threadsMax].filter((n): n is number => n !== undefined && Number.isFinite(n) && n > 0);
    const capacity = pidCapacity.length > 0 ? Math.min(...pidCapacity) : undefined;
    return {
      memoryCapacityBytes: this.memoryCapacityBytes,
      ...(memory?.availableBytes !== undefined ? { memoryAvailableBytes: memory.availableBytes } : {}),
      ...(fs
        ? { nodefsAvailableBytes: fs.bavail * fs.bsize, nodefsCapacityBytes: fs.blocks * fs.bsize, nodefsInodesFree: fs.ffree, nodefsInodes: fs.files }
        : {}),
      ...(capacity !== undefined && tasks !== undefined ? { pidAvailable: capacity - tasks, pidCapacity: capacity } : {}),
    };
  }
}
