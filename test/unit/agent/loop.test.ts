/**
 * The reconcile loop with the real executor and observer over an in-memory engine and a fake
 * clock: restarts, backoff timing, failures surfacing as waiting reasons, and the run/trigger/stop
 * life cycle.
 */
import t from 'tap';
import { containerKey } from '../../../agent/reconcile/history.js';
import { computePodStatus } from '../../../agent/report/pod-status.js';
import type { WaitStep } from '../../../agent/reconcile/steps.js';
import { FakeClock, FakeDockerApi, PAUSE_IMAGE, pod, simulatedAgent, T0 } from './fixtures/builders.js';

function statusOf(agent: ReturnType<typeof simulatedAgent>, api: FakeDockerApi, p: ReturnType<typeof pod>, waits: WaitStep[] = []) {
  return computePodStatus({
    pod: p,
    containers: [...api.containers.values()].filter((c) => c.labels['skiff.pod.uid'] === p.metadata.uid),
    history: agent.store.history(),
    waits: new Map(waits.map((w) => [w.key, w])),
    hostIP: '10.0.0.5',
    nowIso: new Date(T0).toISOString(),
    observedGeneration: 1,
  });
}

t.test('a container removed behind the agent’s back is recreated at once and counts as a restart', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now);
  const web = pod('web');
  const agent = simulatedAgent(api, clock, [web]);
  await agent.converge();
  const [first] = api.of(web);
  api.containers.delete(first!.id); // docker rm -f
  const { passes } = await agent.converge();
  t.equal(passes, 3, 'record, create, settled');
  const [second] = api.of(web);
  t.equal(second?.labels['skiff.container.attempt'], '2');
  const status = statusOf(agent, api, web).containerStatuses![0]!;
  t.equal(status.restartCount, 1);
  t.match(status.lastState, { terminated: { reason: 'ContainerStatusUnknown', exitCode: 137, containerID: `docker://${first!.id}` } });
  t.ok(status.state.running);
});

t.test('a crash-looping container restarts at once, then after 10 s, 20 s, 40 s ...', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now);
  api.onStart = (c) => queueMicrotask(() => api.exit(c.id, 1)); // dies right after starting
  const web = pod('web');
  const agent = simulatedAgent(api, clock, [web]);
  const creates: number[] = [];
  const before = api.createContainer.bind(api);
  api.createContainer = async (body) => {
    if (!body.name?.startsWith('skiff_POD_')) creates.push(clock.ms - T0); // the pod's containers, not its sandbox
    return before(body);
  };
  await agent.converge(40);
  const gaps = creates.slice(1).map((ms, i) => ms - creates[i]!);
  t.same(gaps.slice(0, 6), [0, 10_000, 20_000, 40_000, 80_000, 160_000], 'kubelet’s backoff: 0, 10 s, doubling');
  t.ok(gaps.slice(6).every((g) => g === 300_000), 'capped at 5 min');
});

t.test('the backoff resets after a container ran for 10 minutes', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now);
  const web = pod('web');
  const agent = simulatedAgent(api, clock, [web]);
  await agent.converge();
  // Two quick crashes: the next restart would wait 10 s.
  for (let i = 0; i < 2; i++) {
    api.exit(api.of(web)[0]!.id, 1);
    await agent.converge();
  }
  t.equal(agent.store.history().get(containerKey(web.metadata.uid, 'main'))?.backoffStreak, 2);
  // Now it runs for 10 minutes, then crashes: restarted at once.
  clock.advance(600_000);
  api.exit(api.of(web)[0]!.id, 1);
  const { last } = await agent.loop.pass().then(async () => agent.loop.pass().then((r) => ({ last: r.result })));
  t.notOk(last.steps.some((s) => s.kind === 'wait'), 'no CrashLoopBackOff after a long run');
  t.equal(agent.store.history().get(containerKey(web.metadata.uid, 'main'))?.backoffStreak, 1);
});

