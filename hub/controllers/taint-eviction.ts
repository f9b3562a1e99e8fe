/**
 * Evicts Pods from nodes whose NoExecute taints they do not tolerate, or tolerate only for a
 * while (Kubernetes' taint eviction controller): a node that stays unreachable past its Pods'
 * tolerationSeconds (300 s by default, added to every Pod at admission) has its Pods deleted,
 * so their ReplicaSets replace them on other nodes. Eviction is a graceful delete: a Pod on a
 * node that is really gone stays Terminating until the node returns (and is told at once to stop
 * it) or is deleted — never two copies the hub believes in. One key per node; a Pod not due yet
 * re-queues its node for when it is.
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

const nodes = resolveResource('nodes')!;
const pods = resolveResource('pods')!;
const SOURCE = { component: 'taint-eviction-controller' };

export class TaintEviction extends QueueController {
  constructor(
    store: Store,
    logger: Logger,
    private readonly events: EventRecorder,
    private readonly now: () => number = Date.now,
  ) {
    super('taint-eviction', store, logger);
  }

  onChange(change: Change): void {
    if (change.resource === nodes) this.queue.add(change.object.metadata.name!);
    if (change.resource === pods && change.type !== 'DELETED') {
      const node = nodeNameOf(change.object);
      if (node) this.queue.add(node);
    }
  }

  async resync(): Promise<void> {
    for (const node of await this.store.list(nodes)) this.queue.add(node.metadata.name!);
  }

  protected async sync(nodeName: string): Promise<void> {
    const node = await this.store.get(nodes, undefined, nodeName);
    const taints = (node?.spec as { taints?: Taint[] } | undefined)?.taints?.filter((t) => t.effect === 'NoExecute') ?? [];
    if (!node || taints.length === 0) return;
    const nowMs = this.now();
    let nextMs: number | undefined;
    for (const pod of await this.store.list(pods)) {
      if (nodeNameOf(pod) !== nodeName || pod.metadata.deletionTimestamp) continue;
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
