/**
 * The words an evicted Pod carries in status.message and in its Evicted event, as kubelet writes
 * them (pkg/kubelet/eviction/helpers.go evictionMessage), fragment for fragment, trailing spaces
 * included, so tooling that greps kubelet's messages reads Skiff's unchanged:
 *
 *   The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki.
 *   Container web was using 60Mi, request is 0, has larger consumption of memory.
 *
 * Quantities print as resource.Quantity does for binary-SI values (the largest exact 1024 power).
 * Pure.
 */
import { effectiveRequests } from '../../shared/api/qos.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import { containerMemoryRequestBytes } from './rank.js';

const NODE_LOW = (resource: string): string => `The node was low on resource: ${resource}. `;
const THRESHOLD_MET = (quantity: string, available: string): string => `Threshold quantity: ${quantity}, available: ${available}. `;
const CONTAINER = (name: string, usage: string, request: string, resource: string): string =>
  `Container ${name} was using ${usage}, request is ${request}, has larger consumption of ${resource}. `;

const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

/** A byte count as resource.Quantity prints a binary-SI value: 52428800 -> "50Mi", 1536 -> "1536", 0 -> "0". */
export function formatBinaryQuantity(value: number): string {
  let n = Math.trunc(value);
  let exponent = 0;
  while (n !== 0 && Math.abs(n) >= 1024 && n % 1024 === 0 && exponent < BINARY_SUFFIXES.length - 1) {
    n /= 1024;
    exponent++;
  }
  return `${n}${BINARY_SUFFIXES[exponent]}`;
}

export interface MemoryEvictionFacts {
  pod: DesiredPod;
  /** The memory.available threshold in bytes, and what was available when it was met. */
  thresholdBytes: number;
  availableBytes: number;
  /** Working set by container name; undefined when the Pod's usage could not be read. */
  usage?: ReadonlyMap<string, number>;
}

/** The request as the Pod spells it ("64Mi"), "0" when it has none: kubelet prints the Quantity it holds. */
function requestText(container: DesiredPod['spec']['containers'][number]): string {
  const request = effectiveRequests(container.resources).memory;
  return request === undefined ? '0' : String(request);
}

export function memoryEvictionMessage(facts: MemoryEvictionFacts): string {
  let message = NODE_LOW('memory') + THRESHOLD_MET(formatBinaryQuantity(facts.thresholdBytes), formatBinaryQuantity(facts.availableBytes));
  if (!facts.usage) return message; // kubelet: no stats for the pod, no container sentences
  for (const container of facts.pod.spec.containers) {
    const used = facts.usage.get(container.name);
    if (used === undefined || used <= containerMemoryRequestBytes(container)) continue;
    message += CONTAINER(container.name, formatBinaryQuantity(used), requestText(container), 'memory');
  }
  return message;
}

/**
 * kubelet's emptyDirMessageFmt, `Usage of EmptyDir volume %q exceeds the limit %q. `: the volume's
 * name and its sizeLimit as resource.Quantity.String() prints it ("1024Ki" reads "1Mi"). Go's %q
 * and JSON.stringify agree on these strings: a DNS label and a quantity are plain ASCII.
 */
export function emptyDirLimitMessage(volume: string, sizeLimit: string): string {
  return `Usage of EmptyDir volume ${JSON.stringify(volume)} exceeds the limit ${JSON.stringify(sizeLimit)}. `;
}