t.test('a failing start shows RunContainerError with the engine’s message and is retried after backoff', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now);
  api.startError = 'driver failed programming external connectivity: port is already allocated';
  const web = pod('web');
  const agent = simulatedAgent(api, clock, [web]);
  await agent.converge(1); // the sandbox starts
  await agent.converge(1); // the container's start fails
  t.equal(api.of(web).length, 0, 'the half-made container is removed');
  const { result } = await agent.loop.pass();
  const wait = result.steps.find((s): s is WaitStep => s.kind === 'wait');
  t.match(wait, { reason: 'RunContainerError', message: /port is already allocated/, untilMs: T0 + 10_000 });
  t.match(statusOf(agent, api, web, [wait!]).containerStatuses![0]!.state, { waiting: { reason: 'RunContainerError' } });
  api.startError = undefined;
  await agent.converge();
  t.equal(api.of(web).length, 1);
  t.equal(api.of(web)[0]!.state, 'running');
  t.equal(agent.failures.createFailures.size, 0, 'the failure is forgotten once it works');
});

t.test('a failing pull shows ErrImagePull, then ImagePullBackOff, with the engine’s message; success creates', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now, [PAUSE_IMAGE]);
  api.pullErrors.set('registry.local:5000/app:1', 'manifest for registry.local:5000/app:1 not found');
  const app = pod('app', {}, [{ image: 'registry.local:5000/app:1' }]);
  const agent = simulatedAgent(api, clock, [app]);
  /** One pass with its background work drained; returns its wait, if any. */
  const step = async (): Promise<WaitStep | undefined> => {
    const { last } = await agent.converge(1);
    return last.steps.find((s): s is WaitStep => s.kind === 'wait');
  };
  t.equal(await step(), undefined, 'pass 1 pulls');
  t.match(await step(), { reason: 'ErrImagePull', message: 'manifest for registry.local:5000/app:1 not found', untilMs: T0 + 10_000 });
  clock.ms = T0 + 10_000;
  t.equal(await step(), undefined, 'retried after 10 s');
  t.match(await step(), { reason: 'ImagePullBackOff', message: /not found/, untilMs: T0 + 30_000 });
  api.pullErrors.clear();
  clock.ms = T0 + 30_000;
  await step(); // pulls
  await step(); // starts the sandbox
  await step(); // starts the container
  t.equal(api.calls.filter((c) => c.startsWith('pull')).length, 3);
  t.equal(api.of(app)[0]?.state, 'running', 'created once the pull works');
});

t.test('run(): a trigger wakes the sleeping loop, and stop() ends it', async (t) => {
  const clock = { now: Date.now };
  const api = new FakeDockerApi(clock.now);
  const agent = simulatedAgent(api, clock as unknown as FakeClock);
  agent.loop.start();
  await new Promise((r) => setTimeout(r, 50));
  const settledBefore = agent.settled.length;
  t.ok(settledBefore >= 1, 'settled once at start');
  agent.setDesired([pod('web')]);
  agent.loop.trigger();
  const deadline = Date.now() + 2000;
  while (api.of(pod('web')).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.equal(api.of(pod('web')).length, 1, 'the trigger made it act well before the 5 s resync');
  await agent.loop.stop();
  t.pass('stopped');
});

t.test('a pass that fails (Docker down) does not crash the loop', async (t) => {
  const api = new FakeDockerApi(Date.now);
  const agent = simulatedAgent(api, { now: Date.now } as unknown as FakeClock, [pod('web')]);
  let failing = true;
  const list = api.listContainers.bind(api);
  api.listContainers = async (f) => {
    if (failing) throw new Error('connect ENOENT /var/run/docker.sock');
    return list(f);
  };
  agent.loop.start();
  await new Promise((r) => setTimeout(r, 100));
  failing = false;
  const deadline = Date.now() + 3000;
  while (api.of(pod('web')).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.equal(api.of(pod('web')).length, 1, 'recovered once Docker answered');
  await agent.loop.stop();
});
