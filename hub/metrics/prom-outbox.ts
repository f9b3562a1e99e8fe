/**
 * skiff_agent_outbox_dropped_total{node, channel}: entries each agent's outbox gave up to stay
 * within its --outbox-max-bytes while the hub was unreachable (agent/outbox/outbox-policy.ts:
 * metrics down-sampled and dropped first, events last). The agent keeps the count across its
 * restarts and sends it with every metrics report; a wiped data dir starts it over, which
 * Prometheus reads as a counter reset.
 */
import type { OutboxDropped } from '../../shared/mqtt/messages.js';
import type { Family } from './prom-families.js';

export interface OutboxSnapshot {
  dropped: ReadonlyArray<{ node: string; dropped: OutboxDropped }>;
}

export const OUTBOX_FAMILIES: ReadonlyArray<Family<OutboxSnapshot>> = [
  {
    name: 'skiff_agent_outbox_dropped_total',
    help: 'Events and metrics samples an agent dropped from its full outbox while the hub was unreachable, by node and channel.',
    type: 'counter',
    labelNames: ['node', 'channel'],
    series: ({ dropped }) => dropped.flatMap(({ node, dropped: counts }) => (['events', 'metrics'] as const).map((channel) => ({ labels: { node, channel }, value: counts[channel] }))),
  },
];
