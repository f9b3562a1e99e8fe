/**
 * Parsers for the kernel files the agent samples node metrics from, as node_exporter reads them.
 * Reading /proc and /sys directly costs the agent a few file reads; the systeminformation package
 * reads the same files on Linux but costs ~12 MB of RSS to import (measured on Node 20: 41 -> 53
 * MB), a quarter of the agent's budget on a 1 GB Pi. Pure: text in, numbers out.
 */
import type { CpuSecondsByMode, FilesystemSample, NetworkSample, ThrottleFlags } from '../../shared/metrics/samples.js';

/** Linux's USER_HZ: /proc/stat counts in 1/100 s on every architecture Skiff runs on. */
const USER_HZ = 100;
const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/** Per-CPU time by mode, seconds, from /proc/stat's "cpuN" lines (the summary "cpu" line is skipped). */
export function parseProcStat(text: string): CpuSecondsByMode[] {
  const cpus: CpuSecondsByMode[] = [];
  for (const line of text.split('\n')) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const ticks = match[2]!.trim().split(/\s+/).map(Number);
    const modes: CpuSecondsByMode = {};
    CPU_MODES.forEach((mode, i) => {
      const value = ticks[i];
      if (value !== undefined && Number.isFinite(value)) modes[mode] = value / USER_HZ;
    });
    cpus[Number(match[1])] = modes;
  }
  return Array.from(cpus, (modes) => modes ?? {});
}

/** Boot time, seconds since the epoch, from /proc/stat's "btime" line. */
export function parseBootTime(text: string): number | undefined {
  const match = /^btime\s+(\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

export function parseLoadavg(text: string): { load1: number; load5: number; load15: number } | undefined {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  return a !== undefined && b !== undefined && c !== undefined && [a, b, c].every(Number.isFinite) ? { load1: a, load5: b, load15: c } : undefined;
}

export function parseUptime(text: string): number | undefined {
  const seconds = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(seconds) ? seconds : undefined;
}

/**
 * Interfaces and their byte counters from /proc/net/dev, loopback left out (as it carries no
 * traffic off the node), and the host ends of containers' veth pairs too: that traffic is in each
 * Pod's own sample, and one veth per Pod would grow every node sample by ~60 bytes a Pod on the
 * wire (issue #10's byte count), as node_exporter's usual --collector.netdev.device-exclude does.
 */
export function parseNetDev(text: string): NetworkSample[] {
  const out: NetworkSample[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const device = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (device === 'lo' || device.startsWith('veth') || fields.length < 16) continue;
    out.push({ device, receiveBytes: fields[0]!, transmitBytes: fields[8]! });
  }
  return out;
}

/** node_exporter's defaults: pseudo filesystems and mount points with nothing of the node's own on them. */
const IGNORED_FS_TYPES = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs', 'fusectl', 'hugetlbfs', 'iso9660',
  'mqueue', 'nsfs', 'overlay', 'proc', 'procfs', 'pstore', 'rpc_pipefs', 'securityfs', 'selinuxfs', 'squashfs', 'erofs', 'sysfs', 'tracefs',
]);
const IGNORED_MOUNTPOINTS = /^\/(dev|proc|run\/credentials\/.+|sys|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+)($|\/)/;

export interface Mount {
  device: string;
  mountpoint: string;
  fstype: string;
}

/** The mounts worth a statfs, from /proc/mounts; one per device (the first mount point wins, as `df` shows). */
export function parseMounts(text: string): Mount[] {
  const seen = new Set<string>();
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, rawMountpoint, fstype] = line.split(' ');
    if (!device || !rawMountpoint || !fstype) continue;
    // /proc/mounts escapes spaces, tabs and backslashes as octal.
    const mountpoint = rawMountpoint.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if (IGNORED_FS_TYPES.has(fstype) || IGNORED_MOUNTPOINTS.test(mountpoint)) continue;
    const key = fstype === 'tmpfs' ? mountpoint : device; // every tmpfs is called "tmpfs"
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ device, mountpoint, fstype });
  }
  return out;
}

/** statfs numbers as node_exporter reports them. */
export function filesystemSample(mount: Mount, stats: { bsize: number; blocks: number; bfree: number; bavail: number }): FilesystemSample {
  return { ...mount, sizeBytes: stats.blocks * stats.bsize, freeBytes: stats.bfree * stats.bsize, availBytes: stats.bavail * stats.bsize };
}

/** A thermal zone's temp file: millidegrees Celsius. */
export function parseMillidegrees(text: string): number | undefined {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(value) ? value / 1000 : undefined;
}

/**
 * The Raspberry Pi firmware's get_throttled bits (`vcgencmd get_throttled`), read from sysfs as
 * hex: 0 under-voltage, 1 ARM frequency capped, 2 throttled, 3 soft temperature limit; bits
 * 16-19 say the same happened at some time since boot.
 */
export function parseThrottled(text: string): ThrottleFlags | undefined {
  const value = Number.parseInt(text.trim(), 16);
  if (!Number.isFinite(value)) return undefined;
  const bit = (n: number): boolean => (value & (1 << n)) !== 0;
  return {
    underVoltage: bit(0),
    frequencyCapped: bit(1),
    throttled: bit(2),
    softTemperatureLimit: bit(3),
    underVoltageOccurred: bit(16),
    frequencyCappedOccurred: bit(17),
    throttledOccurred: bit(18),
    softTemperatureLimitOccurred: bit(19),
  };
}
