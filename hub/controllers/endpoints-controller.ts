/**
 * Keeps one v1 Endpoints per Service with a selector, named after it, holding the Pods it selects
 * (hub/controllers/endpoints-plan.ts decides what), as kube-controller-manager's endpoints
 * controller does; the Endpoints goes when its Service goes. A Service without a selector gets no
 * managed Endpoints: its author writes one by hand.
 *
 * Level-triggered: a Service change enqueues it; a Pod change enqueues every known Service of its
 * namespace that selects it now or selected it before the write (its labels may have changed);
 * a managed Endpoints changed or deleted by someone else enqueues its Service; the periodic resync
 * enqueues every Service, and the first one also every Endpoints left without its Service. A
 * sync that finds the Endpoints already right writes nothing.
 */
import { canonicalJson } from '../../shared/canonical-json.js';
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { EndpointSubset } from '../../shared/api/schema/service.js';
import { isSkiffError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { mutate } from '../objects/mutate.js';
import type { Change, Store } from '../store/store.js';
import { QueueController, key, splitKey } from './controller.js';
import { endpointsFor, hasSelector, serviceSelects } from './endpoints-plan.js';

const services = resolveResource('services')!;
const endpointsResource = resolveResource('endpoints')!;
const pods = resolveResource('pods')!;

type EndpointsObject = KubeObject & { subsets?: EndpointSubset[] };

export class EndpointsController extends QueueController {
  /** Every Service by "namespace/name", from change events and resync: which ones a Pod change touches. */
  private readonly known = new Map<string, KubeObject>();
  /** Whether the first resync has looked for Endpoints whose Service is gone (see resync). */
  private leftoversChecked = false;

  constructor(store: Store, logger: Logger) {
    super('endpoints-controller', store, logger);
  }

  onChange(change: Change): void {
    const { object } = change;
    if (change.resource === services) {
      const k = key(object.metadata.namespace, object.metadata.name!);
      if (change.type === 'DELETED') this.known.delete(k);
      else this.known.set(k, object);
      this.queue.add(k);
    } else if (change.resource === pods) {
      for (const [k, service] of this.known) {
        if (serviceSelects(service, object) || (change.previous !== undefined && serviceSelects(service, change.previous))) this.queue.add(k);
      }
    } else if (change.resource === endpointsResource) {
      const k = key(object.metadata.namespace, object.metadata.name!);
      if (this.known.has(k)) this.queue.add(k);
    }
  }

  async resync(): Promise<void> {
    const all = await this.store.list(services);
    this.known.clear();
    for (const service of all) {
      const k = key(service.metadata.namespace, service.metadata.name!);
      this.known.set(k, service);
      this.queue.add(k);
    }
    if (!this.leftoversChecked) {
      // kube-controller-manager's checkLeftoverEndpoints, once at start: a hub stopped between
      // deleting a Service and deleting its Endpoints left one with no Service; its sync deletes it.
      for (const ep of await this.store.list(endpointsResource)) {
        const k = key(ep.metadata.namespace, ep.metadata.name!);
        if (!this.known.has(k)) this.queue.add(k);
      }
      this.leftoversChecked = true;
    }
  }

  protected async sync(k: string): Promise<void> {
    const { namespace, name } = splitKey(k);
    const service = await this.store.get(services, namespace, name);
    if (!service) {
      // The Service is gone: so is the Endpoints named after it.
      if (await this.store.delete(endpointsResource, namespace, name)) this.logger.info({ component: this.name, service: k }, 'deleted the endpoints of a deleted service');
      return;
    }
    if (!hasSelector(service)) return;
    const subsets = endpointsFor(service, await this.store.list(pods, namespace));
    const labels = service.metadata.labels;
    const current = (await this.store.get(endpointsResource, namespace, name)) as EndpointsObject | undefined;
    if (!current) {
      const created: EndpointsObject = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name, namespace, ...(labels ? { labels } : {}) },
        ...(subsets.length > 0 ? { subsets } : {}),
      };
      try {
        await this.store.create(endpointsResource, created);
      } catch (err) {
        // Created meanwhile (by hand, or an earlier sync): the next sync of this key compares it.
        if (!isSkiffError(err, 'SKIFF_ERR_ALREADY_EXISTS')) throw err;
        this.queue.add(k);
      }
      return;
    }
    await mutate<EndpointsObject>(this.store, endpointsResource, namespace, name, (latest) => {
      const sameSubsets = canonicalJson(latest.subsets ?? []) === canonicalJson(subsets);
      const sameLabels = canonicalJson(latest.metadata.labels ?? {}) === canonicalJson(labels ?? {});
      if (sameSubsets && sameLabels) return undefined;
      const next: EndpointsObject = { ...latest, metadata: { ...latest.metadata } };
      if (labels) next.metadata.labels = labels;
      else delete next.metadata.labels;
      if (subsets.length > 0) next.subsets = subsets;
      else delete next.subsets;
      return next;
    });
  }
}
