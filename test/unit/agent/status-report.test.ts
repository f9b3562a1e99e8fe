import t from 'tap';
import { buildStatusReport, podFromContainers, reportedPods, reportFingerprint, withEvictedPods } from '../../../agent/report/status-report.js';
import { observed, pod, T0 } from './fixtures/builders.js';

const nodeStatus = (heartbeat: string) => ({ conditions: [{ type: 'Ready' as const, status: 'True' as const, lastHeartbeatTime: heartbeat }] });

t.test('the fingerprint ignores seq, sentAt and heartbeat times but nothing else', async (t) => {
  const base = { node: 'n', seq: 1, nowIso: 'a', observedGeneration: 1, labels: { x: 'y' }, nodeStatus: nodeStatus('a'), pods: [] };
  const a = buildStatusReport(base);
  t.equal(reportFingerprint(buildStatusReport({ ...base, seq: 2, nowIso: 'b', nodeStatus: nodeStatus('b') })), reportFingerprint(a));
  t.not(reportFingerprint(buildStatusReport({ ...base, observedGeneration: 2 })), reportFingerprint(a));
  t.not(reportFingerprint(buildStatusReport({ ...base, labels: { x: 'z' } })), reportFingerprint(a));
  t.match(a, { schema: 1, node: 'n', seq: 1, sentAt: 'a' });
});

t.test('pods being deleted (no longer desired, containers left) are still reported, rebuilt from labels', async (t) => {
  const gone = pod('gone', {}, [{}, {}]);
  const kept = pod('kept');
  const containers = [observed(gone, { container: 'main' }), observed(gone, { container: 'side1', state: 'exited', exitCode: 0 }), observed(kept)];
  t.match(podFromContainers(containers.slice(0, 2)), { metadata: { name: 'gone', namespace: 'default', uid: gone.metadata.uid }, spec: { containers: [{ name: 'main' }, { name: 'side1' }] } });
  const pods = reportedPods({
    pass: { desired: { schema: 1, node: 'n', generation: 5, pods: [kept] }, observed: containers, sandboxes: [], steps: [], nowMs: T0, probeResults: new Map() },
    history: new Map(),
    hostIP: '10.0.0.1',
    nowIso: new Date(T0).toISOString(),
    previous: new Map(),
  });
  t.same(pods.map((p) => `${p.name} ${p.status.phase} gen=${p.status.observedGeneration}`), ['kept Running gen=5', 'gone Running gen=5']);
});

t.test('withEvictedPods is identity without evictions and replaces entries by uid', async (t) => {
  const running = { namespace: 'default', name: 'a', uid: 'a', status: { phase: 'Running' as const } };
  const pods = [running];
  t.equal(withEvictedPods(pods, []), pods);
  const failed = { namespace: 'default', name: 'a', uid: 'a', status: { phase: 'Failed' as const } };
  t.same(withEvictedPods(pods, [failed]), [failed]);
});
