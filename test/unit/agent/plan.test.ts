import t from 'tap';
import { containerKey, type ContainerHistory } from '../../../agent/reconcile/history.js';
import { plan, type PlanContext } from '../../../agent/reconcile/plan.js';
import { specHash } from '../../../agent/reconcile/spec-hash.js';
import type { Step } from '../../../agent/reconcile/steps.js';
import type { ObservedContainer } from '../../../agent/runtime/observe.js';
import { LABELS } from '../../../agent/runtime/labels.js';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { context, observed, pod, T0, uidOf, withSandboxes } from './fixtures/builders.js';

/** One line per step, so a table row states the whole plan. */
function brief(step: Step, observedList: readonly ObservedContainer[]): string {
  const which = (id: string): string => {
    const c = observedList.find((o) => o.id === id);
    return c?.labels['skiff.pod.name'] ? `${c.labels['skiff.pod.name']}/${c.labels['skiff.container.name']}#${c.labels['skiff.container.attempt']}` : id;
  };
  switch (step.kind) {
    case 'pull':
      return `pull ${step.image}`;
    case 'create':
      return `create ${step.pod.metadata.name}/${step.container.name}#${step.attempt}`;
    case 'sandbox':
      return `sandbox ${step.pod.metadata.name}#${step.attempt}`;
    case 'remove':
      return `remove ${which(step.containerId)} ${step.reason} grace=${step.graceSeconds}${step.record ? ` record=${step.record.terminated?.reason ?? (step.record.killedByProbe ? 'after-stop(probe)' : 'after-stop')}` : ''}`;
    case 'record':
      return `record ${step.key.split('/')[1]} ${step.terminated.reason} ${step.terminated.exitCode}`;
    case 'wait':
      return `wait ${step.key.split('/')[1]} ${step.reason}${step.untilMs !== undefined ? ` +${step.untilMs - T0}ms` : ''}`;
  }
}

function history(p: DesiredPod, h: Partial<ContainerHistory> & { lastContainerId?: string }, container = 'main'): Map<string, ContainerHistory> {
  const spec = p.spec.containers.find((c) => c.name === container)!;
  return new Map([[containerKey(p.metadata.uid, container), { attempts: 1, backoffStreak: 0, lastHash: specHash(p, spec), ...h }]]);
}

const web = pod('web');
const never = pod('job', { restartPolicy: 'Never' });
const onFailure = pod('batch', { restartPolicy: 'OnFailure' });
const quick = pod('quick', { terminationGracePeriodSeconds: 3 });

interface Row {
  name: string;
  desired: DesiredPod[];
  observed: ObservedContainer[];
  ctx?: Partial<PlanContext>;
  expect: string[];
  /** Observed as given; otherwise each desired pod without a sandbox in `observed` gets a running one. */
  exactObserved?: boolean;
}

const running = observed(web, { id: 'r1' });
const exited1 = observed(web, { id: 'x1', state: 'exited', exitCode: 1, attempt: 3 });
const terminated = (exitCode: number, finishedAgoMs: number, id = 'gone') => ({
  exitCode,
  reason: exitCode === 0 ? 'Completed' : 'Error',
  finishedAt: new Date(T0 - finishedAgoMs).toISOString(),
  containerID: `docker://${id}`,
});

