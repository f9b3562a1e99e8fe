/**
 * Publishes the fleet's Services view (services-view.ts) retained, QoS 1, on the one topic every
 * agent reads, whenever what the proxies need changes: a Service, an Endpoints, an Ingress, or the relay
 * address of a node. A node's heartbeat rewrites its status every few seconds; that enqueues
 * nothing unless its relay address changed, so 10,000 nodes do not rebuild the view 1,000 times
 * a second. Generation and content hash persist (as the Dispatcher's per node), so the view's
 * generation keeps increasing across hub restarts and an unchanged view is not republished
 * under a new one. It is published again at start, as desired states are.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../shared/canonical-json.js';
import { resolveResource } from '../../shared/api/resources.js';
import { DEFAULTS } from '../../shared/defaults.js';
import type { Logger } from '../../shared/log.js';
import { MESSAGE_SCHEMA } from '../../shared/mqtt/messages.js';
import type { ServicesView } from '../../shared/mqtt/services-view.js';
import { FLEET_SERVICES_TOPIC } from '../../shared/mqtt/topics.js';
import type { MessageBus } from '../broker/message-bus.js';
import { QueueController } from '../controllers/controller.js';
import type { Change, Store } from '../store/store.js';
import { buildServicesView, relayAddressOf } from './services-view.js';

const services = resolveResource('services')!;
const endpoints = resolveResource('endpoints')!;
const nodes = resolveResource('nodes')!;
const ingresses = resolveResource('ingresses')!;

/** The dispatch record's key: a '/' makes it a name no node can have. */
const RECORD_KEY = 'fleet/services';
const VIEW = 'view';

export class ServicesPublisher extends QueueController {
  /** Whether this process has published the current generation (retained state is per broker run). */
  private published = false;

  constructor(
    store: Store,
    private readonly bus: MessageBus,
    logger: Logger,
    /** relayTokenOf(the join credential): in the view, never in the hash stored in the database. */
    private readonly relayToken: string,
    private readonly serviceCidr: string = DEFAULTS.services.clusterIpCidr,
  ) {
    super('services-publisher', store, logger);
  }

  onChange(change: Change): void {
    if (change.resource === services || change.resource === endpoints || change.resource === ingresses) this.queue.add(VIEW);
    if (change.resource === nodes) {
      // A deletion carries the deleted node as `object` (and no `previous`).
      const before = change.type === 'DELETED' ? relayAddressOf(change.object) : change.previous ? relayAddressOf(change.previous) : undefined;
      const after = change.type === 'DELETED' ? undefined : relayAddressOf(change.object);
      if (before?.host !== after?.host || before?.port !== after?.port) this.queue.add(VIEW);
    }
  }

  async resync(): Promise<void> {
    this.queue.add(VIEW);
  }

  protected async sync(): Promise<void> {
    const [allServices, allEndpoints, allNodes, allIngresses] = await Promise.all([
      this.store.list(services),
      this.store.list(endpoints),
      this.store.list(nodes),
      this.store.list(ingresses),
    ]);
    const content = buildServicesView(allServices, allEndpoints, allNodes, this.serviceCidr, allIngresses);
    // The token is in the hash only as its own digest's prefix, so a re-derived one republishes.
    const hash = createHash('sha256').update(canonicalJson({ ...content, token: createHash('sha256').update(this.relayToken).digest('hex').slice(0, 8) })).digest('hex').slice(0, 32);
    const record = await this.store.getDispatch(RECORD_KEY);
    if (record?.contentHash === hash && this.published) return;
    const generation = record?.contentHash === hash ? record.generation : (record?.generation ?? 0) + 1;
    if (record?.generation !== generation) await this.store.putDispatch({ node: RECORD_KEY, generation, contentHash: hash });
    const view: ServicesView = { schema: MESSAGE_SCHEMA, generation, ...content, relayToken: this.relayToken };
    const payload = Buffer.from(JSON.stringify(view));
    await this.bus.publish(FLEET_SERVICES_TOPIC, payload, { qos: 1, retain: true });
    this.published = true;
    const endpointCount = content.services.reduce((n, s) => n + s.ports.reduce((m, p) => m + p.endpoints.length, 0), 0);
    this.logger.info({ component: this.name, generation, services: content.services.length, endpoints: endpointCount, bytes: payload.length }, 'published services view');
  }
}
