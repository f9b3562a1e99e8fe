/**
 * `skiff delete node NAME`: the Node object goes, and so does the node's right to connect — its
 * MQTT credentials are deleted and its open connections dropped, so a decommissioned (or stolen)
 * device cannot keep reporting. Pods bound to it are removed (Kubernetes' pod GC does so for
 * Pods on a node that no longer exists), so their controllers replace them elsewhere.
 */
import { resolveResource } from '../../shared/api/resources.js';
import type { Logger } from '../../shared/log.js';
import type { MessageBus } from '../broker/message-bus.js';
import type { Change, Store } from '../store/store.js';
import { nodeNameOf } from './pod-facts.js';

const nodes = resolveResource('nodes')!;
const pods = resolveResource('pods')!;

export class NodeRemoval {
  constructor(
    private readonly store: Store,
    private readonly bus: Pick<MessageBus, 'disconnectNode'>,
    private readonly logger: Logger,
  ) {}

  onChange(change: Change): void {
    if (change.resource !== nodes || change.type !== 'DELETED') return;
    const node = change.object.metadata.name!;
    this.revoke(node).catch((err: unknown) => this.logger.error({ component: 'node-removal', node, err }, 'could not revoke the node’s credentials'));
  }

  async revoke(node: string): Promise<void> {
    await this.store.deleteNodeCredential(node);
    this.bus.disconnectNode(node);
    for (const pod of await this.store.list(pods)) {
      if (nodeNameOf(pod) === node) await this.store.delete(pods, pod.metadata.namespace, pod.metadata.name!);
    }
    this.logger.info({ component: 'node-removal', node }, 'node deleted; credentials revoked and connections dropped');
  }
}
