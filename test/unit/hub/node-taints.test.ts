import t from 'tap';
import { NOT_READY_TAINT, UNREACHABLE_TAINT, lifecycleTaintKey, withLifecycleTaints, type Taint } from '../../../hub/controllers/node-taints.js';
import { evictionAtMs } from '../../../hub/controllers/taint-eviction-plan.js';

const NOW = '2030-01-01T00:00:00Z';
const NOW_MS = Date.parse(NOW);

t.test('the lifecycle taint follows the Ready condition', async (t) => {
  t.equal(lifecycleTaintKey('Unknown'), UNREACHABLE_TAINT);
  t.equal(lifecycleTaintKey('False'), NOT_READY_TAINT);
  t.equal(lifecycleTaintKey('True'), undefined);
  t.equal(lifecycleTaintKey(undefined), undefined, 'a node that never reported is not tainted by this');
});

t.test('withLifecycleTaints adds NoSchedule and NoExecute, keeps timeAdded and other taints, removes them when Ready', async (t) => {
  const user: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const unreachable = withLifecycleTaints([user], 'Unknown', NOW)!;
  t.same(unreachable, [user, { key: UNREACHABLE_TAINT, effect: 'NoSchedule', timeAdded: NOW }, { key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: NOW }]);
  t.equal(withLifecycleTaints(unreachable, 'Unknown', '2030-01-01T00:05:00Z'), undefined, 'already right: no write, timeAdded kept');
  const notReady = withLifecycleTaints(unreachable, 'False', '2030-01-01T00:05:00Z')!;
  t.same(notReady.map((x) => `${x.key}:${x.effect}`), ['dedicated:NoSchedule', `${NOT_READY_TAINT}:NoSchedule`, `${NOT_READY_TAINT}:NoExecute`], 'unreachable -> not-ready swaps the key');
  t.same(withLifecycleTaints(notReady, 'True', NOW), [user], 'Ready again: only the user taint stays');
  t.equal(withLifecycleTaints(undefined, 'True', NOW), undefined);
  t.same(withLifecycleTaints(undefined, 'Unknown', NOW)?.length, 2);
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