const rows: Row[] = [
  { name: 'a desired pod with nothing running is created as attempt 1', desired: [web], observed: [], expect: ['create web/main#1'] },
  { name: 'a running container matching its spec needs nothing', desired: [web], observed: [running], expect: [] },
  {
    name: 'a container of a pod that is no longer desired is removed with its grace period label',
    desired: [],
    observed: [observed(quick, { id: 'q1' })],
    expect: ['remove quick/main#1 PodDeleted grace=30'],
  },
  {
    name: 'a pod deleted with a grace of its own (drain --grace-period) is stopped with that grace',
    desired: [],
    observed: [observed(quick, { id: 'q1' }), observed(web, { id: 'w1' })],
    ctx: { terminatingGrace: new Map([[quick.metadata.uid, 1]]) },
    expect: ['remove quick/main#1 PodDeleted grace=1', 'remove web/main#1 PodDeleted grace=30'],
  },
  {
    name: 'a container whose spec hash differs is removed with the pod grace period, and nothing is created meanwhile',
    desired: [quick],
    observed: [observed(quick, { id: 'q2', hash: 'stale' })],
    expect: ['remove quick/main#1 SpecChanged grace=3'],
  },
  {
    name: 'a container of a pod container that was dropped from the spec is removed',
    desired: [web],
    observed: [running, observed(pod('web', {}, [{}, {}]), { container: 'side1', id: 's1' })],
    expect: ['remove web/side1#1 ContainerDeleted grace=30'],
  },
  {
    name: 'duplicates of one pod container: the newest running one stays',
    desired: [web],
    observed: [
      observed(web, { id: 'd1', attempt: 1, createdMs: T0 - 5000 }),
      observed(web, { id: 'd2', attempt: 2, createdMs: T0 - 4000 }),
      observed(web, { id: 'd3', attempt: 3, state: 'exited', exitCode: 0 }),
    ],
    expect: ['remove web/main#1 Duplicate grace=30', 'remove web/main#3 Duplicate grace=30'],
  },
  {
    name: 'an exited container under restartPolicy Always is removed recording how it ended',
    desired: [web],
    observed: [exited1],
    expect: ['remove web/main#3 Exited grace=0 record=Error'],
  },
  {
    name: 'a container that exited 0 under Always is restarted too',
    desired: [web],
    observed: [observed(web, { id: 'x0', state: 'exited', exitCode: 0 })],
    expect: ['remove web/main#1 Exited grace=0 record=Completed'],
  },
  {
    name: 'an OOM-killed container is recorded as OOMKilled',
    desired: [web],
    observed: [observed(web, { id: 'oom', state: 'exited', exitCode: 137, oomKilled: true })],
    expect: ['remove web/main#1 Exited grace=0 record=OOMKilled'],
  },
  {
    name: 'restartPolicy Never leaves an exited container alone; the finished pod keeps no sandbox',
    desired: [never],
    observed: [observed(never, { state: 'exited', exitCode: 1 })],
    expect: ['remove job/POD#1 PodCompleted grace=10'],
  },
  {
    name: 'restartPolicy OnFailure leaves a container that exited 0; the finished pod keeps no sandbox',
    desired: [onFailure],
    observed: [observed(onFailure, { state: 'exited', exitCode: 0 })],
    expect: ['remove batch/POD#1 PodCompleted grace=10'],
  },
  {
    name: 'restartPolicy OnFailure restarts a container that exited non-zero',
    desired: [onFailure],
    observed: [observed(onFailure, { state: 'exited', exitCode: 2 })],
    expect: ['remove batch/main#1 Exited grace=0 record=Error'],
  },
  {
    name: 'a created but never started container is removed (its attempt is retried)',
    desired: [web],
    observed: [observed(web, { state: 'created' })],
    expect: ['remove web/main#1 NeverStarted grace=0'],
  },
  {
    name: 'the first restart after a recorded exit happens at once, as attempt n+1',
    desired: [web],
    observed: [],
    ctx: { history: history(web, { attempts: 1, backoffStreak: 1, lastContainerId: 'gone', lastTerminated: terminated(1, 0) }) },
    expect: ['create web/main#2'],
  },
  {
    name: 'the second restart waits 10 s in CrashLoopBackOff',
    desired: [web],
    observed: [],
    ctx: { history: history(web, { attempts: 2, backoffStreak: 2, lastContainerId: 'gone', lastTerminated: terminated(1, 4000) }) },
    expect: ['wait main CrashLoopBackOff +6000ms'],
  },
  {
    name: 'the restart happens once the backoff has elapsed',
    desired: [web],
    observed: [],
    ctx: { history: history(web, { attempts: 2, backoffStreak: 2, lastContainerId: 'gone', lastTerminated: terminated(1, 10_000) }) },
    expect: ['create web/main#3'],
  },
  {
    name: 'a container removed behind Skiff’s back is recorded as ContainerStatusUnknown (137) first',
    desired: [web],
    observed: [],
    ctx: { history: history(web, { attempts: 1, lastContainerId: 'vanished' }) },
    expect: ['record main ContainerStatusUnknown 137'],
  },
  {
    name: 'a vanished container under Never is recorded and not recreated',
    desired: [never],
    observed: [],
    ctx: { history: history(never, { attempts: 1, lastContainerId: 'vanished' }) },
    expect: ['record main ContainerStatusUnknown 137'],
  },
  {
    name: 'a recorded end under Never is final (and the pod gives up its sandbox)',
    desired: [never],
    observed: [],
    ctx: { history: history(never, { attempts: 1, backoffStreak: 1, lastContainerId: 'gone', lastTerminated: terminated(1, 0) }) },
    expect: ['remove job/POD#1 PodCompleted grace=10'],
  },
  {
    name: 'a new spec starts at once without backoff (history of the old spec does not count)',
    desired: [web],
    observed: [],
    ctx: { history: history(web, { attempts: 5, backoffStreak: 5, lastHash: 'old', lastContainerId: 'gone', lastTerminated: terminated(1, 0) }) },
    expect: ['create web/main#6'],
  },
  {
    name: 'a missing image with a tag is pulled (IfNotPresent)',
    desired: [pod('app', {}, [{ image: 'registry.local:5000/app:2' }])],
    observed: [],
    expect: ['pull registry.local:5000/app:2'],
  },
  {
    name: 'one pull serves every container that needs the image',
    desired: [pod('a', {}, [{ image: 'app:2' }]), pod('b', {}, [{ image: 'app:2' }])],
    observed: [],
    expect: ['pull app:2'],
  },
  {
    name: 'a pull in progress: nothing to do until it finishes',
    desired: [pod('app', {}, [{ image: 'app:2' }])],
    observed: [],
    ctx: { pullsInProgress: new Set(['app:2']) },
    expect: [],
  },
  {
    name: ':latest (Always) is pulled even when present, once per attempt',
    desired: [pod('l', {}, [{ image: 'skiff-test/web:latest' }])],
    observed: [],
    ctx: { imagesPresent: new Set(['skiff-test/web:latest']) },
    expect: ['pull skiff-test/web:latest'],
  },
  {
    name: ':latest already pulled for this attempt is created',
    desired: [pod('l', {}, [{ image: 'skiff-test/web' }])],
    observed: [],
    ctx: { imagesPresent: new Set(['skiff-test/web:latest']), pulledAtMs: new Map([['skiff-test/web:latest', T0 - 5]]) },
    expect: ['create l/main#1'],
  },
  {
    name: 'imagePullPolicy Never with a missing image waits in ErrImageNeverPull',
    desired: [pod('n', {}, [{ image: 'absent:1', imagePullPolicy: 'Never' }])],
    observed: [],
    expect: ['wait main ErrImageNeverPull'],
  },
  {
    name: 'right after a first failed pull the container waits in ErrImagePull for 10 s',
    desired: [pod('p', {}, [{ image: 'absent:1' }])],
    observed: [],
    ctx: { pullFailures: new Map([['absent:1', { attempts: 1, lastFailureMs: T0 - 1000, reason: 'ErrImagePull', message: 'manifest unknown' }]]) },
    expect: ['wait main ErrImagePull +9000ms'],
  },
  {
    name: 'after further failed pulls it waits in ImagePullBackOff (20 s after the second)',
    desired: [pod('p', {}, [{ image: 'absent:1' }])],
    observed: [],
    ctx: { pullFailures: new Map([['absent:1', { attempts: 2, lastFailureMs: T0, reason: 'ErrImagePull', message: 'manifest unknown' }]]) },
    expect: ['wait main ImagePullBackOff +20000ms'],
  },
  {
    name: 'the pull is retried once its backoff has elapsed',
    desired: [pod('p', {}, [{ image: 'absent:1' }])],
    observed: [],
    ctx: { pullFailures: new Map([['absent:1', { attempts: 1, lastFailureMs: T0 - 10_000, reason: 'ErrImagePull', message: 'x' }]]) },
    expect: ['pull absent:1'],
  },
  {
    name: 'a failed create waits in CreateContainerError with backoff',
    desired: [web],
    observed: [],
    ctx: { createFailures: new Map([[containerKey(uidOf('web'), 'main'), { attempts: 1, lastFailureMs: T0, reason: 'CreateContainerError', message: 'port is already allocated' }]]) },
    expect: ['wait main CreateContainerError +10000ms'],
  },
  {
    name: 'a container being removed blocks its replacement until it is gone',
    desired: [web],
    observed: [observed(web, { id: 'busy', hash: 'stale' })],
    ctx: { removing: new Set(['busy']) },
    expect: [],
  },
  {
    name: 'a container without Skiff identity labels (but with our node label) is removed',
    desired: [],
    observed: [{ ...running, id: 'anon', labels: { 'skiff.node': 'node-a' } }],
    expect: ['remove anon Unrecognised grace=30'],
  },
  {
    name: 'containers of a multi-container pod are planned independently',
    desired: [pod('multi', {}, [{}, {}])],
    observed: [observed(pod('multi', {}, [{}, {}]), { container: 'main' })],
    expect: ['create multi/side1#1'],
  },
];

