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
  State: { Status: string; ExitCode: number; OOMKilled: boolean; StartedAt?: string; FinishedAt?: string; Error?: string };
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
  };
}
