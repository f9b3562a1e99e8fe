/**
 * Samples every running Pod container's usage from its cgroup files (agent/cgroup/cgroup-stats.ts:
 * what cAdvisor reads for kubelet, without polling Docker's stats API, which costs the engine and
 * the agent far more), and each Pod's network bytes from the network namespace its containers
 * share (its sandbox's: /proc/<pid>/net/dev of any of them; the host's for a hostNetwork Pod).
 * Cgroup locations are cached per container: a restart is a new container.
 */
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { ContainerSample, NetworkSample, PodSample } from '../../shared/metrics/samples.js';
import type { CgroupFileReader } from '../cgroup/cgroup-limits.js';
import { locateCgroup, type CgroupLocation } from '../cgroup/cgroup-location.js';
import { readStats, type CgroupStats } from '../cgroup/cgroup-stats.js';
import { identityOf } from '../runtime/labels.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { parseNetDev } from './proc-parsers.js';

export interface PodSamplerDeps {
  now(): number;
  readProcCgroup(pid: number): Promise<string>;
  readFile: CgroupFileReader;
  /** The text of /proc/<pid>/net/dev (the process's network namespace). */
  readNetDev(pid: number): Promise<string>;
  log: Logger;
}

const NS_PER_SECOND = 1e9;

/** cgroup counters in the wire format's units (seconds, not nanoseconds). */
export function containerSample(name: string, stats: CgroupStats): ContainerSample {
  const out: ContainerSample = { name };
  if (stats.cpuUsageNs !== undefined) out.cpuUsageSeconds = stats.cpuUsageNs / NS_PER_SECOND;
  if (stats.cpuPeriods !== undefined) out.cpuPeriods = stats.cpuPeriods;
  if (stats.cpuThrottledPeriods !== undefined) out.cpuThrottledPeriods = stats.cpuThrottledPeriods;
  if (stats.cpuThrottledNs !== undefined) out.cpuThrottledSeconds = stats.cpuThrottledNs / NS_PER_SECOND;
  if (stats.memoryUsageBytes !== undefined) out.memoryUsageBytes = stats.memoryUsageBytes;
  if (stats.memoryWorkingSetBytes !== undefined) out.memoryWorkingSetBytes = stats.memoryWorkingSetBytes;
  if (stats.oomKills !== undefined) out.oomKills = stats.oomKills;
  if (stats.fsReadBytes !== undefined) out.fsReadBytes = stats.fsReadBytes;
  if (stats.fsWriteBytes !== undefined) out.fsWriteBytes = stats.fsWriteBytes;
  return out;
}

export class PodSampler {
  private readonly locations = new Map<string, CgroupLocation>();

  constructor(private readonly deps: PodSamplerDeps) {}

  async sample(observed: readonly ObservedContainer[]): Promise<PodSample[]> {
    const pods = new Map<string, PodSample & { pid: number }>();
    const present = new Set<string>();
    for (const c of observed) {
      if (c.state !== 'running' || c.pid === undefined) continue;
      const identity = identityOf(c.labels);
      if (!identity) continue;
      present.add(c.id);
      let pod = pods.get(identity.podUid);
      // Stamped when its first container is read: the reads of one Pod take microseconds.
      const timestamp = new Date(this.deps.now()).toISOString();
      const stats = await this.stats(c.id, c.pid, c.name);
      if (!stats) continue;
      if (!pod) {
        pod = { namespace: identity.namespace, name: identity.podName, uid: identity.podUid, timestamp, containers: [], pid: c.pid };
        pods.set(identity.podUid, pod);
      }
      pod.containers.push(containerSample(identity.container, stats));
    }
    for (const id of this.locations.keys()) if (!present.has(id)) this.locations.delete(id);
    const out: PodSample[] = [];
    for (const { pid, ...pod } of pods.values()) {
      const network = await this.network(pid);
      out.push(network ? { ...pod, network } : pod);
    }
    return out;
  }

  private async stats(id: string, pid: number, name: string): Promise<CgroupStats | undefined> {
    try {
      let location = this.locations.get(id);
      if (!location) {
        location = locateCgroup(await this.deps.readProcCgroup(pid));
        if (!location) return undefined;
        this.locations.set(id, location);
      }
      return await readStats(location, this.deps.readFile);
    } catch (err) {
      // The container may have exited since it was observed: its /proc entry and cgroup are gone.
      this.deps.log.debug({ container: name, err: errorMessage(err) }, 'container usage not sampled');
      this.locations.delete(id);
      return undefined;
    }
  }

  private async network(pid: number): Promise<NetworkSample[] | undefined> {
    try {
      return parseNetDev(await this.deps.readNetDev(pid));
    } catch (err) {
      // Exited since observed: the Pod's cgroup usage is still worth sending without its network.
      this.deps.log.debug({ pid, err: errorMessage(err) }, 'pod network not sampled');
      return undefined;
    }
  }
}
