import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import {
  alignTabs,
  daemonSetRolloutStatus,
  deploymentRolloutStatus,
  describePodTemplate,
  historyOf,
  historyRevision,
  historyTable,
  ownedReplicaSets,
  parseImageArgs,
  parseReplicas,
  parseRevisionFlag,
  rfc3339,
  rollbackTarget,
  setImages,
  templateWithoutHash,
  templatesEqualIgnoreHash,
  type DaemonSetLike,
  type DeploymentLike,
  type PodTemplate,
  type ReplicaSetLike,
} from '../../../hub/cli/rollout-logic.js';

function deployment(generation: number, replicas: number, status: DeploymentLike['status']): DeploymentLike {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', generation }, spec: { replicas }, status };
}

const template = (image: string, hash?: string): PodTemplate => ({
  metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] },
});

function rs(name: string, revision: number, image: string, owner = 'uid-1', changeCause?: string): ReplicaSetLike {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...(changeCause ? { 'kubernetes.io/change-cause': changeCause } : {}) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner, controller: true }],
    },
    spec: { replicas: 1, template: template(image, name.split('-')[1]) },
  };
}

t.test('deploymentRolloutStatus follows kubectl, case by case', async (t) => {
  const cases: Array<[string, DeploymentLike, string, boolean]> = [
    ['spec not yet observed', deployment(2, 3, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }), 'Waiting for deployment spec update to be observed...', false],
    ['no status at all', deployment(1, 3, undefined), 'Waiting for deployment spec update to be observed...', false],
    ['1 of 3 updated', deployment(2, 3, { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3 }), 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...', false],
    ['old pending termination', deployment(2, 3, { observedGeneration: 2, replicas: 5, updatedReplicas: 3, availableReplicas: 3 }), 'Waiting for deployment "web" rollout to finish: 2 old replicas are pending termination...', false],
    ['updated not yet available', deployment(2, 3, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }), 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...', false],
    ['done', deployment(2, 3, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }), 'deployment "web" successfully rolled out', true],
    ['observed ahead counts as observed', deployment(2, 0, { observedGeneration: 3 }), 'deployment "web" successfully rolled out', true],
    ['replicas default to 1', { ...deployment(1, 0, { observedGeneration: 1 }), spec: {} }, 'Waiting for deployment "web" rollout to finish: 0 out of 1 new replicas have been updated...', false],
  ];
  for (const [name, d, message, done] of cases) t.same(deploymentRolloutStatus(d), { message, done }, name);
});

t.test('a ProgressDeadlineExceeded condition is an error, once the spec is observed', async (t) => {
  const conditions = [{ type: 'Progressing' as const, status: 'False' as const, reason: 'ProgressDeadlineExceeded' }];
  t.throws(() => deploymentRolloutStatus(deployment(2, 3, { observedGeneration: 2, conditions })), { message: 'deployment "web" exceeded its progress deadline' });
  t.equal(deploymentRolloutStatus(deployment(3, 3, { observedGeneration: 2, conditions })).message, 'Waiting for deployment spec update to be observed...');
  const fine = [{ type: 'Progressing' as const, status: 'True' as const, reason: 'NewReplicaSetAvailable' }];
  t.equal(deploymentRolloutStatus(deployment(2, 1, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1, conditions: fine })).done, true);
});

t.test('ownedReplicaSets keeps the Deployment\'s own, by revision', async (t) => {
  const items: KubeObject[] = [rs('web-b', 2, 'web:2'), rs('other-c', 1, 'x', 'uid-2'), rs('web-a', 1, 'web:1'), { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'orphan' } }];
  t.same(ownedReplicaSets(items, 'uid-1').map((r) => r.metadata.name), ['web-a', 'web-b']);
  t.same(ownedReplicaSets(items, undefined), []);
});

t.test('history table and revision detail', async (t) => {
  const history = historyOf([rs('web-c', 10, 'web:3', 'uid-1', 'skiff set image web=web:3'), rs('web-a', 1, 'web:1'), rs('web-b', 2, 'web:2')]);
  t.same(history.map((h) => h.revision), [1, 2, 10]);
  t.equal(historyTable(history), 'REVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n10        skiff set image web=web:3\n');
  t.equal(historyTable([]), 'No rollout history found.\n');
  t.equal(
    historyRevision(history, 2),
    ['Pod Template:', '  Labels:  app=web', '           pod-template-hash=b', '  Containers:', '   web:', '    Image:        web:2', '    Port:         80/TCP', '    Environment:  <none>', ''].join('\n'),
  );
  t.match(historyRevision(history, 10), /  Annotations:  kubernetes.io\/change-cause: skiff set image web=web:3\n/);
  t.throws(() => historyRevision(history, 3), { message: 'unable to find the specified revision' });
});

t.test('describePodTemplate: no labels, several ports, env', async (t) => {
  const text = describePodTemplate({ spec: { containers: [{ name: 'a', image: 'i', ports: [{ containerPort: 1 }, { containerPort: 2, protocol: 'UDP' }], env: [{ name: 'K', value: 'v' }] }] } });
  t.equal(text, ['Pod Template:', '  Labels:  <none>', '  Containers:', '   a:', '    Image:  i', '    Ports:  1/TCP, 2/UDP', '    Environment:', '      K:  v', ''].join('\n'));
  t.equal(alignTabs('a\tb\nccc\td\n\te\nno tab'), 'a    b\nccc  d\n     e\nno tab');
});

