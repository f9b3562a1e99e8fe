/**
 * A process's own cost, read from /proc (Linux): what the benchmarks report for the hub, the
 * agent and the fake fleet's workers.
 */
import { readFileSync } from 'node:fs';

/** CPU time (utime + stime) and resident memory of a process. */
export function processUsage(pid: number): { cpuMs: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // in clock ticks (100/s on Linux)
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuMs: ticks * 10, rssBytes: Number(rss?.[1] ?? 0) * 1024 };
}

export const MIB = 2 ** 20;

/**
 * Where the RSS is: anonymous memory (V8's heap, malloc: what code can change) and file-backed
 * pages (the node binary and shared libraries mapped in).
 */
export function rssParts(pid: number): { anonMiB: number; fileMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0) / 1024;
  return { anonMiB: kB('RssAnon'), fileMiB: kB('RssFile') + kB('RssShmem') };
}
