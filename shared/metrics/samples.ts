/**
 * What an agent measures and sends on nodes/{node}/metrics: cumulative counters and gauges as
 * the kernel gives them, never rates. Rates (CPU cores, bytes/s) are computed by whoever reads
 * two samples (the hub for `top` and the HPA, Prometheus for /metrics), so a lost or late sample
 * costs resolution, never correctness, and an agent that was offline can send what it kept.
 *
 * Names follow node_exporter and cAdvisor, whose metrics /metrics re-exports; units are in the
 * names (seconds, bytes). Fields a board or kernel cannot give are left out, never zero-filled.
 */

/** CPU time per mode of one CPU, seconds since boot (node_cpu_seconds_total{cpu, mode}). */
export type CpuSecondsByMode = Partial<Record<'user' | 'nice' | 'system' | 'idle' | 'iowait' | 'irq' | 'softirq' | 'steal', number>>;

export interface FilesystemSample {
  device: string;
  mountpoint: string;
  fstype: string;
  sizeBytes: number;
  /** Available to unprivileged users (statfs bavail), as node_filesystem_avail_bytes. */
  availBytes: number;
  freeBytes: number;
}

export interface NetworkSample {
  device: string;
  receiveBytes: number;
  transmitBytes: number;
}

/**
 * Raspberry Pi firmware flags (vcgencmd get_throttled, from sysfs): set now, or at any time
 * since boot. Absent on boards that do not expose them.
 */
export interface ThrottleFlags {
  underVoltage: boolean;
  frequencyCapped: boolean;
  throttled: boolean;
  softTemperatureLimit: boolean;
  underVoltageOccurred: boolean;
  frequencyCappedOccurred: boolean;
  throttledOccurred: boolean;
  softTemperatureLimitOccurred: boolean;
}

export interface NodeSample {
  /** One entry per CPU, index = the kernel's CPU number. */
  cpuSeconds: CpuSecondsByMode[];
  load1: number;
  load5: number;
  load15: number;
  memoryTotalBytes: number;
  /** MemAvailable: what can be had without swapping (node_memory_MemAvailable_bytes). */
  memoryAvailableBytes: number;
  memoryFreeBytes?: number;
  filesystems: FilesystemSample[];
  network: NetworkSample[];
  /** Hottest thermal zone, degrees Celsius. */
  temperatureCelsius?: number;
  throttle?: ThrottleFlags;
  uptimeSeconds: number;
  bootTimeSeconds: number;
}

/** One container's counters, from its cgroup files (agent/cgroup/cgroup-stats.ts). */
export interface ContainerSample {
  name: string;
  cpuUsageSeconds?: number;
  cpuPeriods?: number;
  cpuThrottledPeriods?: number;
  cpuThrottledSeconds?: number;
  memoryUsageBytes?: number;
  memoryWorkingSetBytes?: number;
  oomKills?: number;
  fsReadBytes?: number;
  fsWriteBytes?: number;
}

export interface PodSample {
  namespace: string;
  name: string;
  uid: string;
  /**
   * When this Pod's cgroup files were read, RFC 3339 with milliseconds, when that differs from the
   * sample's timestamp: rates use it, so a slow read of other files does not skew the window.
   */
  timestamp?: string;
  containers: ContainerSample[];
  /** The Pod's network namespace (its first container's eth0 and friends). */
  network?: NetworkSample[];
}

export interface MetricsSample {
  /** When it was taken on the node, RFC 3339 with milliseconds. */
  timestamp: string;
  node: NodeSample;
  pods: PodSample[];
}
