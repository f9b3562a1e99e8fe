/**
 * skiff_agent_outbox_dropped_total{node, channel} on /metrics: one counter series per node and
 * channel from what the MetricsSource last heard, and no family at all from a source that
 * does not know outboxes.
 */
import t from 'tap';
import { createHubMetrics } from '../../../hub/metrics/prometheus.js';
import { OUTBOX_FAMILIES } from '../../../hub/metrics/prom-outbox.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';

const emptySource = { nodes: () => [], pods: () => [], latestSamples: () => [] };

t.test('the family gives one series per node and channel', async (t) => {
  const [family] = OUTBOX_FAMILIES;
  t.same(family!.series({ dropped: [{ node: 'pi-1', dropped: { events: 2, metrics: 7 } }] }), [
    { labels: { node: 'pi-1', channel: 'events' }, value: 2 },
    { labels: { node: 'pi-1', channel: 'metrics' }, value: 7 },
  ]);
});

t.test('/metrics exports it as a counter when the source knows outboxes', async (t) => {
  const store = new SqliteStore(`${t.testdir()}/hub.db`);
  t.teardown(() => store.close());
  const metrics = createHubMetrics({ store, source: { ...emptySource, outboxDropped: () => [{ node: 'pi-1', dropped: { events: 0, metrics: 12 } }] }, processMetrics: false });
  t.teardown(() => metrics.close());
  const { body } = await metrics.render();
  t.match(body, /# TYPE skiff_agent_outbox_dropped_total counter\n/);
  t.match(body, /skiff_agent_outbox_dropped_total\{node="pi-1",channel="metrics"\} 12\n/);
  t.match(body, /skiff_agent_outbox_dropped_total\{node="pi-1",channel="events"\} 0\n/);

  const without = createHubMetrics({ store, source: emptySource, processMetrics: false });
  t.teardown(() => without.close());
  t.notMatch((await without.render()).body, /skiff_agent_outbox_dropped_total/);
});
