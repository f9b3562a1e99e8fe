/**
 * The Pods bound to each node, kept in memory from the store's change events (as an informer's
 * indexer keeps them in Kubernetes), so that per-node work — a node's desired state, a node's
 * status report — reads the few Pods of that node instead of parsing every Pod in the store.
 * Measured with 1,000 simulated nodes and 2,500 Pods (docs/benchmarks.md, "Fleet scale"), those
 * full listings were most of the hub's CPU.
 *
 * `load` rebuilds from a full listing (at start and on every resync, the safety net); changes
 * that commit while the listing is awaited are replayed on top of it, in commit order, so no
 * change is lost between the listing and the subscription.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import { nodeNameOf } from '../controllers/pod-facts.js';
import type { Change, Store } from '../store/store.js';

const pods = resolveResource('pods')!;

function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name!}`;
}

/**
 * Pods grouped by one key of theirs (the node they are bound to, the controller that owns
 * them), kept from change events. A Pod without a key is not indexed.
 */
export class PodIndex {
  private readonly byNode = new Map<string, Map<string, KubeObject>>();
  /** Which group each indexed Pod is in, to move or drop it on the next change. */
  private readonly nodeOfPod = new Map<string, string>();
  /** Changes seen while a listing is in flight (undefined when none is). */
  private pending: Change[] | undefined;
  private loaded = false;

  constructor(
    private readonly store: Store,
    private readonly keyOf: (pod: KubeObject) => string | undefined,
  ) {}

  /** True once a full listing has been indexed. */
  get ready(): boolean {
    return this.loaded;
  }

  async load(): Promise<void> {
    const buffered: Change[] = [];
    this.pending = buffered;
    try {
      const all = await this.store.list(pods);
      this.byNode.clear();
      this.nodeOfPod.clear();
      for (const pod of all) this.put(pod);
      for (const change of buffered) this.applyChange(change);
      this.loaded = true;
    } finally {
      if (this.pending === buffered) this.pending = undefined;
    }
  }

  /** Feed every store change here (other resources are ignored). */
  onChange(change: Change): void {
    if (change.resource !== pods) return;
    this.pending?.push(change);
    this.applyChange(change);
  }

  /** The Pods whose key is `key` (terminating ones included), in no particular order. */
  podsFor(key: string): KubeObject[] {
    return [...(this.byNode.get(key)?.values() ?? [])];
  }

  /** Every indexed Pod, in no particular order. */
  allPods(): KubeObject[] {
    return [...this.byNode.values()].flatMap((group) => [...group.values()]);
  }

  private applyChange(change: Change): void {
    if (change.type === 'DELETED') this.remove(podKey(change.object));
    else this.put(change.object);
  }

  private put(pod: KubeObject): void {
    const key = podKey(pod);
    this.remove(key);
    const node = this.keyOf(pod);
    if (!node) return;
    let onNode = this.byNode.get(node);
    if (!onNode) this.byNode.set(node, (onNode = new Map()));
    onNode.set(key, pod);
    this.nodeOfPod.set(key, node);
  }

  private remove(key: string): void {
    const node = this.nodeOfPod.get(key);
    if (node === undefined) return;
    const onNode = this.byNode.get(node)!;
    onNode.delete(key);
    if (onNode.size === 0) this.byNode.delete(node);
    this.nodeOfPod.delete(key);
  }
}

/** The Pods bound to each node. */
export class PodsByNode extends PodIndex {
  constructor(store: Store) {
    super(store, nodeNameOf);
  }

  /** The Pods bound to `node` (terminating ones included), in no particular order. */
  podsOn(node: string): KubeObject[] {
    return this.podsFor(node);
  }
}

/** The uid of the ReplicaSet that controls a Pod. */
export function controllingReplicaSetUid(pod: KubeObject): string | undefined {
  return pod.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === 'ReplicaSet')?.uid;
}
