import t from 'tap';
import type { ContainerStatus } from '../../../shared/api/status-types.js';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { containerKey, type ContainerHistory } from '../../../agent/reconcile/history.js';
import { specHash } from '../../../agent/reconcile/spec-hash.js';
import type { WaitStep } from '../../../agent/reconcile/steps.js';
import { computePodStatus, podPhase, type PodStatusInput } from '../../../agent/report/pod-status.js';
import type { ObservedContainer } from '../../../agent/runtime/observe.js';
import { observed, pod, T0 } from './fixtures/builders.js';

const NOW = new Date(T0).toISOString();

function input(p: DesiredPod, containers: ObservedContainer[], extra: Partial<PodStatusInput> = {}): PodStatusInput {
  return { pod: p, containers, history: new Map(), waits: new Map(), hostIP: '10.0.0.5', nowIso: NOW, observedGeneration: 7, ...extra };
}

function historyOf(p: DesiredPod, h: Partial<ContainerHistory>): Map<string, ContainerHistory> {
  return new Map([[containerKey(p.metadata.uid, 'main'), { attempts: 1, backoffStreak: 1, lastHash: specHash(p, p.spec.containers[0]!), ...h }]]);
}

function waitFor(p: DesiredPod, reason: WaitStep['reason'], message?: string): Map<string, WaitStep> {
  const key = containerKey(p.metadata.uid, 'main');
  return new Map([[key, { kind: 'wait', key, ref: { pod: p, container: p.spec.containers[0]!, key }, reason, ...(message ? { message } : {}) }]]);
}

const web = pod('web');
const ended = { exitCode: 1, reason: 'Error', finishedAt: NOW, containerID: 'docker://old' };

t.test('phase per kubelet’s getPhase', async (t) => {
  const running: ContainerStatus = { name: 'a', state: { running: {} }, lastState: {}, ready: true, restartCount: 0, image: 'i', imageID: '' };
  const waiting: ContainerStatus = { ...running, state: { waiting: { reason: 'ContainerCreating' } }, ready: false };
  const restarting: ContainerStatus = { ...waiting, lastState: { terminated: { exitCode: 1 } } };
  const ok: ContainerStatus = { ...running, state: { terminated: { exitCode: 0 } }, ready: false };
  const failed: ContainerStatus = { ...running, state: { terminated: { exitCode: 1 } }, ready: false };
  const table: Array<[string, DesiredPod['spec']['restartPolicy'], ContainerStatus[], string]> = [
    ['not started yet', undefined, [waiting], 'Pending'],
    ['one running, one not started yet', undefined, [running, waiting], 'Pending'],
    ['all running', 'Always', [running, running], 'Running'],
    ['running and restarting', 'Always', [running, restarting], 'Running'],
    ['restarting under Always', 'Always', [restarting], 'Running'],
    ['exited 0 under Always (about to restart)', 'Always', [ok], 'Running'],
    ['all succeeded under Never', 'Never', [ok, ok], 'Succeeded'],
    ['one failed under Never', 'Never', [ok, failed], 'Failed'],
    ['succeeded under OnFailure', 'OnFailure', [ok], 'Succeeded'],
    ['failed under OnFailure (restarting)', 'OnFailure', [failed], 'Running'],
    ['one still running under Never', 'Never', [running, ok], 'Running'],
  ];
  for (const [name, policy, statuses, phase] of table) t.equal(podPhase(policy, statuses), phase, name);
});

