import t from 'tap';
import type { NodeCondition } from '../../../shared/api/status-types.js';
import { NOT_READY_TAINT, UNREACHABLE_TAINT, lifecycleTaintKey, wantedTaints, withConditionTaints, type Taint, type TaintedFacts } from '../../../hub/controllers/node-taints.js';
import { evictionAtMs } from '../../../hub/controllers/taint-eviction-plan.js';

const NOW = '2030-01-01T00:00:00Z';
const NOW_MS = Date.parse(NOW);

t.test('the lifecycle taint follows the Ready condition', async (t) => {
  t.equal(lifecycleTaintKey('Unknown'), UNREACHABLE_TAINT);
  t.equal(lifecycleTaintKey('False'), NOT_READY_TAINT);
  t.equal(lifecycleTaintKey('True'), undefined);
  t.equal(lifecycleTaintKey(undefined), undefined, 'a node that never reported is not tainted by this');
});

const facts = (conditions: Record<string, string>, unschedulable = false): TaintedFacts => ({
  status: { conditions: Object.entries(conditions).map(([type, status]) => ({ type, status }) as NodeCondition) },
  unschedulable,
});

t.test('withConditionTaints adds NoSchedule and NoExecute for Ready, keeps timeAdded and other taints, removes them when Ready', async (t) => {
  const user: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const unreachable = withConditionTaints([user], facts({ Ready: 'Unknown' }), NOW)!;
  t.same(unreachable, [user, { key: UNREACHABLE_TAINT, effect: 'NoSchedule' }, { key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: NOW }], 'only NoExecute carries timeAdded, as in Kubernetes');
  t.equal(withConditionTaints(unreachable, facts({ Ready: 'Unknown' }), '2030-01-01T00:05:00Z'), undefined, 'already right: no write, timeAdded kept');
  const notReady = withConditionTaints(unreachable, facts({ Ready: 'False' }), '2030-01-01T00:05:00Z')!;
  t.same(notReady.map((x) => `${x.key}:${x.effect}`), ['dedicated:NoSchedule', `${NOT_READY_TAINT}:NoSchedule`, `${NOT_READY_TAINT}:NoExecute`], 'unreachable -> not-ready swaps the key');
  t.same(withConditionTaints(notReady, facts({ Ready: 'True' }), NOW), [user], 'Ready again: only the user taint stays');
  t.equal(withConditionTaints(undefined, facts({ Ready: 'True' }), NOW), undefined);
  t.equal(withConditionTaints(undefined, { status: undefined, unschedulable: false }, NOW), undefined, 'a node that never reported is not tainted');
  t.same(withConditionTaints(undefined, facts({ Ready: 'Unknown' }), NOW)?.length, 2);
});

t.test('pressure conditions and cordon become NoSchedule taints, and come off again', async (t) => {
  const pressured = withConditionTaints(undefined, facts({ MemoryPressure: 'True', DiskPressure: 'True', PIDPressure: 'True', Ready: 'True' }), NOW)!;
  t.same(pressured, [
    { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' },
  ]);
  const recovered = withConditionTaints(pressured, facts({ MemoryPressure: 'False', DiskPressure: 'True', PIDPressure: 'Unknown', Ready: 'True' }), NOW)!;
  t.same(recovered, [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }], 'only True taints; Unknown (a lost node) is not pressure');
  const cordoned = withConditionTaints(recovered, facts({ Ready: 'True' }, true), NOW)!;
  t.same(cordoned, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]);
  t.same(withConditionTaints(cordoned, facts({ Ready: 'True' }, false), NOW), [], 'uncordoned: the taint goes');
  t.same(
    wantedTaints(facts({ Ready: 'False', MemoryPressure: 'True' }, true)).map((x) => `${x.key}:${x.effect}`),
    [`${NOT_READY_TAINT}:NoSchedule`, `${NOT_READY_TAINT}:NoExecute`, 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule'],
  );
});

t.test('evictionAtMs: taint-based eviction as the taint eviction controller decides it', async (t) => {
  const taint: Taint = { key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: NOW };
  const later = NOW_MS + 60_000;
  t.equal(evictionAtMs([], [taint], later), later, 'not tolerated: now');
  t.equal(evictionAtMs([{ key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }], [taint], later), NOW_MS + 300_000, 'tolerationSeconds counted from timeAdded');
  t.equal(evictionAtMs([{ key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute' }], [taint], later), undefined, 'tolerated without a limit: never');
  t.equal(evictionAtMs([{ operator: 'Exists' }], [taint], later), undefined, 'an empty key with Exists tolerates everything');
  t.equal(
    evictionAtMs([{ key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }], [taint], later),
    NOW_MS + 5_000,
    'the smallest tolerationSeconds wins',
  );
  t.equal(evictionAtMs([{ key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: -1 }], [taint], later), NOW_MS, 'zero or negative: at once (from timeAdded)');
  t.equal(evictionAtMs([], [{ key: 'x', effect: 'NoSchedule' }], later), undefined, 'only NoExecute taints evict');
  const two = [taint, { key: 'maintenance', effect: 'NoExecute' as const, timeAdded: NOW }];
  t.equal(evictionAtMs([{ key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }], two, later), later, 'one untolerated NoExecute taint is enough');
});
