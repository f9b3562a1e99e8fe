import t from 'tap';
import type { ReportedPod, StatusReport } from '../../../shared/mqtt/messages.js';
import { Reporter, heartbeatDue } from '../../../agent/report/reporter.js';
import type { PassResult } from '../../../agent/reconcile/loop.js';
import { FakeClock, observed, pod, silentLog } from './fixtures/builders.js';

function harness(evicted: ReportedPod[] = []) {
  const clock = new FakeClock();
  const sent: StatusReport[] = [];
  const leases: number[] = [];
  let connected = true;
  let seq = 0;
  const reporter = new Reporter({
    node: 'n',
    labels: { 'kubernetes.io/hostname': 'n' },
    nodeStatus: (nowIso) => ({ conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: nowIso }] }),
    hostIP: () => '10.0.0.1',
    history: () => new Map(),
    nextSeq: () => ++seq,
    evictedPods: () => evicted,
    publish: async (r) => {
      sent.push(r);
    },
    publishLease: () => leases.push(clock.ms),
    isConnected: () => connected,
    now: clock.now,
    heartbeatIntervalMs: 5_000,
    statusReportIntervalMs: 300_000,
    log: silentLog,
  });
  const web = pod('web');
  const pass = (running: boolean): PassResult => ({
    desired: { schema: 1, node: 'n', generation: 1, pods: [web] },
    observed: running ? [observed(web, { id: 'c1' })] : [],
    sandboxes: [],
    steps: [],
    nowMs: clock.ms,
    probeResults: new Map(),
  });
  return { clock, sent, leases, reporter, pass, setConnected: (c: boolean) => (connected = c) };
}

const settle = () => new Promise((r) => setImmediate(r));

t.test('a report is published when it changed, not when only time moved', async (t) => {
  const h = harness();
  h.reporter.onSettled(h.pass(false));
  await settle();
  h.clock.advance(1000);
  h.reporter.onSettled(h.pass(false));
  await settle();
  t.equal(h.sent.length, 1, 'unchanged: not sent again');
  h.reporter.onSettled(h.pass(true));
  await settle();
  t.equal(h.sent.length, 2, 'changed: sent');
  t.same(h.sent.map((r) => r.seq), [1, 2]);
  t.equal(h.sent[1]!.pods[0]!.status.phase, 'Running');
});

t.test('while disconnected nothing is queued; the latest report goes out on connect', async (t) => {
  const h = harness();
  h.setConnected(false);
  h.reporter.onSettled(h.pass(false));
  h.reporter.onSettled(h.pass(true));
  await settle();
  t.equal(h.sent.length, 0);
  h.setConnected(true);
  h.reporter.onConnected();
  await settle();
  t.equal(h.sent.length, 1);
  t.equal(h.sent[0]!.pods[0]!.status.phase, 'Running', 'the latest state');
});

t.test('heartbeatDue: a lease after a heartbeat interval of silence, a full report after the status interval', async (t) => {
  const intervals = { heartbeatMs: 5_000, statusReportMs: 300_000 };
  t.equal(heartbeatDue(10_000, { reportMs: 10_000, anyMs: 10_000 }, intervals), undefined, 'just sent');
  t.equal(heartbeatDue(14_999, { reportMs: 10_000, anyMs: 10_000 }, intervals), undefined);
  t.equal(heartbeatDue(15_000, { reportMs: 10_000, anyMs: 10_000 }, intervals), 'lease');
  t.equal(heartbeatDue(15_000, { reportMs: 10_000, anyMs: 12_000 }, intervals), undefined, 'a lease went out meanwhile');
  t.equal(heartbeatDue(310_000, { reportMs: 10_000, anyMs: 308_000 }, intervals), 'report', 'the status interval wins over a recent lease');
  t.equal(heartbeatDue(0, { reportMs: 0, anyMs: 0 }, { heartbeatMs: 5_000, statusReportMs: 0 }), 'report');
});

/** Waits (real time: the reporter's timer ticks every second) until `done` or 3 s. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

t.test('when nothing changed the heartbeat is a lease, not the report', async (t) => {
  const h = harness();
  h.reporter.onSettled(h.pass(true));
  await settle();
  h.clock.advance(5_000);
  h.reporter.start();
  await until(() => h.leases.length > 0);
  h.reporter.stop();
  t.equal(h.sent.length, 1, 'no second report');
  t.same(h.leases, [h.clock.ms], 'one lease, once the heartbeat interval passed');
});

t.test('no lease while disconnected', async (t) => {
  const h = harness();
  h.reporter.onSettled(h.pass(true));
  await settle();
  h.setConnected(false);
  h.clock.advance(5_000);
  h.reporter.start();
  await new Promise((r) => setTimeout(r, 1_200));
  h.reporter.stop();
  t.same(h.leases, []);
});

t.test('the full report repeats with fresh times once the status interval passed', async (t) => {
  const h = harness();
  h.reporter.onSettled(h.pass(true));
  await settle();
  h.clock.advance(300_000);
  h.reporter.start();
  await until(() => h.sent.length >= 2);
  h.reporter.stop();
  t.equal(h.sent.length, 2);
  t.same(h.leases, [], 'the report is the heartbeat');
  t.not(h.sent[1]!.sentAt, h.sent[0]!.sentAt);
  t.equal(h.sent[1]!.nodeStatus.conditions![0]!.lastHeartbeatTime, h.sent[1]!.sentAt);
});

t.test('evicted Pods are part of the report (and of reporter.last), in place of what was reconciled', async (t) => {
  const failed: ReportedPod = { namespace: 'default', name: 'web', uid: pod('web').metadata.uid, status: { phase: 'Failed', reason: 'Evicted' } };
  const other: ReportedPod = { namespace: 'default', name: 'gone', uid: 'gone-uid', status: { phase: 'Failed', reason: 'Evicted' } };
  const h = harness([failed, other]);
  h.reporter.onSettled(h.pass(true));
  await settle();
  t.equal(h.sent.length, 1);
  t.same(h.sent[0]!.pods, [failed, other], 'the evicted status replaces the running one for the same uid');
  t.same(h.reporter.last?.pods, [failed, other]);
});
