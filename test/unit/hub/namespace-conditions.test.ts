/**
 * The conditions a Terminating namespace carries, in Kubernetes' words, changing only when what
 * they say changes (so lastTransitionTime marks real transitions and a same-state pass writes nothing).
 */
import t from 'tap';
import { nextNamespaceConditions, type ContentTotals } from '../../../hub/controllers/namespace-conditions.js';

const T0 = '2030-01-01T00:00:00Z';
const T1 = '2030-01-01T00:00:05Z';
const totals = (remaining: Array<[string, number]>, deleteErrors: string[] = []): ContentTotals => ({ remaining: new Map(remaining), deleteErrors });

t.test('what remains is listed, sorted, as "<plural>.<group> has N resource instances"', async (t) => {
  const { conditions, changed } = nextNamespaceConditions(undefined, totals([['replicasets.apps', 1], ['pods.', 2], ['events.', 0]]), T0);
  t.ok(changed);
  t.same(conditions, [
    { type: 'NamespaceDeletionContentFailure', status: 'False', lastTransitionTime: T0, reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
    { type: 'NamespaceContentRemaining', status: 'True', lastTransitionTime: T0, reason: 'SomeResourcesRemain', message: 'Some resources are remaining: pods. has 2 resource instances, replicasets.apps has 1 resource instances' },
  ]);
});

t.test('failed deletes are counted and named in NamespaceDeletionContentFailure', async (t) => {
  const { conditions } = nextNamespaceConditions(undefined, totals([['pods.', 1]], ['pods. "b": boom', 'pods. "a": conflict']), T0);
  t.match(conditions[0], { status: 'True', reason: 'ContentDeletionFailed', message: 'Failed to delete all resource types, 2 remaining: pods. "a": conflict, pods. "b": boom' });
});

t.test('the same state writes nothing; a real change replaces the condition and its transition time, keeping other conditions', async (t) => {
  const other = { type: 'Example', status: 'True' as const, lastTransitionTime: T0, reason: 'R', message: 'm' };
  const first = nextNamespaceConditions([other], totals([['pods.', 1]]), T0);
  const again = nextNamespaceConditions(first.conditions, totals([['pods.', 1]]), T1);
  t.notOk(again.changed);
  t.same(again.conditions, first.conditions);
  const emptied = nextNamespaceConditions(first.conditions, totals([]), T1);
  t.ok(emptied.changed);
  t.same(emptied.conditions.map((c) => [c.type, c.status, c.lastTransitionTime]), [
    ['Example', 'True', T0],
    ['NamespaceDeletionContentFailure', 'False', T0],
    ['NamespaceContentRemaining', 'False', T1],
  ]);
});
