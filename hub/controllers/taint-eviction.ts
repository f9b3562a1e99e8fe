/**
 * Evicts Pods from nodes whose NoExecute taints they do not tolerate, or tolerate only for a
 * while (Kubernetes' taint eviction controller): a node that stays unreachable past its Pods'
 * tolerationSeconds (300 s by default, added to every Pod at admission) has its Pods deleted,
 * so their ReplicaSets replace them on other nodes; a Pod with the node-lost policy `keep`
 * (shared/api/annotations.ts) tolerates them without a limit and is never evicted, as daemon Pods
 * are. Eviction is a graceful delete: a Pod on a node that is really gone stays Terminating until
 * the node returns (and is told at once to stop it) or is deleted — never two copies the hub
 * believes in. One key per node; a Pod not due yet re-queues its node for when it is.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { Logger } from '../../shared/log.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { deleteObject } from '../objects/deletion.js';
import type { Toleration } from '../scheduler/taints.js';
import type { Change, Store } from '../store/store.js';
import { QueueController } from './controller.js';
import type { Taint } from './node-taints.js';
import { nodeNameOf } from './pod-facts.js';
import { evictionAtMs } from './taint-eviction-plan.js';
import { PodsByNode } from '../objects/pods-by-node.js';

const nodes = resolveResource('nodes')!;
const pods = resolveResource('pods')!;
const SOURCE = { component: 'taint-eviction-controller' };

/** A node's NoExecute taints, the only ones that evict. */
function noExecuteTaints(node: KubeObject | undefined): Taint[] {
  return (node?.spec as { taints?: Taint[] } | undefined)?.taints?.filter((t) => t.effect === 'NoExecute') ?? [];
}

export class TaintEviction extends QueueController {
  /** Each node's Pods from change events: a sync reads its node's Pods, not every Pod (fleet scale). */
  private readonly index: PodsByNode;
  /** Nodes with a NoExecute taint: only their Pods' changes can call for an eviction. */
  private readonly tainted = new Set<string>();

  constructor(
    store: Store,
    logger: Logger,
    private readonly events: EventRecorder,
    private readonly now: () => number = Date.now,
  ) {
    super('taint-eviction', store, logger);
    this.index = new PodsByNode(store);
  }

  onChange(change: Change): void {
    this.index.onChange(change);
    if (change.resource === nodes) {
      const name = change.object.metadata.name!;
      const taints = change.type === 'DELETED' ? [] : noExecuteTaints(change.object);
      if (taints.length > 0) this.tainted.add(name);
      else this.tainted.delete(name);
      // A heartbeat changes the Node every 10 s on every node; only a change of its NoExecute taints matters here.
      if (taints.length > 0 && JSON.stringify(taints) !== JSON.stringify(noExecuteTaints(change.previous))) this.queue.add(name);
    }
    // A terminating Pod (one this controller just evicted, say) has nothing left to evict.
    if (change.resource === pods && change.type !== 'DELETED' && !change.object.metadata.deletionTimestamp) {
      const node = nodeNameOf(change.object);
      if (node && this.tainted.has(node)) this.queue.add(node);
    }
  }

  async resync(): Promise<void> {
    await this.index.load();
    this.tainted.clear();
    for (const node of await this.store.list(nodes)) {
      if (noExecuteTaints(node).length === 0) continue;
      this.tainted.add(node.metadata.name!);
      this.queue.add(node.metadata.name!);
    }
  }

  protected async sync(nodeName: string): Promise<void> {
    const node = await this.store.get(nodes, undefined, nodeName);
    const taints = noExecuteTaints(node);
    if (!node || taints.length === 0) return;
    if (!this.index.ready) await this.index.load();
    const nowMs = this.now();
    let nextMs: number | undefined;
    for (const pod of this.index.podsOn(nodeName)) {
      if (pod.metadata.deletionTimestamp) continue;
      const tolerations = (pod.spec as { tolerations?: Toleration[] }).tolerations;
      const at = evictionAtMs(tolerations, taints, nowMs);
      if (at === undefined) continue;
      if (at > nowMs) {
        nextMs = nextMs === undefined ? at : Math.min(nextMs, at);
        continue;
      }
      await this.evict(pod, nodeName);
    }
    if (nextMs !== undefined) this.queue.addAfter(nodeName, nextMs - nowMs + 100);
  }

  private async evict(pod: KubeObject, nodeName: string): Promise<void> {
    const ref = `${pod.metadata.namespace}/${pod.metadata.name}`;
    await deleteObject(this.store, pods, pod);
    this.logger.info({ component: this.name, pod: ref, node: nodeName }, 'evicted pod from tainted node');
    this.events.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ref}`, SOURCE);
  }
}
