/**
 * A pod sandbox as a Docker create body (pure, unit-tested). As kubelet does it, every pod gets
 * one small "pause" container that owns the pod's network namespace; the pod's containers join it
 * (`NetworkMode: container:<sandbox id>`), so they share one IP, localhost and ports, and see the
 * sandbox's hostname. The pod's IP is therefore known before any of its containers is created
 * (fieldRef status.podIP), and stays the same across container restarts.
 *
 * What belongs to the network namespace is set here, once per pod: the hostname and every
 * container's hostPorts (Docker publishes ports of the namespace's owner only). A hostNetwork pod
 * gets a sandbox in the host's namespace, so its containers see the node's interfaces.
 */
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import type { CreateContainerBody } from './docker-api.js';
import { containerName, labelsFor, SANDBOX_CONTAINER, type ContainerIdentity } from './labels.js';

export interface SandboxSpecInput {
  node: string;
  /** --node-ip: where hostPorts are published when the port names no hostIP. */
  nodeIp?: string;
  pod: DesiredPod;
  /** --pod-infra-image. */
  image: string;
  attempt: number;
  hash: string;
  graceSeconds: number;
}

/** The pod's hostPorts, for the sandbox that owns its network namespace (kubelet: PortMappings). */
export function portBindings(pod: DesiredPod, nodeIp: string | undefined): Pick<CreateContainerBody, 'ExposedPorts'> & { PortBindings?: Record<string, Array<{ HostIp: string; HostPort: string }>> } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const container of pod.spec.containers) {
    for (const port of container.ports ?? []) {
      if (port.hostPort === undefined) continue;
      const key = `${port.containerPort}/${(port.protocol ?? 'TCP').toLowerCase()}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: port.hostIP ?? nodeIp ?? '0.0.0.0', HostPort: String(port.hostPort) });
    }
  }
  return Object.keys(bindings).length ? { ExposedPorts: exposed, PortBindings: bindings } : {};
}

export function hostNetworkOf(pod: DesiredPod): boolean {
  return pod.spec.hostNetwork === true;
}

export function sandboxCreateBody(input: SandboxSpecInput): CreateContainerBody {
  const { pod } = input;
  const identity: ContainerIdentity = {
    namespace: pod.metadata.namespace,
    podName: pod.metadata.name,
    podUid: pod.metadata.uid,
    container: SANDBOX_CONTAINER,
    hash: input.hash,
    attempt: input.attempt,
  };
  const hostNetwork = hostNetworkOf(pod);
  // In the host's namespace the ports are the host's already, and the hostname is the node's.
  const ports = hostNetwork ? {} : portBindings(pod, input.nodeIp);
  return {
    name: containerName(input.node, identity),
    Image: input.image,
    ...(hostNetwork ? {} : { Hostname: pod.spec.hostname ?? pod.metadata.name }),
    Labels: labelsFor(input.node, identity, input.graceSeconds),
    ...(ports.ExposedPorts ? { ExposedPorts: ports.ExposedPorts } : {}),
    HostConfig: {
      RestartPolicy: { Name: 'no' },
      NetworkMode: hostNetwork ? 'host' : 'bridge',
      ...(ports.PortBindings ? { PortBindings: ports.PortBindings } : {}),
      // The pause process needs almost nothing; the lowest CPU weight keeps it out of the way.
      CpuShares: 2,
    },
  };
}