t.test('a pod whose container is not created yet is Pending, ContainerCreating, not ready', async (t) => {
  const status = computePodStatus(input(web, []));
  t.equal(status.phase, 'Pending');
  t.match(status.containerStatuses![0], { name: 'main', state: { waiting: { reason: 'ContainerCreating' } }, ready: false, restartCount: 0, started: false });
  t.match(status.conditions!.find((c) => c.type === 'Ready'), { status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [main]' });
  t.match(status.conditions!.find((c) => c.type === 'PodScheduled'), { status: 'True' });
  t.equal(status.observedGeneration, 7);
  t.equal(status.hostIP, '10.0.0.5');
  t.notOk(status.podIP);
});

t.test('a running container makes the pod Running and Ready, with IDs, IP and restartCount = attempts - 1', async (t) => {
  const c = observed(web, { attempt: 3 });
  const status = computePodStatus(input(web, [c], { podIP: '172.17.0.7' }));
  t.equal(status.phase, 'Running');
  t.equal(status.podIP, '172.17.0.7');
  t.match(status.containerStatuses![0], {
    state: { running: { startedAt: c.startedAt } },
    ready: true,
    started: true,
    restartCount: 2,
    containerID: `docker://${c.id}`,
    imageID: 'docker://sha256:feedbeef',
    image: 'skiff-test/web:1',
  });
  for (const type of ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled']) t.match(status.conditions!.find((x) => x.type === type), { status: 'True' }, type);
  t.equal(status.startTime, new Date(c.createdMs).toISOString(), 'startTime from the earliest container when nothing was reported before');
});

t.test('waiting reasons from the plan show with their message and the last termination', async (t) => {
  const table: Array<[WaitStep['reason'], string]> = [
    ['CrashLoopBackOff', 'back-off 10s restarting failed container=main pod=web_default(uid)'],
    ['ErrImagePull', 'manifest unknown'],
    ['ImagePullBackOff', 'manifest unknown'],
    ['ErrImageNeverPull', 'Container image "x" is not present with pull policy of Never'],
    ['CreateContainerError', 'port is already allocated'],
  ];
  for (const [reason, message] of table) {
    const status = computePodStatus(input(web, [], { waits: waitFor(web, reason, message), history: historyOf(web, { attempts: 2, lastContainerId: 'old', lastTerminated: ended }) }));
    t.match(status.containerStatuses![0], { state: { waiting: { reason, message } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } }, restartCount: 1 }, reason);
    t.equal(status.phase, 'Running', `${reason}: restarting under Always is Running`);
  }
  const first = computePodStatus(input(web, [], { waits: waitFor(web, 'ErrImagePull', 'no such host') }));
  t.equal(first.phase, 'Pending', 'never started: Pending');
});

t.test('restartPolicy Never: an exited container makes the pod Succeeded or Failed', async (t) => {
  const job = pod('job', { restartPolicy: 'Never' });
  const ok = computePodStatus(input(job, [observed(job, { state: 'exited', exitCode: 0 })]));
  t.equal(ok.phase, 'Succeeded');
  t.match(ok.containerStatuses![0]!.state, { terminated: { exitCode: 0, reason: 'Completed' } });
  t.match(ok.conditions!.find((c) => c.type === 'Ready'), { status: 'False', reason: 'PodCompleted' });
  const bad = computePodStatus(input(job, [observed(job, { state: 'exited', exitCode: 3 })]));
  t.equal(bad.phase, 'Failed');
  t.match(bad.containerStatuses![0]!.state, { terminated: { exitCode: 3, reason: 'Error' } });
  const oom = computePodStatus(input(job, [observed(job, { state: 'exited', exitCode: 137, oomKilled: true })]));
  t.match(oom.containerStatuses![0]!.state, { terminated: { reason: 'OOMKilled' } });
});

t.test('the QoS class travels in the reported status', async (t) => {
  t.equal(computePodStatus(input(web, [])).qosClass, 'BestEffort');
  const limited = pod('limited', {}, [{ resources: { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '1', memory: '64Mi' } } }]);
  t.equal(computePodStatus(input(limited, [])).qosClass, 'Guaranteed');
});

t.test('a vanished container shows as ContainerStatusUnknown until recorded, and counts', async (t) => {
  const status = computePodStatus(input(web, [], { history: historyOf(web, { attempts: 1, lastContainerId: 'gone', lastStartedAtMs: T0 - 5000 }) }));
  t.match(status.containerStatuses![0], {
    state: { waiting: { reason: 'ContainerCreating' } },
    lastState: { terminated: { reason: 'ContainerStatusUnknown', exitCode: 137, containerID: 'docker://gone' } },
    restartCount: 0,
  });
  const job = pod('job', { restartPolicy: 'Never' });
  const never = computePodStatus(input(job, [], { history: historyOf(job, { attempts: 1, lastContainerId: 'gone' }) }));
  t.match(never.containerStatuses![0]!.state, { terminated: { reason: 'ContainerStatusUnknown' } }, 'under Never it is final');
  t.equal(never.phase, 'Failed');
});

t.test('lastTransitionTime and startTime stay stable across reports while nothing changes', async (t) => {
  const earlier = '2029-12-31T23:00:00.000Z';
  const first = computePodStatus(input(web, [observed(web)], { nowIso: earlier }));
  const again = computePodStatus(input(web, [observed(web)], { previous: first }));
  t.same(again.conditions, first.conditions, 'same conditions, same times');
  t.equal(again.startTime, first.startTime);
  const flipped = computePodStatus(input(web, [], { previous: first }));
  t.match(flipped.conditions!.find((c) => c.type === 'Ready'), { status: 'False', lastTransitionTime: NOW });
  t.match(flipped.conditions!.find((c) => c.type === 'PodScheduled'), { status: 'True', lastTransitionTime: earlier });
});

t.test('a multi-container pod is ready only when every container runs', async (t) => {
  const two = pod('two', {}, [{}, {}]);
  const status = computePodStatus(input(two, [observed(two, { container: 'side1' })], { podIP: '172.17.0.3' }));
  t.equal(status.phase, 'Pending');
  t.match(status.conditions!.find((c) => c.type === 'ContainersReady'), { status: 'False', message: 'containers with unready status: [main]' });
  t.equal(status.podIP, '172.17.0.3', 'the pod IP is its sandbox address, whichever containers run');
});

t.test('a finished pod keeps the IP it had once its sandbox is gone; a running one without a sandbox has none', async (t) => {
  const job = pod('job', { restartPolicy: 'Never' });
  const done = observed(job, { state: 'exited', exitCode: 0 });
  const previous = computePodStatus(input(job, [observed(job)], { podIP: '172.17.0.8' }));
  t.equal(computePodStatus(input(job, [done], { previous })).podIP, '172.17.0.8', 'Succeeded: kept');
  t.notOk(computePodStatus(input(web, [observed(web)], { previous })).podIP, 'Running without a sandbox: none');
});

t.test('lastState stays the attempt before while the ended one is recorded but not yet removed', async (t) => {
  const ended = observed(web, { id: 'third', state: 'exited', exitCode: 1, attempt: 3 });
  const previous = { exitCode: 1, reason: 'Error', finishedAt: NOW, containerID: 'docker://second' };
  const recorded = { exitCode: 1, reason: 'Error', finishedAt: NOW, containerID: 'docker://third' };
  const hash = specHash(web, web.spec.containers[0]!);
  const key = containerKey(web.metadata.uid, 'main');
  const before: ContainerHistory = { attempts: 3, backoffStreak: 2, lastHash: hash, lastContainerId: 'third', lastTerminated: previous };
  const after: ContainerHistory = { ...before, lastTerminated: recorded, previousTerminated: previous };
  for (const [when, history] of [['before the record', before], ['after the record', after]] as const) {
    const status = computePodStatus(input(web, [ended], { history: new Map([[key, history]]) })).containerStatuses![0]!;
    t.equal(status.state.terminated?.containerID, 'docker://third', `${when}: state is the ended attempt`);
    t.equal(status.lastState.terminated?.containerID, 'docker://second', `${when}: lastState the one before it`);
  }
});

t.test('probe results decide ready and started', async (t) => {
  const probed = pod('probed', {}, [{ readinessProbe: { tcpSocket: { port: 80 } }, startupProbe: { tcpSocket: { port: 80 } } }]);
  const c = observed(probed, { id: 'p1' });
  const statusWith = (results?: { startup: 'success' | 'failure' | 'unknown'; readiness: 'success' | 'failure' | 'unknown' }) =>
    computePodStatus(input(probed, [c], results ? { probeResults: new Map([['p1', results]]) } : {}));
  const none = statusWith();
  t.match(none.containerStatuses![0], { ready: false, started: false }, 'no results yet: neither started nor ready');
  t.match(statusWith({ startup: 'success', readiness: 'failure' }).containerStatuses![0], { ready: false, started: true });
  const ready = statusWith({ startup: 'success', readiness: 'success' });
  t.match(ready.containerStatuses![0], { ready: true, started: true });
  t.equal(ready.conditions!.find((x) => x.type === 'Ready')!.status, 'True');
  t.equal(none.conditions!.find((x) => x.type === 'Ready')!.message, 'containers with unready status: [main]');
  t.equal(none.phase, 'Running', 'running but not ready');
});