/** plan() with a running, current sandbox for every desired pod (as a steady node has them). */
function planWith(desired: DesiredPod[], observedList: ObservedContainer[], ctx: PlanContext): Step[] {
  return plan(desired, withSandboxes(desired, observedList), ctx);
}

t.test('plan() follows kubelet’s rules', async (t) => {
  for (const row of rows) {
    const observedList = row.exactObserved ? row.observed : withSandboxes(row.desired, row.observed);
    const steps = plan(row.desired, observedList, context(row.ctx));
    t.same(
      steps.map((s) => brief(s, observedList)),
      row.expect,
      row.name,
    );
  }
});

t.test('the CrashLoopBackOff wait says how long, for which container, as kubelet does', async (t) => {
  const [step] = planWith([web], [], context({ history: history(web, { attempts: 3, backoffStreak: 3, lastContainerId: 'gone', lastTerminated: terminated(1, 0) }) }));
  t.match(step, { kind: 'wait', reason: 'CrashLoopBackOff', message: `back-off 20s restarting failed container=main pod=web_default(${uidOf('web')})` });
});

t.test('the pull failure message is the engine’s', async (t) => {
  const ctx = context({ pullFailures: new Map([['absent:1', { attempts: 1, lastFailureMs: T0, reason: 'ErrImagePull', message: 'manifest for absent:1 not found' }]]) });
  const [step] = planWith([pod('p', {}, [{ image: 'absent:1' }])], [], ctx);
  t.match(step, { message: 'manifest for absent:1 not found' });
});

