/**
 * The agent's durable outbox end to end (issue #7): with the hub stopped, a Pod's readiness probe
 * fails with a numbered message (tick-1, tick-2, ...: one Unhealthy event each) while metrics are
 * sampled every second; the agent is killed with SIGKILL half way and restarted, still without a
 * hub; then the hub comes back. Every event and sample the outbox had on disk arrives, events in
 * the order they happened and each exactly once, and /metrics reports that nothing was dropped.
 *
 * What was on disk is read from the agent's own SQLite file (read-only, beside the running agent),
 * so the test knows exactly which entries must arrive without guessing at flush timing.
 */
import { join } from 'node:path';
import t from 'tap';
import { nodeSeriesTimes, outboxRows, sampleTimesIn, type OutboxRow } from '../helpers/agent-outbox.js';
import { TestCluster } from '../helpers/cluster.js';
import { docker } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

/** Failures the probe produces: few enough for the hub's event spam filter (25 per object). */
const TICKS = 12;
/** Ticks before the agent is killed. */
const KILL_AFTER_TICK = 5;

/** Fails with tick-N while /tmp/go exists, for N up to TICKS; succeeds otherwise. */
const PROBE = [
  'if [ ! -f /tmp/go ]; then exit 0; fi',
  'n=$(( $(cat /tmp/n 2>/dev/null || echo 0) + 1 ))',
  `if [ $n -gt ${TICKS} ]; then exit 0; fi`,
  'echo $n > /tmp/n',
  'echo tick-$n',
  'exit 1',
].join('; ');

const manifest = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'ticker' },
  spec: {
    containers: [
      {
        name: 'ticker',
        image: 'skiff-test/web:1',
        imagePullPolicy: 'Never',
        command: ['sleep', '100000'],
        readinessProbe: { exec: { command: ['sh', '-c', PROBE] }, periodSeconds: 1, failureThreshold: 1 },
      },
    ],
  },
});

const tickOf = (message: string): number | undefined => {
  const match = /tick-(\d+)$/.exec(message);
  return match ? Number(match[1]) : undefined;
};
const ticksIn = (rows: OutboxRow[]): number[] =>
  rows.filter((r) => r.channel === 'events').flatMap((r) => tickOf((JSON.parse(r.body) as { message: string }).message) ?? []);

interface EventView {
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  involvedObject: { name: string };
}

t.test('events and metrics from an outage with an agent kill -9 arrive in order, once, after the hub returns', async (t) => {
  const cluster = await TestCluster.start(t, { agents: [] });
  const node = await cluster.startAgent('outbox', ['--metrics-interval', '1s']);
  const agentDb = join(cluster.dir, 'agent-outbox', 'agent.db');
  t.equal((await cluster.skiff(['apply', '-f', '-'], { input: manifest })).code, 0);
  const container = await waitFor('the ticker running', async () => (await cluster.containers(node)).find((c) => c.state === 'running' && c.name.includes('_ticker_')));

  await cluster.stopHub();
  t.equal((await docker(['exec', container.id, 'sh', '-c', ': > /tmp/go'])).code, 0);

  // The first ticks and some samples are on disk: kill the agent.
  const beforeKill = await waitFor('the first ticks and samples written to the outbox', async () => {
    const rows = outboxRows(agentDb);
    const ticks = ticksIn(rows);
    return ticks.includes(KILL_AFTER_TICK) && sampleTimesIn(rows).length >= 3 ? rows : undefined;
  }, { timeoutMs: 30_000 });
  await cluster.stopAgent(node, 'SIGKILL');
  const writtenTicks = ticksIn(beforeKill);
  t.same(writtenTicks, Array.from({ length: writtenTicks.length }, (_, i) => i + 1), 'written in order, none missing');

  // Back without the hub: the container kept running, so the probe goes on from where it was.
  await cluster.startAgent('outbox', [], { awaitReady: false });
  const beforeHub = await waitFor('the last tick written to the outbox by the restarted agent', async () => {
    const rows = outboxRows(agentDb);
    return ticksIn(rows).includes(TICKS) ? rows : undefined;
  }, { timeoutMs: 40_000 });
  const kept = beforeKill.filter((r) => beforeHub.some((b) => b.seq === r.seq));
  t.equal(kept.length, beforeKill.length, 'what the killed agent wrote is still there after its restart');

  await cluster.startHub();
  await waitFor('the outbox drained to the hub', async () => outboxRows(agentDb).length === 0, { timeoutMs: 60_000 });

  await t.test('every event the outbox held was recorded once, in the order it happened', async (t) => {
    const expected = [...new Set([...ticksIn(beforeKill), ...ticksIn(beforeHub)])].sort((a, b) => a - b);
    const recorded = await waitFor('the ticks recorded as Events', async () => {
      const events = (await cluster.api<{ items: EventView[] }>('/api/v1/namespaces/default/events')).items.filter(
        (e) => e.involvedObject.name === 'ticker' && e.reason === 'Unhealthy' && tickOf(e.message) !== undefined,
      );
      const ticks = new Set(events.map((e) => tickOf(e.message)));
      return expected.every((n) => ticks.has(n)) ? events : undefined;
    });
    t.ok(recorded.every((e) => e.count === 1), 'no event counted twice');
    const byTime = [...recorded].sort((a, b) => Date.parse(a.firstTimestamp) - Date.parse(b.firstTimestamp) || tickOf(a.message)! - tickOf(b.message)!);
    const ticks = byTime.map((e) => tickOf(e.message)!);
    t.same(ticks, [...ticks].sort((a, b) => a - b), 'in the order they happened');
    t.equal(new Set(ticks).size, ticks.length, 'each tick once');
    t.ok(ticks.includes(1) && ticks.includes(TICKS), `from tick-1 to tick-${TICKS}`);
  });

  await t.test('every sample the outbox held is in the hub’s series, once, in order', async (t) => {
    const expected = [...new Set([...sampleTimesIn(beforeKill), ...sampleTimesIn(beforeHub)])];
    const points = await waitFor('the samples stored as series points', async () => {
      const times = await nodeSeriesTimes((path) => cluster.api(path), node);
      return expected.every((ms) => times.includes(ms)) ? times : undefined;
    });
    t.same(points, [...points].sort((a, b) => a - b), 'in order');
    t.equal(new Set(points).size, points.length, 'no duplicate points');
    t.ok(expected.length >= 3, `${expected.length} samples from the outage arrived`);
  });

  await t.test('the hub exposes the outbox drop counter: nothing was dropped', async (t) => {
    const body = await waitFor('the node’s outbox counters on /metrics', async () => {
      const res = await cluster.fetch('/metrics');
      const text = await res.text();
      return text.includes(`skiff_agent_outbox_dropped_total{node="${node}",channel="metrics"}`) ? text : undefined;
    });
    t.match(body, new RegExp(`skiff_agent_outbox_dropped_total\\{node="${node}",channel="metrics"\\} 0\\n`));
    t.match(body, new RegExp(`skiff_agent_outbox_dropped_total\\{node="${node}",channel="events"\\} 0\\n`));
  });
});
