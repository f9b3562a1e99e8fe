/**
 * Samples the node's own metrics from /proc and /sys (proc-parsers.ts says why not
 * systeminformation): CPU time per CPU and mode, load, memory, every real filesystem, network
 * bytes, the hottest thermal zone, the Raspberry Pi's throttle flags, uptime. A file this board
 * or kernel does not have is left out of the sample (and logged once), never guessed.
 */
import { readdir, statfs } from 'node:fs/promises';
import { readKernelFile } from '../cgroup/cgroup-files.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { FilesystemSample, NodeSample } from '../../shared/metrics/samples.js';
import { parseMeminfo } from '../report/node-observations.js';
import {
  filesystemSample,
  parseBootTime,
  parseLoadavg,
  parseMillidegrees,
  parseMounts,
  parseNetDev,
  parseProcStat,
  parseThrottled,
  parseUptime,
} from './proc-parsers.js';

/** Where the Pi firmware's throttle word lives (raspberrypi-hwmon / firmware driver). */
const THROTTLED_FILES = ['/sys/devices/platform/soc/soc:firmware/get_throttled', '/sys/devices/platform/soc/soc:firmware/raspberrypi-hwmon/get_throttled'];

export interface NodeSamplerPaths {
  proc: string;
  sys: string;
}

export class NodeMetricsSampler {
  private readonly warned = new Set<string>();
  /** Whether the optional board files exist: probed once, so a PC does not retry them every 10 s. */
  private thermalZones: string[] | undefined;
  private throttledFile: string | null | undefined;

  constructor(
    private readonly log: Logger,
    private readonly paths: NodeSamplerPaths = { proc: '/proc', sys: '/sys' },
  ) {}

  private async attempt<T>(what: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      if (!this.warned.has(what)) {
        this.warned.add(what);
        this.log.warn({ metric: what, err: errorMessage(err) }, 'cannot sample a node metric; it is left out');
      }
      return undefined;
    }
  }

  private async text(path: string): Promise<string> {
    return readKernelFile(path);
  }

  async sample(): Promise<NodeSample> {
    const { proc } = this.paths;
    const [stat, meminfo, loadavg, uptime, netdev, filesystems, temperatureCelsius, throttle] = await Promise.all([
      this.attempt('cpu', () => this.text(`${proc}/stat`)),
      this.attempt('memory', async () => parseMeminfo(await this.text(`${proc}/meminfo`))),
      this.attempt('load', async () => parseLoadavg(await this.text(`${proc}/loadavg`))),
      this.attempt('uptime', async () => parseUptime(await this.text(`${proc}/uptime`))),
      this.attempt('network', async () => parseNetDev(await this.text(`${proc}/net/dev`))),
      this.attempt('filesystems', () => this.filesystems()),
      this.attempt('temperature', () => this.temperature()),
      this.attempt('throttle', () => this.throttle()),
    ]);
    return {
      cpuSeconds: stat ? parseProcStat(stat) : [],
      load1: loadavg?.load1 ?? 0,
      load5: loadavg?.load5 ?? 0,
      load15: loadavg?.load15 ?? 0,
      memoryTotalBytes: meminfo?.totalBytes ?? 0,
      memoryAvailableBytes: meminfo?.availableBytes ?? 0,
      ...(meminfo?.freeBytes !== undefined ? { memoryFreeBytes: meminfo.freeBytes } : {}),
      filesystems: filesystems ?? [],
      network: netdev ?? [],
      ...(temperatureCelsius !== undefined ? { temperatureCelsius } : {}),
      ...(throttle ? { throttle } : {}),
      uptimeSeconds: uptime ?? 0,
      bootTimeSeconds: (stat ? parseBootTime(stat) : undefined) ?? 0,
    };
  }

  private async filesystems(): Promise<FilesystemSample[]> {
    const mounts = parseMounts(await this.text(`${this.paths.proc}/mounts`));
    const out: FilesystemSample[] = [];
    for (const mount of mounts) {
      // A mount we may not stat (another user's FUSE mount, a hung NFS export) is skipped, not fatal.
      const stats = await statfs(mount.mountpoint).catch(() => undefined);
      if (stats && stats.blocks > 0) out.push(filesystemSample(mount, stats));
    }
    return out;
  }

  private async temperature(): Promise<number | undefined> {
    const base = `${this.paths.sys}/class/thermal`;
    this.thermalZones ??= (await readdir(base).catch(() => [] as string[])).filter((name) => name.startsWith('thermal_zone'));
    let hottest: number | undefined;
    for (const zone of this.thermalZones) {
      const celsius = parseMillidegrees(await this.text(`${base}/${zone}/temp`).catch(() => ''));
      if (celsius !== undefined && (hottest === undefined || celsius > hottest)) hottest = celsius;
    }
    return hottest;
  }

  private async throttle(): Promise<NodeSample['throttle']> {
    if (this.throttledFile === undefined) {
      this.throttledFile = null;
      for (const file of THROTTLED_FILES) {
        const path = file.replace(/^\/sys/, this.paths.sys);
        if (await this.text(path).then(() => true, () => false)) {
          this.throttledFile = path;
          break;
        }
      }
    }
    return this.throttledFile ? parseThrottled(await this.text(this.throttledFile)) : undefined;
  }
}
