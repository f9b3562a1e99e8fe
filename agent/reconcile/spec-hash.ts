/**
 * The spec hash stored in the `skiff.container.hash` label: a container whose hash differs from
 * its desired container's is replaced. Only fields that change what runs are hashed (not
 * imagePullPolicy, restartPolicy or terminationGracePeriodSeconds, which Skiff applies without a
 * restart), after normalisation (quantities to numbers, defaults filled, empty lists dropped), so
 * that "128Mi" and "134217728" do not restart a container.
 *
 * Changing what this hashes restarts every container on every upgraded node: bump HASH_VERSION
 * deliberately when that is wanted, and never by accident.
 *
 * Config consumption hashes the REFERENCES (which ConfigMap key, which envFrom source, which
 * volume at which path), never the values they resolve to: as in Kubernetes, editing a ConfigMap
 * restarts nothing (env is read at creation; mounted files are updated in place). Fields added
 * for it are absent when unused, so containers that use none keep their hash.
 */
import { canonicalJson } from '../../shared/canonical-json.js';
import { createHash } from 'node:crypto';
import type { Container } from '../../shared/api/schema/pod.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import { bytes, cpuMillicores, parseQuantity } from '../../shared/api/quantity.js';
import type { EnvConsumer } from '../config/env-resolution.js';
import { volumeMountsOf, volumesOf } from '../volumes/volume-source.js';

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
    env: container.env?.length ? (container as EnvConsumer).env!.map((e) => (e.valueFrom ? [e.name, e.value ?? '', e.valueFrom] : [e.name, e.value ?? ''])) : undefined,
    envFrom: (container as EnvConsumer).envFrom?.length ? (container as EnvConsumer).envFrom : undefined,
    mounts: mountsOf(pod, container),
    ports: container.ports
      ?.filter((p) => p.hostPort !== undefined)
      .map((p) => [p.containerPort, p.protocol ?? 'TCP', p.hostPort, p.hostIP ?? '']),
    memoryLimit: quantityOr(limits.memory, bytes),
    cpuLimit: quantityOr(limits.cpu, cpuMillicores),
    cpuRequest: quantityOr(requests.cpu, cpuMillicores),
  };
}

/** The container's mounts with the source each names (not its content), in declaration order. */
function mountsOf(pod: DesiredPod, container: Container): unknown {
  const mounts = volumeMountsOf(container);
  if (mounts.length === 0) return undefined;
  const volumes = volumesOf(pod);
  return mounts.map((m) => [m.name, m.mountPath, m.subPath ?? '', m.readOnly ?? false, volumes.find((v) => v.name === m.name) ?? null]);
}

/** 16 hex digits (64 bits) of sha256: collisions between two specs of one container are not a concern. */
export function specHash(pod: DesiredPod, container: Container): string {
  return createHash('sha256').update(canonicalJson(normalizedContainerSpec(pod, container))).digest('hex').slice(0, 16);
}

/**
 * The hash a pod sandbox carries: what its network namespace was made with (hostname, hostNetwork,
 * every container's hostPorts). A sandbox whose hash differs is replaced, with the pod's
 * containers, as kubelet does when a pod's sandbox changed.
 */
export function sandboxHash(pod: DesiredPod): string {
  const spec = {
    v: HASH_VERSION,
    hostname: pod.spec.hostname ?? pod.metadata.name,
    hostNetwork: pod.spec.hostNetwork === true || undefined,
    ports: pod.spec.containers.flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort !== undefined).map((p) => [p.containerPort, p.protocol ?? 'TCP', p.hostPort, p.hostIP ?? ''])),
  };
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 16);
}
