import t from 'tap';
import { isScalingEvent, proportionalScale, replicasAnnotations, type ScaleInput, type SizedReplicaSet } from '../../../hub/controllers/proportional-scale.js';
import { seededRandom } from '../../helpers/seeded-random.js';

function rs(name: string, replicas: number, extra: Partial<SizedReplicaSet> = {}): SizedReplicaSet {
  return { name, replicas, created: `2030-01-01T00:00:0${name.length}Z`, available: replicas, ...extra };
}

function decide(input: Partial<ScaleInput> & Pick<ScaleInput, 'replicas' | 'oldRs'>): Record<string, number> {
  return Object.fromEntries(proportionalScale({ strategy: 'RollingUpdate', newRs: undefined, statusReplicas: 0, ...input }));
}

t.test('the example of the Kubernetes documentation: 10 -> 15 during a stuck rollout (maxSurge 3, maxUnavailable 2)', async (t) => {
  // Old ReplicaSet at 8, new (bad image) at 5: 13 = 10 + maxSurge. Scaled to 15: 5 more allowed, 3 to the old, 2 to the new.
  const annotations = { desiredReplicas: 10, maxReplicas: 13 };
  const result = decide({
    replicas: 15,
    maxSurge: 3,
    maxUnavailable: 2,
    oldRs: [rs('old', 8, annotations)],
    newRs: rs('new-one', 5, { ...annotations, available: 0 }),
  });
  t.same(result, { old: 11, 'new-one': 7 });
});

t.test('one live ReplicaSet takes the whole size; none: the newest does', async (t) => {
  t.same(decide({ replicas: 12, oldRs: [rs('old', 0)], newRs: rs('new', 10) }), { new: 12 });
  t.same(decide({ replicas: 4, oldRs: [rs('a', 0), rs('bb', 0)], newRs: undefined }), { bb: 4 }, 'the latest old one when there is no new one');
  t.same(decide({ replicas: 10, oldRs: [], newRs: rs('new', 10) }), {}, 'nothing to change');
});

t.test('a saturated new ReplicaSet: the old ones go to zero', async (t) => {
  t.same(decide({ replicas: 3, oldRs: [rs('old', 1)], newRs: rs('new', 3, { desiredReplicas: 3 }) }), { old: 0 });
});

t.test('scaling down proportionally, to zero, and Recreate', async (t) => {
  const annotations = { desiredReplicas: 10, maxReplicas: 12 };
  t.same(decide({ replicas: 5, maxSurge: 2, oldRs: [rs('old', 6, annotations)], newRs: rs('new', 6, { ...annotations, available: 0 }) }), { old: 3, new: 4 });
  t.same(decide({ replicas: 0, oldRs: [rs('old', 6, annotations)], newRs: rs('new', 6, annotations) }), { old: 0, new: 0 });
  t.same(decide({ replicas: 20, strategy: 'Recreate', oldRs: [rs('old', 6)], newRs: rs('new', 6) }), {}, 'Recreate never mixes: the rollout decides');
});

t.test('without annotations the Deployment status size is the base', async (t) => {
  t.same(decide({ replicas: 20, maxSurge: 0, maxUnavailable: 1, statusReplicas: 10, oldRs: [rs('old', 5)], newRs: rs('new', 5, { available: 0 }) }), { old: 10, new: 10 });
});

t.test('properties: the total lands on replicas + maxSurge, nobody goes negative, order of input does not matter', async (t) => {
  const random = seededRandom(7);
  const int = (n: number) => Math.floor(random() * n);
  for (let i = 0; i < 500; i++) {
    const before = 2 + int(20);
    const surge = int(4);
    // A mid-rollout mix as the controller leaves it: live sizes adding up to at most before + surge.
    const total = 2 + int(before + surge - 1);
    const first = 1 + int(total - 1);
    const third = int(3) === 0 ? int(total - first) : 0;
    const sizes = [first, total - first - third, third];
    const live = sizes.filter((s) => s > 0).length;
    const sets = sizes.map((s, j) => rs(`rs${'x'.repeat(j)}`, s, { desiredReplicas: before, maxReplicas: before + surge, available: 0 }));
    const replicas = int(30);
    const input: ScaleInput = { replicas, strategy: 'RollingUpdate', maxSurge: surge, maxUnavailable: 1, newRs: sets[0], oldRs: sets.slice(1), statusReplicas: before };
    const result = proportionalScale(input);
    const after = sets.map((s) => result.get(s.name) ?? s.replicas);
    t.ok(after.every((n) => n >= 0), `non-negative (${sizes} -> ${after})`);
    if (live > 1) t.equal(after.reduce((a, b) => a + b, 0), replicas > 0 ? replicas + surge : 0, `total for ${replicas} (+${surge}) from ${sizes}`);
    const reversed = proportionalScale({ ...input, oldRs: [...input.oldRs].reverse() });
    t.same(Object.fromEntries(reversed), Object.fromEntries(result));
  }
});

t.test('a scaling event is a live ReplicaSet last sized for another Deployment size', async (t) => {
  t.equal(isScalingEvent({ replicas: 5, newRs: rs('new', 2, { desiredReplicas: 3 }), oldRs: [] }), true);
  t.equal(isScalingEvent({ replicas: 3, newRs: rs('new', 2, { desiredReplicas: 3 }), oldRs: [rs('old', 0, { desiredReplicas: 9 })] }), false, 'scaled-down ones do not count');
  t.equal(isScalingEvent({ replicas: 3, newRs: rs('new', 2), oldRs: [] }), false, 'no annotation: not a scaling event');
  t.same(replicasAnnotations(10, '25%', '25%', 'RollingUpdate'), { 'deployment.kubernetes.io/desired-replicas': '10', 'deployment.kubernetes.io/max-replicas': '13' });
  t.same(replicasAnnotations(10, '25%', '25%', 'Recreate'), { 'deployment.kubernetes.io/desired-replicas': '10', 'deployment.kubernetes.io/max-replicas': '10' });
});
