/**
 * Which nodes have Pods that refer to each ConfigMap and Secret, kept from Pod change events, so
 * that a ConfigMap or Secret change re-syncs exactly the nodes that receive it (as the kubelet's
 * configmap/secret managers are keyed by the Pods that register them) instead of every node.
 *
 * Fed the same Pod changes as the Dispatcher's PodsByNode, and rebuilt from that index's
 * contents after each of its loads, so the two always agree.
 */
import { configReferences } from '../../shared/api/config-refs.js';
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { PodSpec } from '../../shared/api/schema/pod.js';
import type { DesiredConfigObject } from '../../shared/mqtt/messages.js';
import { nodeNameOf } from '../controllers/pod-facts.js';
import type { Change } from '../store/store.js';

const pods = resolveResource('pods')!;

/** One ConfigMap or Secret, by identity. */
export interface ConfigObjectKey {
  kind: DesiredConfigObject['kind'];
  namespace: string;
  name: string;
}

/** "Kind/namespace/name": how config objects are keyed in maps and sets. */
export function configObjectKey(ref: ConfigObjectKey): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** The config objects one Pod refers to, as keys. */
function configKeysOfPod(pod: KubeObject): string[] {
  const namespace = pod.metadata.namespace ?? '';
  const refs = configReferences(pod.spec as PodSpec);
  return [
    ...[...refs.configMaps].map((name) => configObjectKey({ kind: 'ConfigMap', namespace, name })),
    ...[...refs.secrets].map((name) => configObjectKey({ kind: 'Secret', namespace, name })),
  ];
}

export class NodesByConfig {
  /** What each indexed Pod ("namespace/name") contributed, to take it back on its next change. */
  private readonly ofPod = new Map<string, { node: string; keys: string[] }>();
  /** Config object key -> node -> how many of the node's Pods refer to it. */
  private readonly nodesOf = new Map<string, Map<string, number>>();

  /** Replaces the whole index with what `all` refers to. */
  rebuild(all: Iterable<KubeObject>): void {
    this.ofPod.clear();
    this.nodesOf.clear();
    for (const pod of all) this.put(pod);
  }

  /** Feed every store change here (only Pod changes matter). */
  onChange(change: Change): void {
    if (change.resource !== pods) return;
    if (change.type === 'DELETED') this.remove(podKey(change.object));
    else this.put(change.object);
  }

  /** The nodes with at least one Pod that refers to this object, in no particular order. */
  nodesReferencing(ref: ConfigObjectKey): string[] {
    return [...(this.nodesOf.get(configObjectKey(ref))?.keys() ?? [])];
  }

  private put(pod: KubeObject): void {
    const key = podKey(pod);
    this.remove(key);
    const node = nodeNameOf(pod);
    if (!node) return;
    const keys = configKeysOfPod(pod);
    if (keys.length === 0) return;
    this.ofPod.set(key, { node, keys });
    for (const k of keys) {
      let counts = this.nodesOf.get(k);
      if (!counts) this.nodesOf.set(k, (counts = new Map()));
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
  }

  private remove(podKeyText: string): void {
    const entry = this.ofPod.get(podKeyText);
    if (!entry) return;
    this.ofPod.delete(podKeyText);
    for (const k of entry.keys) {
      const counts = this.nodesOf.get(k)!;
      const left = counts.get(entry.node)! - 1;
      if (left > 0) counts.set(entry.node, left);
      else counts.delete(entry.node);
      if (counts.size === 0) this.nodesOf.delete(k);
    }
  }
}

function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name!}`;
}
