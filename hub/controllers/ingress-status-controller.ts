/**
 * Fills every Ingress's status.loadBalancer.ingress with the InternalIPs of the nodes that serve
 * it (labelled DEFAULTS.ingress.nodeLabel and Ready), as k3s's bundled ingress controller reports
 * its nodes' addresses: `skiff get ingress` and kubectl then show where to send the traffic.
 * Level-triggered: an Ingress change enqueues it; a node change that alters the address list
 * enqueues every Ingress; a sync that finds the status right writes nothing.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { NodeStatus } from '../../shared/api/status-types.js';
import type { Logger } from '../../shared/log.js';
import { isIngressNode } from '../dispatch/ingress-nodes.js';
import { mutate } from '../objects/mutate.js';
import type { Change, Store } from '../store/store.js';
import { QueueController, key, splitKey } from './controller.js';

const ingresses = resolveResource('ingresses')!;
const nodes = resolveResource('nodes')!;

/** The sorted InternalIPs of the Ready ingress nodes. */
export function ingressAddresses(all: readonly KubeObject[]): string[] {
  const ips = new Set<string>();
  for (const node of all) {
    const status = node.status as NodeStatus | undefined;
    const ready = status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const ip = status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (isIngressNode(node) && ready && ip) ips.add(ip);
  }
  return [...ips].sort();
}

type IngressStatus = { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };

export class IngressStatusController extends QueueController {
  private addresses: string[] = [];
  private readonly known = new Set<string>();
  private readonly nodeAddresses = new Map<string, string[]>();

  constructor(store: Store, logger: Logger) {
    super('ingress-status-controller', store, logger);
  }

  onChange(change: Change): void {
    if (change.resource === ingresses) {
      const k = key(change.object.metadata.namespace, change.object.metadata.name!);
      if (change.type === 'DELETED') this.known.delete(k);
      else {
        this.known.add(k);
        this.queue.add(k);
      }
    }
    if (change.resource === nodes) {
      const name = change.object.metadata.name!;
      if (change.type === 'DELETED') this.nodeAddresses.delete(name);
      else this.nodeAddresses.set(name, ingressAddresses([change.object]));
      const next = [...new Set([...this.nodeAddresses.values()].flat())].sort();
      if (next.join() !== this.addresses.join()) {
        this.addresses = next;
        for (const k of this.known) this.queue.add(k);
      }
    }
  }

  async resync(): Promise<void> {
    const all = await this.store.list(nodes);
    this.nodeAddresses.clear();
    for (const node of all) this.nodeAddresses.set(node.metadata.name!, ingressAddresses([node]));
    this.addresses = ingressAddresses(all);
    this.known.clear();
    for (const ingress of await this.store.list(ingresses)) {
      const k = key(ingress.metadata.namespace, ingress.metadata.name!);
      this.known.add(k);
      this.queue.add(k);
    }
  }

  protected async sync(k: string): Promise<void> {
    const { namespace, name } = splitKey(k);
    const want = this.addresses.map((ip) => ({ ip }));
    await mutate(this.store, ingresses, namespace, name, (ingress) => {
      const status = (ingress.status ?? {}) as IngressStatus;
      const have = status.loadBalancer?.ingress ?? [];
      if (JSON.stringify(have) === JSON.stringify(want)) return undefined;
      return { ...ingress, status: { ...status, loadBalancer: want.length > 0 ? { ingress: want } : {} } };
    });
  }
}
