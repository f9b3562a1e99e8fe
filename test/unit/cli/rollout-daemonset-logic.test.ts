/** The pure DaemonSet history and rollback decisions of kubectl's polymorphichelpers (history.go, rollback.go). */
import t from 'tap';
import {
  daemonSetHistoryOf,
  daemonSetMatchesRevision,
  daemonSetRollbackTarget,
  ownedRevisions,
  templateOfRevision,
  type ControllerRevisionLike,
} from '../../../hub/cli/rollout-logic.js';

const template = (image: string) => ({ metadata: { labels: { app: 'probe' } }, spec: { containers: [{ name: 'web', image }] } });
function revision(name: string, n: number, image: string, uid = 'ds-uid', annotations?: Record<string, string>): ControllerRevisionLike {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'probe', uid, controller: true }], ...(annotations ? { annotations } : {}) },
    data: { spec: { template: { ...template(image), $patch: 'replace' } } },
    revision: n,
  };
}

t.test('ownedRevisions keeps the ones the DaemonSet controls, by ascending revision', async (t) => {
  const notController = { ...revision('x', 1, 'web:1'), metadata: { name: 'x', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'probe', uid: 'ds-uid' }] } };
  const owned = ownedRevisions([revision('c', 5, 'web:3'), revision('other', 2, 'web:9', 'other-uid'), revision('a', 3, 'web:1'), notController], 'ds-uid');
  t.same(owned.map((r) => r.metadata.name), ['a', 'c']);
  t.same(ownedRevisions([revision('a', 1, 'web:1')], undefined), []);
});

t.test('history: one entry per revision (the last wins a tie), change-cause from the revision, template without $patch', async (t) => {
  const history = daemonSetHistoryOf([revision('a', 1, 'web:1'), revision('b', 2, 'web:2', 'ds-uid', { 'kubernetes.io/change-cause': 'why' }), revision('c', 1, 'web:3')]);
  t.same(history, [
    { revision: 1, changeCause: undefined, template: template('web:3') },
    { revision: 2, changeCause: 'why', template: template('web:2') },
  ]);
  t.throws(() => templateOfRevision({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'bad' }, data: {} }), { message: 'unable to parse history bad' });
});

t.test('rollback target: --to-revision=N, or the second highest; errors as kubectl', async (t) => {
  const revisions = [revision('c', 7, 'web:3'), revision('a', 2, 'web:1'), revision('b', 5, 'web:2')];
  t.equal(daemonSetRollbackTarget(revisions, 0).metadata.name, 'b');
  t.equal(daemonSetRollbackTarget(revisions, 2).metadata.name, 'a');
  t.throws(() => daemonSetRollbackTarget(revisions, 3), { message: 'unable to find specified revision 3 in history' });
  t.throws(() => daemonSetRollbackTarget([revision('a', 1, 'web:1')], 0), { message: 'no last revision to roll back to' });
  t.throws(() => daemonSetRollbackTarget([], 0), { message: 'no last revision to roll back to' });
});

t.test('a DaemonSet matches a revision when its template is the one restored, key order aside', async (t) => {
  const reordered = { spec: { containers: [{ image: 'web:1', name: 'web' }] }, metadata: { labels: { app: 'probe' } } };
  t.ok(daemonSetMatchesRevision(reordered, revision('a', 1, 'web:1')));
  t.notOk(daemonSetMatchesRevision(template('web:2'), revision('a', 1, 'web:1')));
  t.notOk(daemonSetMatchesRevision(undefined, revision('a', 1, 'web:1')));
});
