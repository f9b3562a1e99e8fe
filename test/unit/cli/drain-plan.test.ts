import t from 'tap';
import { aggregateMessage, formatGoDuration, parseGracePeriod, planDrain, type DrainPod } from '../../../hub/cli/drain-plan.js';

function pod(name: string, extra: { owner?: string; emptyDir?: boolean; mirror?: boolean; phase?: string } = {}): DrainPod {
  return {
    metadata: {
      name,
      namespace: 'default',
      ...(extra.owner ? { ownerReferences: [{ kind: extra.owner, name: 'owner', controller: true }] } : {}),
      ...(extra.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}),
    },
    spec: { nodeName: 'n', ...(extra.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}) },
    status: { phase: extra.phase ?? 'Running' },
  };
}

const none = { ignoreDaemonSets: false, deleteEmptyDirData: false, force: false };
const names = (pods: DrainPod[]) => pods.map((p) => p.metadata.name);

t.test('ReplicaSet Pods are evicted, mirror Pods skipped', async (t) => {
  const plan = planDrain([pod('web-1', { owner: 'ReplicaSet' }), pod('static', { mirror: true, owner: 'Node' })], none);
  t.same(names(plan.evict), ['web-1']);
  t.same(plan.errors, []);
  t.equal(plan.warnings, '');
});

t.test('DaemonSet Pods refuse the drain unless ignored, and then stay', async (t) => {
  const pods = [pod('web-1', { owner: 'ReplicaSet' }), pod('ds-a', { owner: 'DaemonSet' }), pod('ds-b', { owner: 'DaemonSet' })];
  t.same(planDrain(pods, none).errors, ['cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-a, default/ds-b']);
  const ignored = planDrain(pods, { ...none, ignoreDaemonSets: true });
  t.same(names(ignored.evict), ['web-1']);
  t.equal(ignored.warnings, 'ignoring DaemonSet-managed Pods: default/ds-a, default/ds-b');
});

t.test('Pods without a controller need --force; finished ones do not', async (t) => {
  const pods = [pod('bare'), pod('done', { phase: 'Succeeded' })];
  t.same(planDrain(pods, none).errors, ['cannot delete Pods declare no controller (use --force to override): default/bare']);
  const forced = planDrain(pods, { ...none, force: true });
  t.same(names(forced.evict), ['bare', 'done']);
  t.equal(forced.warnings, 'deleting Pods that declare no controller: default/bare');
});

t.test('emptyDir Pods need --delete-emptydir-data; several refusals are all reported', async (t) => {
  const pods = [pod('cache', { owner: 'ReplicaSet', emptyDir: true }), pod('bare')];
  t.same(planDrain(pods, none).errors, [
    'cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache',
    'cannot delete Pods declare no controller (use --force to override): default/bare',
  ]);
  t.same(names(planDrain(pods, { ...none, deleteEmptyDirData: true, force: true }).evict), ['cache', 'bare']);
  t.equal(aggregateMessage(['a']), 'a');
  t.equal(aggregateMessage(['a', 'b']), '[a, b]');
});

t.test('flags and durations', async (t) => {
  t.equal(parseGracePeriod('-1'), -1);
  t.equal(parseGracePeriod('30'), 30);
  t.throws(() => parseGracePeriod('soon'), { message: 'invalid argument "soon" for "--grace-period" flag: strconv.ParseInt: parsing "soon": invalid syntax' });
  t.equal(formatGoDuration(500), '500ms');
  t.equal(formatGoDuration(5000), '5s');
  t.equal(formatGoDuration(90_000), '1m30s');
  t.equal(formatGoDuration(120_000), '2m0s');
  t.equal(formatGoDuration(3_600_000), '1h0m0s');
  t.equal(formatGoDuration(1500), '1.5s');
});
