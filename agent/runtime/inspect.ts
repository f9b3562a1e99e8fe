/**
 * The engine's answer to GET /containers/{id}/json, as both Docker clients receive it (dockerode
 * passes the engine's JSON through), mapped to the ContainerDetails the agent reads.
 */
import type { ContainerDetails, ContainerRunState } from './docker-api.js';

export interface RawInspect {
  Id: string;
  Name: string;
  Created: string;
  Image: string;
  Config: { Image: string; Labels?: Record<string, string> | null };
  State: { Status: string; ExitCode: number; OOMKilled: boolean; StartedAt?: string; FinishedAt?: string; Error?: string; Pid?: number };
  HostConfig?: { Memory?: number; MemorySwap?: number; NanoCpus?: number; CpuShares?: number; PidsLimit?: number | null; NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> | null };
}

/** Docker prints "0001-01-01T00:00:00Z" for a time that never happened. */
function dockerTime(value: string | undefined): string | undefined {
  return value && !value.startsWith('0001-') ? value : undefined;
}

export function detailsFromInspect(info: RawInspect): ContainerDetails {
  const state = info.State;
  const startedAt = dockerTime(state.StartedAt);
  const finishedAt = dockerTime(state.FinishedAt);
  const ip = info.NetworkSettings?.Networks?.bridge?.IPAddress;
  const host = info.HostConfig ?? {};
  // Docker's zero means "not set" for each of these.
  const positive = (n: number | null | undefined): number | undefined => (typeof n === 'number' && n > 0 ? n : undefined);
  const limits = {
    memoryBytes: positive(host.Memory),
    cpuMillicores: positive(host.NanoCpus) !== undefined ? Math.round(host.NanoCpus! / 1_000_000) : undefined,
    cpuShares: positive(host.CpuShares),
    pidsMax: positive(host.PidsLimit),
  };
  const requestedLimits = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    labels: info.Config.Labels ?? {},
    state: state.Status as ContainerRunState,
    exitCode: state.ExitCode,
    oomKilled: state.OOMKilled,
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    ...(state.Error ? { error: state.Error } : {}),
    createdMs: Date.parse(info.Created),
    image: info.Config.Image,
    imageID: info.Image,
    ...(ip ? { ip } : {}),
    ...(host.NetworkMode ? { networkMode: host.NetworkMode } : {}),
    ...(state.Pid ? { pid: state.Pid } : {}),
    requestedLimits,
  };
}
