import t from 'tap';
import { replicaDiff } from '../../../hub/controllers/replica-math.js';
import { at, pod } from './fixtures.js';

const names = (pods: Array<{ metadata: { name?: string } }>) => pods.map((p) => p.metadata.name);

t.test('creates the missing Pods and removes none when below the desired count', async (t) => {
  const table: Array<[number, number, number]> = [
    [3, 0, 3],
    [3, 1, 2],
    [1, 0, 1],
    [0, 0, 0],
    [2, 2, 0],
  ];
  for (const [desired, have, create] of table) {
    const active = Array.from({ length: have }, (_, i) => pod(`p${i}`));
    t.same(replicaDiff(desired, active), { create, remove: [] }, `desired ${desired}, have ${have}`);
  }
});

t.test('removes exactly the surplus and creates nothing when above the desired count', async (t) => {
  const active = Array.from({ length: 5 }, (_, i) => pod(`p${i}`, { nodeName: 'n1', phase: 'Running', ready: true }));
  const diff = replicaDiff(2, active);
  t.equal(diff.create, 0);
  t.equal(diff.remove.length, 3);
  t.equal(replicaDiff(0, active).remove.length, 5);
});

const running = { nodeName: 'n1', phase: 'Running', ready: true, restarts: 0, created: at(0) } as const;

t.test("removes the less useful Pod first, in Kubernetes' ActivePods order", async (t) => {
  // [why, removed first, kept]: each pair differs in one respect only.
  const table: Array<[string, ReturnType<typeof pod>, ReturnType<typeof pod>]> = [
    ['unscheduled before scheduled', pod('loose', { ...running, nodeName: undefined }), pod('bound', running)],
    ['Pending before Running', pod('pending', { ...running, phase: 'Pending', ready: false }), pod('up', { ...running, ready: false })],
    ['Pending before Unknown', pod('pending', { ...running, phase: 'Pending' }), pod('unknown', { ...running, phase: 'Unknown' })],
    ['Unknown before Running', pod('unknown', { ...running, phase: 'Unknown' }), pod('up', running)],
    ['no phase counts as Pending', pod('fresh', { ...running, phase: undefined }), pod('up', running)],
    ['not ready before ready', pod('unready', { ...running, ready: false }), pod('ready', running)],
    ['more restarts first', pod('crashy', { ...running, restarts: 5 }), pod('steady', { ...running, restarts: 1 })],
    ['newer first', pod('young', { ...running, created: at(10) }), pod('old', { ...running, created: at(1) })],
    ['scheduled-ness outranks phase', pod('loose', { ...running, nodeName: undefined, phase: 'Running' }), pod('pending', { ...running, phase: 'Pending' })],
    ['readiness outranks restarts', pod('unready', { ...running, ready: false, restarts: 0 }), pod('crashy', { ...running, restarts: 9 })],
    ['restarts outrank age', pod('old-crashy', { ...running, restarts: 3, created: at(0) }), pod('young', { ...running, created: at(30) })],
  ];
  for (const [why, first, kept] of table) {
    t.same(names(replicaDiff(1, [kept, first]).remove), [first.metadata.name], `${why} (given kept first)`);
    t.same(names(replicaDiff(1, [first, kept]).remove), [first.metadata.name], `${why} (given removed first)`);
  }
});

t.test('orders a whole scale-down to zero from least to most useful', async (t) => {
  const active = [
    pod('ready-old', { ...running, created: at(0) }),
    pod('ready-new', { ...running, created: at(5) }),
    pod('crashy', { ...running, restarts: 4 }),
    pod('unready', { ...running, ready: false }),
    pod('pending', { ...running, phase: 'Pending', ready: false }),
    pod('unscheduled', { phase: 'Pending' }),
  ];
  t.same(names(replicaDiff(0, [...active].reverse()).remove), ['unscheduled', 'pending', 'unready', 'crashy', 'ready-new', 'ready-old']);
});

t.test('breaks complete ties by name so the choice is deterministic', async (t) => {
  const twins = [pod('b', running), pod('a', running), pod('c', running)];
  t.same(names(replicaDiff(1, twins).remove), ['a', 'b']);
  t.same(names(replicaDiff(1, [...twins].reverse()).remove), ['a', 'b']);
});

t.test('does not reorder the caller\'s array', async (t) => {
  const active = [pod('b', running), pod('a', { ...running, nodeName: undefined })];
  replicaDiff(0, active);
  t.same(names(active), ['b', 'a']);
});
