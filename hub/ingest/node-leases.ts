/**
 * When the hub last heard from each node, on its own clock: the node's lease (an empty message on
 * nodes/{node}/lease, its heartbeat when nothing changed) and every status report renew it. Kept
 * in memory only, as kube-controller-manager keeps the time it last saw each Lease change: the
 * agent's clock may be skewed, and a store write per heartbeat would be the hub's largest cost
 * at 10,000 nodes. After a hub restart every node starts from the moment the hub first looks at
 * it (node-lifecycle.ts), so a restart never makes the whole fleet NotReady.
 */
import { randomUUID } from 'node:crypto';
import { MESSAGE_SCHEMA, encode } from '../../shared/mqtt/messages.js';
import type { ReportRequest } from '../../shared/mqtt/node-requests.js';
import { allNodesFilter, parseNodeTopic, requestsTopic } from '../../shared/mqtt/topics.js';
import type { MessageBus } from '../broker/message-bus.js';

/** Asks a node for its full status report now (QoS 0: an absent node sends one on reconnect anyway). */
export function askForStatusReport(bus: MessageBus, node: string): Promise<void> {
  const request: ReportRequest = { schema: MESSAGE_SCHEMA, node, kind: 'report', id: randomUUID() };
  return bus.publish(requestsTopic(node), encode(request), { qos: 0, retain: false });
}

export class NodeLeases {
  private readonly renewedMs = new Map<string, number>();
  private readonly listeners: Array<(node: string) => void> = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Subscribes to every node's lease topic (the broker lets a node publish only its own). */
  async start(bus: MessageBus): Promise<void> {
    await bus.subscribe(allNodesFilter('lease'), (topic) => {
      const parsed = parseNodeTopic(topic);
      if (parsed?.channel !== 'lease') return;
      this.renew(parsed.node);
      for (const listener of this.listeners) listener(parsed.node);
    });
  }

  /** The node was heard from now (a lease, or a status report). */
  renew(node: string): void {
    this.renewedMs.set(node, this.now());
  }

  /** When the node was last heard from, or undefined if never since this hub started. */
  renewedAt(node: string): number | undefined {
    return this.renewedMs.get(node);
  }

  forget(node: string): void {
    this.renewedMs.delete(node);
  }

  /** Called with the node's name after each lease message (not after status reports). */
  onLease(listener: (node: string) => void): void {
    this.listeners.push(listener);
  }
}
