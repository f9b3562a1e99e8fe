/** The DaemonSet's revision history as Kubernetes' daemon controller keeps it (constructHistory, cleanupHistory), as pure planning. */
import t from 'tap';
import {
  newControllerRevision,
  planDaemonSetHistory,
  revisionData,
  revisionFactsOf,
  templateOfRevision,
  templatesMatch,
  type HistoryInput,
  type RevisionFacts,
} from '../../../hub/controllers/daemonset-history.js';

const template = (image: string) => ({ metadata: { labels: { app: 'probe' } }, spec: { containers: [{ name: 'web', image }] } });
const rev = (name: string, revision: number, image: string, hash = name.slice('probe-'.length)): RevisionFacts => ({ name, revision, hash, template: template(image) });

function input(image: string, revisions: RevisionFacts[], extra: Partial<HistoryInput> = {}): HistoryInput {
  return { dsName: 'probe', template: template(image), hash: `h${image.slice(-1)}`, revisions, liveHashes: new Set(), revisionHistoryLimit: 10, ...extra };
}

t.test('the first sync records revision 1 named <ds>-<hash>', async (t) => {
  t.same(planDaemonSetHistory(input('web:1', [])), { create: { name: 'probe-h1', revision: 1 }, duplicates: [], prune: [] });
});

t.test('a new template gets max+1; an unchanged one needs nothing', async (t) => {
  const history = [rev('probe-h1', 1, 'web:1'), rev('probe-h2', 2, 'web:2')];
  t.same(planDaemonSetHistory(input('web:3', history)), { create: { name: 'probe-h3', revision: 3 }, duplicates: [], prune: [] });
  t.same(planDaemonSetHistory(input('web:2', history)), { duplicates: [], prune: [] });
});

t.test('a template that becomes current again (rollback) is renumbered to max+1, keeping its name', async (t) => {
  const history = [rev('probe-h1', 1, 'web:1'), rev('probe-h2', 2, 'web:2'), rev('probe-h3', 3, 'web:3')];
  t.same(planDaemonSetHistory(input('web:1', history)), { renumber: { name: 'probe-h1', revision: 4 }, duplicates: [], prune: [] });
});

t.test('duplicates of the current template: the newest is kept, the others go (dedupCurHistories)', async (t) => {
  const history = [rev('probe-old', 1, 'web:1'), rev('probe-h2', 2, 'web:2'), rev('probe-h1', 3, 'web:1')];
  t.same(planDaemonSetHistory(input('web:1', history)), { duplicates: ['probe-old'], prune: [] });
});

t.test('revisionHistoryLimit prunes the oldest old revisions, never the current one, never one a live Pod carries', async (t) => {
  const history = [rev('probe-h1', 1, 'web:1'), rev('probe-h2', 2, 'web:2'), rev('probe-h3', 3, 'web:3'), rev('probe-h4', 4, 'web:4'), rev('probe-h5', 5, 'web:5')];
  t.same(planDaemonSetHistory(input('web:5', history, { revisionHistoryLimit: 2 })).prune, ['probe-h1', 'probe-h2'], 'four old revisions, keep two');
  t.same(planDaemonSetHistory(input('web:5', history, { revisionHistoryLimit: 2, liveHashes: new Set(['h1']) })).prune, ['probe-h2', 'probe-h3'], 'a Pod still runs revision 1');
  t.same(planDaemonSetHistory(input('web:5', history, { revisionHistoryLimit: 0, liveHashes: new Set(['h1', 'h2', 'h3', 'h4']) })).prune, [], 'every old revision is in use');
  t.same(planDaemonSetHistory(input('web:5', history, { revisionHistoryLimit: 0 })).prune, ['probe-h1', 'probe-h2', 'probe-h3', 'probe-h4']);
  t.same(planDaemonSetHistory(input('web:5', history, { revisionHistoryLimit: 4 })).prune, []);
  const created = planDaemonSetHistory(input('web:6', history, { revisionHistoryLimit: 4 }));
  t.same(created.create, { name: 'probe-h6', revision: 6 });
  t.same(created.prune, ['probe-h1'], 'the new revision is current: five old ones, keep four');
});

t.test('a revision of another template already holding the name is a collision, not overwritten', async (t) => {
  const plan = planDaemonSetHistory(input('web:1', [{ ...rev('probe-h1', 1, 'web:9') }]));
  t.same(plan, { collision: 'probe-h1', duplicates: [], prune: [] });
});

t.test('data is the replace patch of the template, and reads back as the template', async (t) => {
  const data = revisionData(template('web:1'));
  t.same(data, { spec: { template: { ...template('web:1'), $patch: 'replace' } } });
  const object = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'probe-h1', labels: { 'controller-revision-hash': 'h1' } }, data, revision: 7 };
  t.same(templateOfRevision(object), template('web:1'));
  t.same(revisionFactsOf(object), { name: 'probe-h1', revision: 7, hash: 'h1', template: template('web:1') });
  t.equal(templateOfRevision({ metadata: {}, data: { spec: {} } }), undefined);
  t.ok(templatesMatch({ b: 1, a: [{ y: 2, x: 1 }] }, { a: [{ x: 1, y: 2 }], b: 1 }), 'key order does not matter');
  t.notOk(templatesMatch(template('web:1'), template('web:2')));
});

t.test('a new ControllerRevision carries the template labels, the hash, the DaemonSet annotations and a controller reference', async (t) => {
  const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'probe', namespace: 'edge', uid: 'ds-uid', annotations: { 'kubernetes.io/change-cause': 'set image' } } };
  t.same(newControllerRevision(ds, template('web:1'), 'h1', 'probe-h1', 3), {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: 'probe-h1',
      namespace: 'edge',
      labels: { app: 'probe', 'controller-revision-hash': 'h1' },
      annotations: { 'kubernetes.io/change-cause': 'set image' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'probe', uid: 'ds-uid', controller: true, blockOwnerDeletion: true }],
    },
    data: { spec: { template: { ...template('web:1'), $patch: 'replace' } } },
    revision: 3,
  });
});
