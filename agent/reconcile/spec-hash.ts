/**
 * The spec hash stored in the `skiff.container.hash` label: a container whose hash differs from
 * its desired container's is replaced. Only fields that change what runs are hashed (not
 * imagePullPolicy, restartPolicy or terminationGracePeriodSeconds, which Skiff applies without a
 * restart), after normalisation (quantities to numbers, defaults filled, empty lists dropped), so
 * that "128Mi" and "134217728" do not restart a container.
 *
 * Changing what this hashes restarts every container on every upgraded node: bump HASH_VERSION
 * deliberately when that is wanted, and never by accident.
 */
import { canonicalJson } from '../../shared/canonical-json.js';
import { createHash } from 'node:crypto';
import type { Container } from '../../shared/api/schema/pod.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import { bytes, cpuMillicores, parseQuantity } from '../../shared/api/quantity.js';

const HASH_VERSION = 1;

function quantityOr(value: string | number | undefined, convert: (q: string | number) => number): number | string | undefined {
  if (value === undefined) return undefined;
  // An invalid quantity still hashes (as its text) so that fixing it replaces the container.
  return parseQuantity(value) === undefined ? String(value) : convert(value);
}

export function normalizedContainerSpec(pod: DesiredPod, container: Container): unknown {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  return {
    v: HASH_VERSION,
    hostname: pod.spec.hostname ?? pod.metadata.name,
    image: container.image,
    command: container.command?.length ? container.command : undefined,
    args: container.args?.length ? container.args : undefined,
    workingDir: container.workingDir || undefined,
    env: container.env?.length ? container.env.map((e) => [e.name, e.value ?? '']) : undefined,
    ports: container.ports
      ?.filter((p) => p.hostPort !== undefined)
      .map((p) => [p.containerPort, p.protocol ?? 'TCP', p.hostPort, p.hostIP ?? '']),
    memoryLimit: quantityOr(limits.memory, bytes),
    cpuLimit: quantityOr(limits.cpu, cpuMillicores),
    cpuRequest: quantityOr(requests.cpu, cpuMillicores),
  };
}

/** 16 hex digits (64 bits) of sha256: collisions between two specs of one container are not a concern. */
export function specHash(pod: DesiredPod, container: Container): string {
  return createHash('sha256').update(canonicalJson(normalizedContainerSpec(pod, container))).digest('hex').slice(0, 16);
}