t.test('rollbackTarget picks --to-revision or the previous revision', async (t) => {
  const set = [rs('web-a', 1, 'web:1'), rs('web-c', 3, 'web:3'), rs('web-b', 2, 'web:2')];
  const cases: Array<[string, ReplicaSetLike[], number, string]> = [
    ['previous of 3 is 2', set, 0, 'web-b'],
    ['explicit 1', set, 1, 'web-a'],
    ['explicit current', set, 3, 'web-c'],
    ['gaps: previous of 7 is 4', [rs('web-x', 4, 'a'), rs('web-y', 7, 'b')], 0, 'web-x'],
  ];
  for (const [name, rss, to, want] of cases) t.equal(rollbackTarget(rss, to, 'web').metadata.name, want, name);
  t.throws(() => rollbackTarget(set, 9, 'web'), { message: 'unable to find specified revision 9 in history' });
  t.throws(() => rollbackTarget([rs('web-a', 1, 'web:1')], 0, 'web'), { message: 'no rollout history found for deployment "web"' });
  t.throws(() => rollbackTarget([], 0, 'web'), { message: 'no rollout history found for deployment "web"' });
});

t.test('templates compare without the pod-template-hash label and key order', async (t) => {
  t.ok(templatesEqualIgnoreHash(template('web:1', 'abc'), template('web:1')));
  t.notOk(templatesEqualIgnoreHash(template('web:1', 'abc'), template('web:2')));
  const reordered: PodTemplate = { spec: { containers: [{ image: 'web:1', name: 'web', ports: [{ containerPort: 80 }] }] }, metadata: { labels: { app: 'web' } } };
  t.ok(templatesEqualIgnoreHash(reordered, template('web:1', 'x')));
  const original = template('web:1', 'abc');
  t.same(templateWithoutHash(original).metadata, { labels: { app: 'web' } });
  t.equal(original.metadata!.labels!['pod-template-hash'], 'abc', 'the source is not modified');
  t.same(templateWithoutHash({ metadata: { labels: { 'pod-template-hash': 'h' } } }), { metadata: {} });
});

t.test('setImages', async (t) => {
  const two: PodTemplate = { spec: { initContainers: [{ name: 'init', image: 'i:1' }], containers: [{ name: 'web', image: 'web:1' }, { name: 'side', image: 's:1' }] } };
  t.same(setImages(two, [{ container: 'web', image: 'web:2' }]).spec!.containers!.map((c) => c.image), ['web:2', 's:1']);
  t.same(setImages(two, [{ container: 'init', image: 'i:2' }]).spec!.initContainers![0]!.image, 'i:2');
  const all = setImages(two, [{ container: '*', image: 'x' }]);
  t.same([...all.spec!.initContainers!, ...all.spec!.containers!].map((c) => c.image), ['x', 'x', 'x']);
  t.throws(() => setImages(two, [{ container: 'web', image: 'a' }, { container: 'nope', image: 'b' }]), { message: 'unable to find container named "nope"' });
  t.equal(two.spec!.containers![0]!.image, 'web:1', 'the input is not modified');
  t.same(parseImageArgs(['web=a:1', 'b=reg:5000/x:2']), [{ container: 'web', image: 'a:1' }, { container: 'b', image: 'reg:5000/x:2' }]);
  for (const bad of [[], ['web'], ['=x'], ['web=']]) t.throws(() => parseImageArgs(bad), JSON.stringify(bad));
});

t.test('flag parsing', async (t) => {
  t.equal(parseReplicas('0'), 0);
  t.equal(parseReplicas('12'), 12);
  const required = { message: 'The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0' };
  t.throws(() => parseReplicas(undefined), required);
  t.throws(() => parseReplicas('-1'), required);
  for (const bad of ['1.5', 'abc', '', '3x']) t.throws(() => parseReplicas(bad), { message: `invalid argument "${bad}" for "--replicas" flag: strconv.ParseInt: parsing "${bad}": invalid syntax` }, bad);
  t.equal(parseRevisionFlag(undefined, '--revision'), 0);
  t.equal(parseRevisionFlag('3', '--revision'), 3);
  t.throws(() => parseRevisionFlag('x', '--to-revision'), { message: /for "--to-revision" flag/ });
  t.equal(rfc3339(new Date('2026-01-02T03:04:05.678Z')), '2026-01-02T03:04:05Z');
});

t.test('daemonSetRolloutStatus follows kubectl, case by case', async (t) => {
  const ds = (generation: number, status: DaemonSetLike['status'], type?: string): DaemonSetLike => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'probe', generation },
    spec: { updateStrategy: type ? { type } : { type: 'RollingUpdate' } },
    status,
  });
  const counts = (updated: number, available: number) => ({ observedGeneration: 2, desiredNumberScheduled: 3, currentNumberScheduled: 3, numberMisscheduled: 0, numberReady: available, numberAvailable: available, updatedNumberScheduled: updated });
  const cases: Array<[string, DaemonSetLike, string, boolean]> = [
    ['spec not yet observed', ds(2, { ...counts(3, 3), observedGeneration: 1 }), 'Waiting for daemon set spec update to be observed...', false],
    ['no status at all', ds(1, undefined), 'Waiting for daemon set spec update to be observed...', false],
    ['1 of 3 updated', ds(2, counts(1, 3)), 'Waiting for daemon set "probe" rollout to finish: 1 out of 3 new pods have been updated...', false],
    ['all updated, 2 available', ds(2, counts(3, 2)), 'Waiting for daemon set "probe" rollout to finish: 2 of 3 updated pods are available...', false],
    ['done', ds(2, counts(3, 3)), 'daemon set "probe" successfully rolled out', true],
    ['no nodes to run on is done', ds(1, { observedGeneration: 1, desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 }), 'daemon set "probe" successfully rolled out', true],
  ];
  for (const [why, object, message, done] of cases) t.same(daemonSetRolloutStatus(object), { message, done }, why);
  t.throws(() => daemonSetRolloutStatus(ds(1, counts(0, 3), 'OnDelete')), { message: 'rollout status is only available for RollingUpdate strategy type' });
});
