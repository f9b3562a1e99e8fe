import t from 'tap';
import { deploymentStatus, resolveMaxUnavailable } from '../../../hub/controllers/deployment-status.js';
import type { DeploymentCondition } from '../../../shared/api/status-types.js';
import { T0, T1, deployment, replicaSet } from './fixtures.js';

t.test('resolveMaxUnavailable rounds percentages down and passes integers through', async (t) => {
  const table: Array<[number | string | undefined, number, number]> = [
    ['25%', 3, 0],
    ['25%', 4, 1],
    ['25%', 10, 2],
    ['50%', 5, 2],
    ['100%', 3, 3],
    ['0%', 8, 0],
    [undefined, 4, 1], // the default is 25%
    [undefined, 3, 0],
    [0, 5, 0],
    [2, 10, 2],
    [1, 0, 1],
  ];
  for (const [value, replicas, want] of table) t.equal(resolveMaxUnavailable(value, replicas), want, `${value} of ${replicas}`);
});

const condition = (conditions: DeploymentCondition[] | undefined, type: DeploymentCondition['type']) => conditions?.find((c) => c.type === type);

t.test('sums replica counts over all ReplicaSets and counts updated ones from the new ReplicaSet', async (t) => {
  const newRs = replicaSet('web-new', { replicas: 2, readyReplicas: 1, availableReplicas: 1 });
  const oldRs = replicaSet('web-old', { replicas: 1, readyReplicas: 1, availableReplicas: 1 });
  const status = deploymentStatus(deployment({ replicas: 3 }, undefined, 4), newRs, [newRs, oldRs], T0);
  t.match(status, { observedGeneration: 4, replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1 });
});

t.test('omits unavailableReplicas when every desired replica is available, and counts ReplicaSets without status as empty', async (t) => {
  const newRs = replicaSet('web-new', { replicas: 3, readyReplicas: 3, availableReplicas: 3 });
  const status = deploymentStatus(deployment({ replicas: 3 }), newRs, [newRs, replicaSet('web-old', undefined)], T0);
  t.match(status, { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
  t.notOk('unavailableReplicas' in status);
});

t.test('a Deployment with no ReplicaSet yet reports zeros', async (t) => {
  t.match(deploymentStatus(deployment({ replicas: 2 }), undefined, [], T0), { replicas: 0, updatedReplicas: 0, availableReplicas: 0, unavailableReplicas: 2 });
});

t.test('Available is True exactly when at least replicas - maxUnavailable Pods are available', async (t) => {
  const table: Array<[number, number | string | undefined, number, 'True' | 'False']> = [
    [4, undefined, 3, 'True'], // 25% of 4 = 1 may be unavailable
    [4, undefined, 2, 'False'],
    [3, undefined, 2, 'False'], // 25% of 3 rounds down to 0
    [3, undefined, 3, 'True'],
    [3, 1, 2, 'True'],
    [10, '50%', 5, 'True'],
    [10, '50%', 4, 'False'],
    [0, undefined, 0, 'True'],
  ];
  for (const [replicas, maxUnavailable, available, want] of table) {
    const rs = replicaSet('web-new', { replicas, readyReplicas: available, availableReplicas: available });
    const status = deploymentStatus(deployment({ replicas, maxUnavailable }), rs, [rs], T0);
    const c = condition(status.conditions, 'Available');
    t.match(
      c,
      want === 'True'
        ? { status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      `${available}/${replicas} available, maxUnavailable ${maxUnavailable ?? 'default'}`,
    );
  }
});

t.test('Progressing says NewReplicaSetAvailable once the new ReplicaSet has every replica available', async (t) => {
  const done = replicaSet('web-abc', { replicas: 3, readyReplicas: 3, availableReplicas: 3 });
  t.match(condition(deploymentStatus(deployment({ replicas: 3 }), done, [done], T0).conditions, 'Progressing'), {
    status: 'True',
    reason: 'NewReplicaSetAvailable',
    message: 'ReplicaSet "web-abc" has successfully progressed.',
  });
  const rolling = replicaSet('web-abc', { replicas: 3, readyReplicas: 2, availableReplicas: 2 });
  t.match(condition(deploymentStatus(deployment({ replicas: 3 }), rolling, [rolling], T0).conditions, 'Progressing'), {
    status: 'True',
    reason: 'ReplicaSetUpdated',
    message: 'ReplicaSet "web-abc" is progressing.',
  });
  const oldStillThere = replicaSet('web-old', { replicas: 1, readyReplicas: 1, availableReplicas: 1 });
  t.match(condition(deploymentStatus(deployment({ replicas: 3 }), done, [done, oldStillThere], T0).conditions, 'Progressing'), { reason: 'ReplicaSetUpdated' }, 'old Pods still running means not complete');
});

t.test('condition times: kept while nothing changes, transition time kept when only the reason changes, both moved on a status flip', async (t) => {
  const rolling = replicaSet('web-abc', { replicas: 4, readyReplicas: 3, availableReplicas: 3 });
  const first = deploymentStatus(deployment({ replicas: 4 }), rolling, [rolling], T0);
  for (const c of first.conditions ?? []) t.match(c, { lastTransitionTime: T0, lastUpdateTime: T0 }, `${c.type} starts at T0`);

  const same = deploymentStatus(deployment({ replicas: 4 }, first), rolling, [rolling], T1);
  t.same(same.conditions, first.conditions, 'an unchanged status keeps both times');

  const done = replicaSet('web-abc', { replicas: 4, readyReplicas: 4, availableReplicas: 4 });
  const completed = deploymentStatus(deployment({ replicas: 4 }, first), done, [done], T1);
  t.match(condition(completed.conditions, 'Progressing'), { reason: 'NewReplicaSetAvailable', lastTransitionTime: T0, lastUpdateTime: T1 });
  t.match(condition(completed.conditions, 'Available'), { status: 'True', lastTransitionTime: T0, lastUpdateTime: T0 });

  const degraded = replicaSet('web-abc', { replicas: 4, readyReplicas: 1, availableReplicas: 1 });
  const flipped = deploymentStatus(deployment({ replicas: 4 }, first), degraded, [degraded], T1);
  t.match(condition(flipped.conditions, 'Available'), { status: 'False', lastTransitionTime: T1, lastUpdateTime: T1 });
});
