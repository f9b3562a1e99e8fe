import t from 'tap';
import { resolveFenceposts, rolloutStep, scaledValue, type ReplicaSetCounts, type RolloutInput } from '../../../hub/controllers/rollout-math.js';
import { randomInt, seededRandom } from '../../helpers/seeded-random.js';

function rs(name: string, replicas: number, available = replicas, created = `2026-01-0${name === 'new' ? 9 : 1}T00:00:00Z`): ReplicaSetCounts {
  return { name, replicas, available, existing: replicas, created };
}

function step(input: Partial<RolloutInput> & Pick<RolloutInput, 'newRs' | 'oldRs'>): Record<string, number> {
  return Object.fromEntries(rolloutStep({ strategy: 'RollingUpdate', replicas: 3, ...input }));
}

t.test('percentages resolve as Kubernetes does: maxSurge rounds up, maxUnavailable down', async (t) => {
  t.equal(scaledValue('25%', 3, true, '25%'), 1);
  t.equal(scaledValue('25%', 3, false, '25%'), 0);
  t.equal(scaledValue('25%', 4, false, '25%'), 1);
  t.equal(scaledValue(2, 10, false, '25%'), 2);
  t.equal(scaledValue(undefined, 10, true, '25%'), 3);
  t.same(resolveFenceposts(undefined, undefined, 3), { surge: 1, unavailable: 0 });
  t.same(resolveFenceposts(0, 0, 3), { surge: 0, unavailable: 1 }, 'both zero would stall: maxUnavailable becomes 1');
  t.same(resolveFenceposts('50%', '50%', 5), { surge: 3, unavailable: 2 });
});

t.test('a 3-replica rolling update with the defaults moves one Pod at a time', async (t) => {
  t.same(step({ newRs: rs('new', 0), oldRs: [rs('old', 3)] }), { new: 1 }, 'surge one new Pod first');
  t.same(step({ newRs: rs('new', 1, 0), oldRs: [rs('old', 3)] }), {}, 'nothing more until it is available');
  t.same(step({ newRs: rs('new', 1, 1), oldRs: [rs('old', 3)] }), { old: 2 }, 'then one old Pod goes');
  t.same(step({ newRs: rs('new', 1, 1), oldRs: [rs('old', 2)] }), { new: 2 });
  t.same(step({ newRs: rs('new', 3, 3), oldRs: [rs('old', 1)] }), { old: 0 });
  t.same(step({ newRs: rs('new', 3, 3), oldRs: [rs('old', 0)] }), {}, 'converged');
});

t.test('a new ReplicaSet that never becomes available stalls the rollout with the old Pods serving', async (t) => {
  t.same(step({ newRs: rs('new', 1, 0), oldRs: [rs('old', 3)] }), {});
  // With 4 replicas one may be unavailable: one old Pod goes, one more new Pod surges, then it stops
  // with 3 old Pods serving, exactly the floor (replicas - maxUnavailable).
  t.same(step({ replicas: 4, newRs: rs('new', 1, 0), oldRs: [rs('old', 4)] }), { old: 3 });
  t.same(step({ replicas: 4, newRs: rs('new', 1, 0), oldRs: [rs('old', 3)] }), { new: 2 });
  t.same(step({ replicas: 4, newRs: rs('new', 2, 0), oldRs: [rs('old', 3)] }), {}, 'stalled at the floor');
});

t.test('unavailable old Pods are removed before available ones', async (t) => {
  t.same(step({ replicas: 4, newRs: rs('new', 1, 1), oldRs: [rs('old', 4, 2)] }), { old: 2 });
});

t.test('older ReplicaSets scale down first', async (t) => {
  const older = rs('older', 1, 1, '2026-01-01T00:00:00Z');
  const old = rs('old', 2, 2, '2026-01-02T00:00:00Z');
  t.same(step({ replicas: 3, maxSurge: 0, maxUnavailable: 1, newRs: rs('new', 0), oldRs: [old, older] }), { older: 0 });
});

t.test('scaling without a template change resizes the one ReplicaSet', async (t) => {
  t.same(step({ replicas: 5, newRs: rs('new', 3), oldRs: [] }), { new: 5 });
  t.same(step({ replicas: 1, newRs: rs('new', 3), oldRs: [] }), { new: 1 });
});

t.test('Recreate removes every old Pod before the new ReplicaSet grows', async (t) => {
  const recreate = (newRs: ReplicaSetCounts, oldRs: ReplicaSetCounts[]) => Object.fromEntries(rolloutStep({ strategy: 'Recreate', replicas: 3, newRs, oldRs }));
  t.same(recreate(rs('new', 0), [rs('old', 3)]), { old: 0 });
  t.same(recreate(rs('new', 0), [{ ...rs('old', 0), existing: 2 }]), {}, 'waits for the old Pods to be gone');
  t.same(recreate(rs('new', 0), [rs('old', 0)]), { new: 3 });
});

t.test('property: every rollout converges, never exceeds replicas + maxSurge nor drops below replicas - maxUnavailable available', async (t) => {
  const random = seededRandom(20261125);
  const pickBound = (): number | string => (random() < 0.5 ? randomInt(random, 4) : `${randomInt(random, 101)}%`);
  for (let run = 0; run < 300; run++) {
    const replicas = 1 + randomInt(random, 10);
    const maxSurge = pickBound();
    const maxUnavailable = pickBound();
    const { surge, unavailable } = resolveFenceposts(maxSurge, maxUnavailable, replicas);
    let newRs = rs('new', 0, 0);
    let oldRs = [rs('old', replicas)];
    let converged = false;
    for (let steps = 0; steps < 4 * replicas + 10; steps++) {
      const decision = rolloutStep({ strategy: 'RollingUpdate', replicas, maxSurge, maxUnavailable, newRs, oldRs });
      const apply = (x: ReplicaSetCounts) => {
        const next = decision.get(x.name) ?? x.replicas;
        return { ...x, replicas: next, available: Math.min(x.available, next), existing: next };
      };
      newRs = apply(newRs);
      oldRs = oldRs.map(apply);
      const total = newRs.replicas + oldRs.reduce((s, x) => s + x.replicas, 0);
      const available = newRs.available + oldRs.reduce((s, x) => s + x.available, 0);
      const where = `replicas=${replicas} maxSurge=${maxSurge} maxUnavailable=${maxUnavailable} step=${steps}`;
      if (total > replicas + surge) t.fail(`over the surge ceiling: ${total} (${where})`);
      if (available < Math.min(replicas - unavailable, replicas)) t.fail(`under the availability floor: ${available} (${where})`);
      // The new Pods become available before the next sync.
      newRs = { ...newRs, available: newRs.replicas };
      if (newRs.replicas === replicas && oldRs.every((x) => x.replicas === 0)) {
        converged = true;
        break;
      }
    }
    if (!converged) t.fail(`did not converge: replicas=${replicas} maxSurge=${maxSurge} maxUnavailable=${maxUnavailable}`);
  }
  t.pass('300 random rollouts checked');
});