t.test('the create step carries the spec hash the container will be labelled with', async (t) => {
  const [step] = planWith([web], [], context());
  t.equal(step?.kind === 'create' && step.hash, specHash(web, web.spec.containers[0]!));
});

t.test('a container whose liveness or startup probe failed is stopped and recorded after the stop, then restarted', async (t) => {
  const live = pod('live', { terminationGracePeriodSeconds: 7 }, [{ livenessProbe: { exec: { command: ['true'] } } }]);
  const ownGrace = pod('own', {}, [{ startupProbe: { tcpSocket: { port: 80 }, terminationGracePeriodSeconds: 2 } }]);
  const running = observed(live, { id: 'sick', attempt: 2 });
  const unhealthy = new Map([['sick', { kind: 'liveness' as const, message: 'Container main failed liveness probe, will be restarted' }]]);
  const [step] = planWith([live], [running], context({ unhealthy }));
  t.match(step, {
    kind: 'remove',
    containerId: 'sick',
    reason: 'Unhealthy',
    graceSeconds: 7,
    killingMessage: 'Container main failed liveness probe, will be restarted',
    record: { key: containerKey(live.metadata.uid, 'main'), attempt: 2, killedByProbe: true },
  });
  t.equal(step?.kind === 'remove' && step.record?.terminated, undefined, 'how it ended is read from Docker after the stop');
  const [own] = planWith([ownGrace], [observed(ownGrace, { id: 'slow' })], context({ unhealthy: new Map([['slow', { kind: 'startup', message: 'm' }]]) }));
  t.match(own, { reason: 'Unhealthy', graceSeconds: 2 }, "the probe's terminationGracePeriodSeconds wins over the pod's");
  t.same(planWith([live], [running], context()), [], 'a healthy running container needs nothing');

  // After the kill: kubelet restarts a probe-killed container unless restartPolicy is Never, whatever its exit code.
  const killed = { attempts: 1, backoffStreak: 1, lastContainerId: 'gone', lastTerminated: terminated(0, 0), lastKilledByProbe: true };
  const onFailureLive = pod('of', { restartPolicy: 'OnFailure' }, [{ livenessProbe: { exec: { command: ['true'] } } }]);
  const neverLive = pod('nv', { restartPolicy: 'Never' }, [{ livenessProbe: { exec: { command: ['true'] } } }]);
  t.same(planWith([onFailureLive], [], context({ history: history(onFailureLive, killed) })).map((s) => s.kind), ['create'], 'OnFailure restarts it even after exit 0');
  const kinds = (steps: Step[]) => steps.map((s) => `${s.kind}${s.kind === 'remove' ? ` ${s.reason}` : ''}`);
  t.same(kinds(planWith([neverLive], [], context({ history: history(neverLive, killed) }))), ['remove PodCompleted'], 'Never does not (its sandbox goes)');
  t.same(kinds(planWith([onFailureLive], [], context({ history: history(onFailureLive, { ...killed, lastKilledByProbe: false }) }))), ['remove PodCompleted'], 'without the probe kill, exit 0 under OnFailure is final');
});

