/**
 * The Docker side of the pod latency benchmark: waiting for dockerd's own record of a container
 * event (its timestamps, not the benchmark's polling), crashing a container's process the way a
 * real crash looks to Docker, and the plain `docker run -d` floors.
 */
import { docker } from '../helpers/processes.js';
import type { ContainerEvent, DockerEventLog } from '../helpers/docker-events.js';
import { waitFor } from '../helpers/wait.js';

export const WEB_IMAGE = 'skiff-test/web:1';
/** Every container the floors create carries this label, so that cleanup finds them all. */
export const FLOOR_LABEL = 'skiff.bench=pod-latency';

/** The first `action` event whose attributes (labels included) match and that `accept` takes. */
export function awaitEvent(log: DockerEventLog, action: string, attributes: Record<string, string>, accept: (event: ContainerEvent) => boolean, timeoutMs = 60_000): Promise<ContainerEvent> {
  return waitFor(`docker ${action} event for ${JSON.stringify(attributes)}`, () => log.find(action, attributes).find(accept), {
    intervalMs: 5, // an in-memory scan; the event's own timestamp is what counts
    timeoutMs,
  });
}

/** The container's main process on this host, from `docker inspect`. */
async function hostPid(containerId: string): Promise<number> {
  const result = await docker(['inspect', '-f', '{{.State.Pid}}', containerId]);
  const pid = Number(result.stdout.trim());
  if (result.code !== 0 || !Number.isSafeInteger(pid) || pid <= 0) throw new Error(`no process for container ${containerId}: ${result.stderr || result.stdout}`);
  return pid;
}

/**
 * SIGKILLs the container's main process from the host: a crash as Docker sees one (exit 137,
 * not a stop). `docker kill` would not do for the floor: Docker marks a killed container
 * manually stopped, and restart=always then leaves it down.
 */
export async function crash(containerId: string): Promise<void> {
  process.kill(await hostPid(containerId), 'SIGKILL');
}

/** `docker run -d` of the web image as one command would: how long until the command returns (the container runs then). */
export async function dockerRunOnce(extraArgs: string[] = []): Promise<{ id: string; ms: number }> {
  const start = performance.now();
  const result = await docker(['run', '-d', '--label', FLOOR_LABEL, ...extraArgs, WEB_IMAGE]);
  const ms = performance.now() - start;
  if (result.code !== 0) throw new Error(`docker run failed: ${result.stderr}`);
  return { id: result.stdout.trim(), ms };
}

/** `count` `docker run -d` at once; each container's time from the common start to its command returning. */
export async function dockerRunParallel(count: number): Promise<{ ids: string[]; ms: number[] }> {
  const start = performance.now();
  const runs = await Promise.all(
    Array.from({ length: count }, async () => {
      const result = await docker(['run', '-d', '--label', FLOOR_LABEL, WEB_IMAGE]);
      if (result.code !== 0) throw new Error(`docker run failed: ${result.stderr}`);
      return { id: result.stdout.trim(), ms: performance.now() - start };
    }),
  );
  return { ids: runs.map((r) => r.id), ms: runs.map((r) => r.ms) };
}

/** Removes every floor container (also those a failed run left behind). */
export async function removeFloorContainers(): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${FLOOR_LABEL}`])).stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return;
  const result = await docker(['rm', '-f', '-v', ...ids]);
  if (result.code !== 0) throw new Error(`cannot remove the floor containers: ${result.stderr}`);
}
