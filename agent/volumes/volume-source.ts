/**
 * The Kubernetes shapes of the Pod volumes the agent projects (configMap, secret, emptyDir) and of
 * volume mounts, as the hub validated them (shared/api/schema/pod-config.ts). Type-only imports:
 * the agent reads the fields without loading zod.
 */
import type { Volume, VolumeMount } from '../../shared/api/schema/pod.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';

export type PodVolume = Volume;
export type PodVolumeMount = VolumeMount;
export type ConfigMapVolumeSource = NonNullable<Volume['configMap']>;
export type SecretVolumeSource = NonNullable<Volume['secret']>;
export type KeyToPath = NonNullable<ConfigMapVolumeSource['items']>[number];

/** The pod's volumes ([] when it has none). */
export function volumesOf(pod: DesiredPod): PodVolume[] {
  return pod.spec.volumes ?? [];
}

/** One container's volume mounts ([] when it has none). */
export function volumeMountsOf(container: DesiredPod['spec']['containers'][number]): PodVolumeMount[] {
  return container.volumeMounts ?? [];
}
