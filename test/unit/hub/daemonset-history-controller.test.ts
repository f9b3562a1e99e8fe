/**
 * The DaemonSet controller keeps ControllerRevisions in a real (SQLite) store: one per template,
 * renumbered on rollback, pruned to revisionHistoryLimit, and collected with their DaemonSet.
 */
import t, { type Test } from 'tap';
import { controllerHarness } from './controller-harness.js';
import { applyDefaults } from '../../../hub/api/defaults.js';
import { DaemonSetController } from '../../../hub/controllers/daemonset-controller.js';
import { GarbageCollector } from '../../../hub/controllers/garbage-collector.js';
import { deleteObject } from '../../../hub/objects/deletion.js';
import { mutate } from '../../../hub/objects/mutate.js';
import { podTemplateHash } from '../../../hub/objects/names.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { createLogger } from '../../../shared/log.js';

const daemonSets = resolveResource('daemonsets')!;
const namespaces = resolveResource('namespaces')!;
const controllerRevisions = resolveResource('controllerrevisions')!;
const logger = createLogger('hub', 'silent');

function hub(t: Test) {
  const { store, settle } = controllerHarness(t, (store, recorder) => ({ controllers: [new DaemonSetController(store, logger, recorder), new GarbageCollector(store, logger)] }));
  /** name -> revision, by revision. */
  const history = async () =>
    Object.fromEntries(
      ((await store.list(controllerRevisions, 'default')) as Array<KubeObject & { revision: number }>).sort((a, b) => a.revision - b.revision).map((r) => [r.metadata.name!, r.revision]),
    );
  return { store, settle, history };
}

const template = (image: string) => ({ metadata: { labels: { app: 'probe' } }, spec: { containers: [{ name: 'web', image }] } });

async function setImage(store: SqliteStore, image: string): Promise<string> {
  const updated = await mutate(store, daemonSets, 'default', 'probe', (ds) => applyDefaults({ ...ds, spec: { ...(ds.spec as object), template: template(image) } }));
  return `probe-${podTemplateHash((updated!.spec as { template: unknown }).template)}`;
}

t.test('one revision per template, renumbered on rollback, pruned to the limit, gone with the DaemonSet', async (t) => {
  const { store, settle, history } = hub(t);
  // The garbage collector removes whatever lives in a namespace that does not exist.
  await store.create(namespaces, applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }));
  const ds = await store.create(
    daemonSets,
    applyDefaults({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'probe', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'probe' } }, revisionHistoryLimit: 2, template: template('web:1') } }),
  );
  await settle();
  const first = `probe-${podTemplateHash((ds.spec as { template: unknown }).template)}`;
  t.same(await history(), { [first]: 1 });
  const [revision] = await store.list(controllerRevisions, 'default');
  t.match(revision, {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { labels: { app: 'probe', 'controller-revision-hash': first.slice('probe-'.length) }, ownerReferences: [{ kind: 'DaemonSet', name: 'probe', uid: ds.metadata.uid, controller: true }] },
    data: { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'probe' } } } } },
  });

  const second = await setImage(store, 'web:2');
  await settle();
  t.same(await history(), { [first]: 1, [second]: 2 });

  await setImage(store, 'web:1');
  await settle();
  t.same(await history(), { [second]: 2, [first]: 3 }, 'the first template is current again: renumbered, not copied');

  const third = await setImage(store, 'web:3');
  await settle();
  const fourth = await setImage(store, 'web:4');
  await settle();
  t.same(await history(), { [first]: 3, [third]: 4, [fourth]: 5 }, 'revisionHistoryLimit 2: the oldest old revision went');

  await deleteObject(store, daemonSets, (await store.get(daemonSets, 'default', 'probe'))!);
  await settle();
  t.same(await history(), {}, 'the garbage collector took the revisions with their DaemonSet');
});
