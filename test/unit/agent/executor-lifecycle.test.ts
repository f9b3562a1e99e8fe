/**
 * The executor's side of container health and events, over the in-memory engine: a probe-killed
 * container is stopped (preStop first), recorded with how it really ended and restarted; the
 * events kubelet would record come out once each (waits once per backoff period).
 */
import t from 'tap';
import { containerKey } from '../../../agent/reconcile/history.js';
import type { ProbeView } from '../../../agent/reconcile/loop.js';
import { LABELS } from '../../../agent/runtime/labels.js';
import type { Unhealthy } from '../../../agent/health/prober.js';
import { FakeClock, FakeDockerApi, pod, simulatedAgent } from './fixtures/builders.js';

/** Labels every container created from now on with this preStop hook, as container-spec.ts does from lifecycle.preStop. */
function withPreStopLabel(api: FakeDockerApi, hook: object): void {
  const create = api.createContainer.bind(api);
  api.createContainer = (body) => create({ ...body, Labels: { ...body.Labels, [LABELS.preStop]: JSON.stringify(hook) } });
}

function reasons(events: Array<{ reason: string; message: string }>): string[] {
  return events.map((e) => `${e.reason}: ${e.message}`);
}

t.test('a fresh pod: Pulled (already present), Created, Started, on the container', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now);
  const web = pod('web');
  const agent = simulatedAgent(api, clock, [web]);
  await agent.converge();
  t.same(reasons(agent.events), ['Pulled: Container image "skiff-test/web:1" already present on machine', 'Created: Created container main', 'Started: Started container main']);
  t.match(agent.events[0], { type: 'Normal', involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: web.metadata.uid, fieldPath: 'spec.containers{main}' } });
});

t.test('a pulled image: Pulling, Pulled with the time, then no "already present"', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now, []);
  const agent = simulatedAgent(api, clock, [pod('a', {}, [{ image: 'skiff-test/web:1' }])]);
  await agent.converge();
  t.match(reasons(agent.events), [/^Pulling: Pulling image "skiff-test\/web:1"$/, /^Pulled: Successfully pulled image "skiff-test\/web:1" in [\d.]+s/, 'Created: Created container main', 'Started: Started container main']);
});

t.test('a failing pull: Failed twice (the engine message, then ErrImagePull), and one BackOff per backoff period', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now, []);
  api.pullErrors.set('absent:1', 'manifest for absent:1 not found');
  const agent = simulatedAgent(api, clock, [pod('p', {}, [{ image: 'absent:1' }])]);
  for (let i = 0; i < 6; i++) {
    await agent.loop.pass();
    await agent.loop.pass(); // the same wait planned again: no new event
    clock.advance(10_000);
  }
  const failed = agent.events.filter((e) => e.reason === 'Failed');
  t.ok(failed.some((e) => e.message === 'Failed to pull image "absent:1": manifest for absent:1 not found'));
  t.ok(failed.some((e) => e.message === 'Error: ErrImagePull'));
  const backoffs = agent.events.filter((e) => e.reason === 'BackOff');
  t.ok(backoffs.length >= 1, 'BackOff recorded');
  t.ok(backoffs.every((e) => e.message === 'Back-off pulling image "absent:1"'));
  const waitsPlanned = agent.settled.length;
  t.ok(backoffs.length < 6, `not once per pass (${backoffs.length} events, ${waitsPlanned} settled passes)`);
});

t.test('a crash loop: one BackOff warning per restart delay, kubelet’s message', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now);
  api.onStart = (c) => queueMicrotask(() => api.exit(c.id, 1));
  const web = pod('web');
  const agent = simulatedAgent(api, clock, [web]);
  await agent.converge(12);
  const backoffs = agent.events.filter((e) => e.reason === 'BackOff');
  t.ok(backoffs.length >= 2);
  t.equal(backoffs[0]!.type, 'Warning');
  t.equal(backoffs[0]!.message, `Back-off restarting failed container main in pod web_default(${web.metadata.uid})`);
  const starts = agent.events.filter((e) => e.reason === 'Started').length;
  t.ok(backoffs.length <= starts, 'at most one per attempt');
});

t.test('a liveness failure: Killing event, preStop run first, termination read from Docker, restarted as attempt 2', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now);
  const web = pod('web', { restartPolicy: 'OnFailure' }, [{ livenessProbe: { httpGet: { port: 80 } } }]);
  const unhealthy = new Map<string, Unhealthy>();
  const probes: ProbeView = { unhealthy: () => unhealthy, results: () => new Map() };
  const agent = simulatedAgent(api, clock, [web], { probes });
  withPreStopLabel(api, { exec: { command: ['/bin/drain'] } });
  await agent.converge();
  const [first] = api.of(web);
  api.stopContainer = async (id) => {
    api.calls.push('stop');
    api.exit(id, 0); // a well-behaved server exits 0 on SIGTERM
  };
  unhealthy.set(first!.id, { kind: 'liveness', message: 'Container main failed liveness probe, will be restarted' });
  await agent.loop.pass();
  unhealthy.clear(); // the prober forgets a container once it is gone
  await agent.converge(); // drains the stop started above (that pass has nothing else to do)
  const { last } = await agent.converge();
  t.same(api.execs.map((e) => e.command), [['/bin/drain']], 'the preStop hook ran');
  t.ok(api.calls.indexOf('exec /bin/drain') < api.calls.lastIndexOf('stop'), 'before the stop');
  t.match(reasons(agent.events), ['Pulled: Container image "skiff-test/web:1" already present on machine', 'Created: Created container main', 'Started: Started container main', 'Killing: Container main failed liveness probe, will be restarted']);
  const [second] = api.of(web);
  t.equal(second?.labels[LABELS.attempt], '2', 'restarted although it exited 0 under OnFailure');
  const history = agent.store.history().get(containerKey(web.metadata.uid, 'main'));
  t.match(history, { attempts: 2, lastTerminated: { exitCode: 0, reason: 'Completed', containerID: `docker://${first!.id}` } });
  t.equal(history?.lastKilledByProbe, true, 'remembered with the termination it describes');
  t.ok(last.steps.every((s) => s.kind === 'wait'));
});

t.test('a failing preStop hook is reported and the stop goes on', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now);
  const web = pod('web');
  const agent = simulatedAgent(api, clock, [web]);
  withPreStopLabel(api, { exec: { command: ['false'] } });
  await agent.converge();
  api.execResults.set('false', { exitCode: 1, output: 'no\n' });
  agent.setDesired([]);
  await agent.converge();
  t.equal(api.of(web).length, 0, 'removed');
  t.match(agent.events.find((e) => e.reason === 'FailedPreStopHook'), { type: 'Warning', message: /PreStopHook failed: command "false" failed: no/ });
  t.ok(agent.events.some((e) => e.reason === 'Killing' && e.message === 'Stopping container main'));
});