t.test('a graceful removal of a running container carries its preStop hook (from the label) and a Killing message', async (t) => {
  const hooked = pod('hooked', {}, [{ lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 1'] } } } }]);
  const base = observed(hooked, { id: 'h1', ip: '172.17.0.4' });
  const labelled = { ...base, labels: { ...base.labels, [LABELS.preStop]: JSON.stringify({ exec: { command: ['sh', '-c', 'sleep 1'] } }) } };
  const [step] = planWith([], [labelled], context());
  t.match(step, { reason: 'PodDeleted', preStop: { handler: { exec: { command: ['sh', '-c', 'sleep 1'] } }, podIp: '172.17.0.4' }, killingMessage: 'Stopping container main' });
  const exited = { ...labelled, state: 'exited' as const };
  const [gone] = planWith([], [exited], context());
  t.equal(gone?.kind === 'remove' && gone.preStop, undefined, 'no hook for a container that is not running');
  t.equal(gone?.kind === 'remove' && gone.killingMessage, undefined, 'and no Killing event');
  const garbled = { ...base, labels: { ...base.labels, [LABELS.preStop]: '{not json' } };
  const [plain] = planWith([], [garbled], context());
  t.equal(plain?.kind === 'remove' && plain.preStop, undefined, 'an unreadable hook label is ignored, the stop goes on');
});

t.test('one pull step names every pod container waiting for the image', async (t) => {
  const steps = planWith([pod('a', {}, [{ image: 'app:2' }]), pod('b', {}, [{ image: 'app:2' }])], [], context());
  t.equal(steps.length, 1);
  t.same(steps[0]?.kind === 'pull' && steps[0].requesters.map((r) => r.pod.metadata.name), ['a', 'b']);
});
