/**
 * Publishes each node's desired state: one retained QoS 1 message on its desired topic, with a
 * generation that increases only when the content changes (persisted, so it keeps increasing
 * across hub restarts). The embedded broker keeps retained messages in broker.db across restarts;
 * every node's state is still published again at start, rebuilt from the Store, in case broker.db
 * was lost or is behind (its writes are not fsynced). The state carries the ConfigMaps and
 * Secrets the node's Pods refer to, read through the Store (which decrypts Secrets), so a change
 * to one of them re-syncs the nodes that receive it; an ingress node (ingress-nodes.ts) also gets
 * the Secrets the Ingresses take their certificates from. Secret values are never logged.
 */
import { resolveResource } from '../../shared/api/resources.js';
import type { Logger } from '../../shared/log.js';
import { MESSAGE_SCHEMA, encode, type DesiredState } from '../../shared/mqtt/messages.js';
import { desiredTopic } from '../../shared/mqtt/topics.js';
import type { MessageBus } from '../broker/message-bus.js';
import { QueueController } from '../controllers/controller.js';
import { nodeNameOf } from '../controllers/pod-facts.js';
import type { Change, Store } from '../store/store.js';
import { NodesByConfig } from '../objects/nodes-by-config.js';
import { PodsByNode } from '../objects/pods-by-node.js';
import { configKeysOf, contentHash, desiredConfigObject, desiredPodsFor, terminatingPodsFor, withIngressSecrets } from './desired-state.js';
import { IngressNodes, isIngressNode } from './ingress-nodes.js';

const pods = resolveResource('pods')!;
const nodes = resolveResource('nodes')!;
const configMaps = resolveResource('configmaps')!;
const secrets = resolveResource('secrets')!;
const ingresses = resolveResource('ingresses')!;

export class Dispatcher extends QueueController {
  /** Nodes whose current generation this process has published (retained state is per process). */
  private readonly published = new Set<string>();
  /** Each node's Pods from change events: a sync reads its node's Pods, not every Pod. */
  private readonly index: PodsByNode;
  /** Which nodes receive each ConfigMap and Secret, from the same Pod changes. */
  private readonly configUsers = new NodesByConfig();
  /** Which nodes serve Ingress, and the TLS Secrets they receive for it. */
  private readonly ingress = new IngressNodes();

  constructor(
    store: Store,
    private readonly bus: MessageBus,
    logger: Logger,
  ) {
    super('dispatcher', store, logger, { concurrency: 4 });
    this.index = new PodsByNode(store);
  }

  onChange(change: Change): void {
    this.index.onChange(change);
    this.configUsers.onChange(change);
    if (change.resource === pods) {
      for (const pod of [change.object, change.previous]) {
        const node = pod ? nodeNameOf(pod) : undefined;
        if (node) this.queue.add(node);
      }
    }
    if (change.resource === nodes) {
      const servesChanged = this.ingress.onNode(change.object, change.type === 'DELETED');
      if (change.type === 'ADDED' || servesChanged) this.queue.add(change.object.metadata.name!);
    }
    if (change.resource === configMaps || change.resource === secrets) {
      const { namespace, name } = change.object.metadata;
      const ref = { kind: change.resource === secrets ? 'Secret' : 'ConfigMap', namespace: namespace ?? '', name: name! } as const;
      for (const node of this.configUsers.nodesReferencing(ref)) this.queue.add(node);
      if (change.resource === secrets && this.ingress.isTlsSecret(ref.namespace, ref.name)) for (const node of this.ingress.ingressNodes()) this.queue.add(node);
    }
    if (change.resource === ingresses) {
      this.ingress.onIngress(change.object, change.type === 'DELETED');
      for (const node of this.ingress.ingressNodes()) this.queue.add(node);
    }
  }

  async resync(): Promise<void> {
    await this.loadIndexes();
    const all = await this.store.list(nodes);
    this.ingress.rebuild(all, await this.store.list(ingresses));
    for (const node of all) this.queue.add(node.metadata.name!);
  }

  protected async sync(node: string): Promise<void> {
    const nodeObject = await this.store.get(nodes, undefined, node);
    if (!nodeObject) return;
    if (!this.index.ready) await this.loadIndexes();
    const all = this.index.podsOn(node);
    const desired = desiredPodsFor(node, all);
    const terminating = terminatingPodsFor(node, all);
    // An ingress node also gets the Ingresses' TLS Secrets (read from the store: the index may lag a label change).
    const servesIngress = isIngressNode(nodeObject);
    const keys = servesIngress ? withIngressSecrets(configKeysOf(desired), this.ingress.tlsSecrets()) : configKeysOf(desired);
    // A referenced object that does not exist is left out: the agent reports the Pod's error.
    const stored = await Promise.all(keys.map((ref) => this.store.get(ref.kind === 'Secret' ? secrets : configMaps, ref.namespace, ref.name)));
    const configObjects = stored.filter((object) => object !== undefined);
    const hash = contentHash(desired, terminating, configObjects, servesIngress);
    const record = await this.store.getDispatch(node);
    if (record?.contentHash === hash && this.published.has(node)) return;
    const generation = record?.contentHash === hash ? record.generation : (record?.generation ?? 0) + 1;
    if (record?.generation !== generation) await this.store.putDispatch({ node, generation, contentHash: hash });
    const config = configObjects.map(desiredConfigObject);
    const message: DesiredState = {
      schema: MESSAGE_SCHEMA,
      node,
      generation,
      pods: desired,
      ...(terminating.length > 0 ? { terminating } : {}),
      ...(config.length > 0 ? { config } : {}),
      ...(servesIngress ? { ingress: true as const } : {}),
    };
    const payload = encode(message);
    await this.bus.publish(desiredTopic(node), payload, { qos: 1, retain: true });
    this.published.add(node);
    // Counts and sizes only: the payload holds Secret values.
    this.logger.info({ component: this.name, node, generation, pods: desired.length, configObjects: config.length, bytes: payload.length }, 'published desired state');
  }

  /** Loads the Pod index, then rebuilds the config index from it (so both hold the same Pods). */
  private async loadIndexes(): Promise<void> {
    await this.index.load();
    this.configUsers.rebuild(this.index.allPods());
  }
}
