/** Small pure readings of Pod objects that several controllers share. */
import type { KubeObject } from '../../shared/api/object.js';
import type { PodStatus } from '../../shared/api/status-types.js';

export function podStatus(pod: KubeObject): PodStatus {
  return (pod.status as PodStatus | undefined) ?? {};
}

export function nodeNameOf(pod: KubeObject): string | undefined {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName || undefined;
}

export function isPodReady(pod: KubeObject): boolean {
  return podStatus(pod).conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function isPodActive(pod: KubeObject): boolean {
  const phase = podStatus(pod).phase;
  return pod.metadata.deletionTimestamp === undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

export function isOwnedBy(object: KubeObject, ownerUid: string): boolean {
  return object.metadata.ownerReferences?.some((ref) => ref.uid === ownerUid && ref.controller === true) ?? false;
}

/**
 * Kubernetes' IsPodAvailable: Ready, and Ready for at least minReadySeconds. Returns whether it is
 * available at `nowMs`, and if not yet but Ready, when it will be.
 */
export function podAvailability(pod: KubeObject, minReadySeconds: number, nowMs: number): { available: boolean; atMs?: number } {
  const ready = podStatus(pod).conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) return { available: false };
  if (minReadySeconds <= 0) return { available: true };
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  if (!Number.isFinite(since)) return { available: true };
  const atMs = since + minReadySeconds * 1000;
  return atMs <= nowMs ? { available: true } : { available: false, atMs };
}
