import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import type { DeploymentStatus } from '../../../shared/api/status-types.js';
import { deploymentStatus, progressDeadlineAtMs } from '../../../hub/controllers/deployment-status.js';
import { podAvailability } from '../../../hub/controllers/pod-facts.js';
import { at, deployment, replicaSet } from './fixtures.js';

/** A Deployment mid-rollout: 3 wanted, the new ReplicaSet has 1 Pod that is not available. */
function stuck(extraSpec: Record<string, unknown>, status?: DeploymentStatus): { d: KubeObject; rs: KubeObject[] } {
  const d = deployment({ replicas: 3 }, status);
  d.spec = { ...(d.spec as object), ...extraSpec };
  const newRs = replicaSet('web-new', { replicas: 1, readyReplicas: 0, availableReplicas: 0 }, 1);
  const oldRs = replicaSet('web-old', { replicas: 3, readyReplicas: 3, availableReplicas: 3 }, 3);
  return { d, rs: [newRs, oldRs] };
}

function progressing(status: DeploymentStatus) {
  return status.conditions!.find((c) => c.type === 'Progressing')!;
}

t.test('a rollout that stops progressing turns ProgressDeadlineExceeded after progressDeadlineSeconds', async (t) => {
  const first = stuck({ progressDeadlineSeconds: 60 });
  const s1 = deploymentStatus(first.d, first.rs[0], first.rs, at(0));
  t.match(progressing(s1), { status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-new" is progressing.', lastUpdateTime: at(0) });
  t.equal(progressDeadlineAtMs(first.d, s1), Date.parse(at(0)) + 60_000, 'the controller re-syncs when the deadline falls due');

  const still = stuck({ progressDeadlineSeconds: 60 }, s1);
  const s2 = deploymentStatus(still.d, still.rs[0], still.rs, at(0.5));
  t.same(progressing(s2), progressing(s1), 'no progress, deadline not reached: unchanged');

  const s3 = deploymentStatus(still.d, still.rs[0], still.rs, at(2));
  t.match(progressing(s3), { status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-new" has timed out progressing.', lastTransitionTime: at(2) });
  t.equal(progressDeadlineAtMs(still.d, s3), undefined, 'nothing more to wait for');

  const after = stuck({ progressDeadlineSeconds: 60 }, s3);
  t.match(progressing(deploymentStatus(after.d, after.rs[0], after.rs, at(10))), { reason: 'ProgressDeadlineExceeded' }, 'it stays exceeded while nothing changes');
});

t.test('any change in the counts is progress and moves lastUpdateTime', async (t) => {
  const first = stuck({ progressDeadlineSeconds: 60 });
  const s1 = deploymentStatus(first.d, first.rs[0], first.rs, at(0));
  const moved = stuck({ progressDeadlineSeconds: 60 }, s1);
  moved.rs[0]!.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1 };
  t.match(progressing(deploymentStatus(moved.d, moved.rs[0], moved.rs, at(1.5))), { status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: at(1.5), lastTransitionTime: at(0) });
});

t.test('a paused Deployment reports Progressing Unknown and has no deadline', async (t) => {
  const paused = stuck({ paused: true, progressDeadlineSeconds: 1 });
  const status = deploymentStatus(paused.d, paused.rs[0], paused.rs, at(0));
  t.match(progressing(status), { status: 'Unknown', reason: 'DeploymentPaused' });
  t.equal(progressDeadlineAtMs(paused.d, status), undefined);
});

t.test('a Pod is available only once Ready for minReadySeconds', async (t) => {
  const readySince = (iso: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso }] },
  });
  const now = Date.parse(at(1));
  t.same(podAvailability(readySince(at(0)), 0, now), { available: true });
  t.same(podAvailability(readySince(at(0)), 30, now), { available: true }, 'ready for 60 s > 30 s');
  t.same(podAvailability(readySince(at(0.75)), 30, now), { available: false, atMs: Date.parse(at(0.75)) + 30_000 }, 'ready for 15 s: available at +30 s');
  t.same(podAvailability({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Pending' } }, 0, now), { available: false });
});
