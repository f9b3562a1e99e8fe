/**
 * Takes MetricsReports off nodes/+/metrics into the MetricsService. The broker's policy already
 * lets a node publish only on its own topics; a report naming another node is still dropped, so a
 * bug can never put one node's usage on another. Samples a node's outbox sends again (its seq
 * was applied: hub/ingest/delivery-ledger.ts) are skipped by the service.
 */
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { decodeMetricsReport } from '../../shared/mqtt/messages.js';
import { allNodesFilter, parseNodeTopic } from '../../shared/mqtt/topics.js';
import type { MessageBus } from '../broker/message-bus.js';
import type { MetricsService } from './metrics-service.js';

export async function startMetricsIngest(bus: MessageBus, service: MetricsService, log: Logger): Promise<void> {
  await bus.subscribe(allNodesFilter('metrics'), (topic, payload) => {
    const parsed = parseNodeTopic(topic);
    if (!parsed) return;
    try {
      const report = decodeMetricsReport(payload, topic);
      if (report.node !== parsed.node) {
        log.warn({ topic, field: 'node', reportedNode: report.node }, 'metrics report names another node; dropped');
        return;
      }
      service.ingest(parsed.node, report.samples, report, report.outboxDropped);
    } catch (err) {
      log.warn({ topic, err: errorMessage(err) }, 'metrics report dropped');
    }
  });
}
