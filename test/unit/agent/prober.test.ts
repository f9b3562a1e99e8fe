import t from 'tap';
import type { Container, Probe } from '../../../shared/api/schema/pod.js';
import type { DesiredPod, NodeEvent } from '../../../shared/mqtt/messages.js';
import type { ExecResult } from '../../../agent/runtime/docker-api.js';
import { Prober, type ProbedContainer } from '../../../agent/health/prober.js';
import { waitFor } from '../../helpers/wait.js';
import { pod, silentLog, uidOf } from './fixtures/builders.js';
import { byPath, capturingLogger, startHttpServer } from './fixtures/local-servers.js';

/**
 * The prober on real timers with periodSeconds 1 and a fake exec whose answers each test sets
 * per command. Waits poll for a condition with a deadline; nothing asserts on elapsed time.
 */

type Answer = ExecResult | Error | (() => Promise<ExecResult>);

const OK: ExecResult = { exitCode: 0, output: '' };
const fail = (output: string): ExecResult => ({ exitCode: 1, output });

function harness(options: { onResult?: () => void; log?: ReturnType<typeof capturingLogger>['log'] } = {}) {
  const answers = new Map<string, Answer>();
  const execs: Array<{ id: string; command: string; timeoutMs: number }> = [];
  const events: NodeEvent[] = [];
  let resultCalls = 0;
  const prober = new Prober({
    exec: async (id, command, timeoutMs) => {
      const key = command.join(' ');
      execs.push({ id, command: key, timeoutMs });
      const answer = answers.get(key) ?? OK;
      if (answer instanceof Error) throw answer;
      return typeof answer === 'function' ? answer() : answer;
    },
    now: () => Date.now(),
    onResult: () => {
      resultCalls++;
      options.onResult?.();
    },
    onEvent: (e) => events.push(e),
    log: options.log ?? silentLog,
  });
  return {
    prober,
    answers,
    execs,
    events,
    resultCalls: () => resultCalls,
    /** exec calls of one command (optionally of one container). */
    count: (command: string, id?: string) => execs.filter((e) => e.command === command && (id === undefined || e.id === id)).length,
    results: (id: string) => prober.results().get(id),
  };
}

function execProbe(command: string, extra: Partial<Probe> = {}): Probe {
  return { exec: { command: command.split(' ') }, periodSeconds: 1, ...extra };
}

function webPod(probes: Partial<Container>): DesiredPod {
  return pod('web', {}, [{ name: 'web', ...probes }]);
}

function probed(p: DesiredPod, id: string, startedAtMs = Date.now() - 60_000, ip = '127.0.0.1'): ProbedContainer {
  return { id, pod: p, spec: p.spec.containers[0]!, ip, startedAtMs };
}

const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 4000) => waitFor(what, probe, { timeoutMs, intervalMs: 10 });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('readiness starts as failure, flips on the first success and back after failureThreshold failures', async (t) => {
  const h = harness();
  t.teardown(() => h.prober.stop());
  const p = webPod({ readinessProbe: execProbe('ready', { failureThreshold: 2 }) });
  h.prober.sync([probed(p, 'c1')]);
  t.same(h.results('c1'), { startup: 'success', readiness: 'failure' }, 'not ready until proven');

  await until('ready', () => h.results('c1')?.readiness === 'success');
  t.equal(h.resultCalls(), 1, 'onResult on the flip');
  t.equal(h.events.length, 0, 'no event for a success');

  h.answers.set('ready', fail('not ready yet\n'));
  await until('unready', () => h.results('c1')?.readiness === 'failure');
  t.equal(h.resultCalls(), 2, 'onResult on the flip back, not per probe');
  t.equal(h.events.length, 2, 'one Unhealthy event per failed attempt: the first failure did not flip yet');
  const event = h.events[0]!;
  t.same(event, {
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: uidOf('web'), fieldPath: 'spec.containers{web}' },
    type: 'Warning',
    reason: 'Unhealthy',
    message: 'Readiness probe failed: not ready yet',
    timestamp: event.timestamp,
  });
  t.ok(!Number.isNaN(Date.parse(event.timestamp)), 'an ISO timestamp');
  t.same(new Set(h.execs.map((e) => e.timeoutMs)), new Set([1000]), 'the default 1 s timeout reaches exec');
  t.same(new Set(h.execs.map((e) => e.id)), new Set(['c1']), 'exec runs in the probed container');
});

t.test('liveness failing failureThreshold times marks the container unhealthy and stops probing it', async (t) => {
  const h = harness();
  t.teardown(() => h.prober.stop());
  h.answers.set('alive', fail('dead'));
  const p = webPod({ livenessProbe: execProbe('alive', { failureThreshold: 2 }) });
  h.prober.sync([probed(p, 'c1')]);
  t.same(h.results('c1'), { startup: 'success', readiness: 'success' }, 'liveness does not gate readiness');
  t.equal(h.prober.unhealthy().size, 0);

  await until('unhealthy', () => h.prober.unhealthy().has('c1'));
  t.same(h.prober.unhealthy().get('c1'), { kind: 'liveness', message: 'Container web failed liveness probe, will be restarted' });
  t.equal(h.count('alive'), 2, 'exactly failureThreshold attempts');
  t.same(
    h.events.map((e) => e.message),
    ['Liveness probe failed: dead', 'Liveness probe failed: dead'],
  );
  t.equal(h.resultCalls(), 1);

  await pause(1300); // longer than a period
  t.equal(h.count('alive'), 2, 'on hold: not probed again');
});

t.test('a startup probe gates liveness and readiness; on success they run at once and startup stops', async (t) => {
  const h = harness();
  t.teardown(() => h.prober.stop());
  h.answers.set('started', fail('starting'));
  // Long periods for liveness and readiness: only the kick can make them run soon.
  const p = webPod({
    startupProbe: execProbe('started', { failureThreshold: 10 }),
    livenessProbe: execProbe('alive', { periodSeconds: 60 }),
    readinessProbe: execProbe('ready', { periodSeconds: 60 }),
  });
  h.prober.sync([probed(p, 'c1')]);
  await until('a first startup attempt', () => h.count('started') >= 1);
  t.same(h.results('c1'), { startup: 'unknown', readiness: 'failure' });
  t.equal(h.count('alive') + h.count('ready'), 0, 'nothing else runs before startup succeeds');

  h.answers.set('started', OK);
  await until('ready after startup', () => h.results('c1')?.readiness === 'success');
  t.same(h.results('c1'), { startup: 'success', readiness: 'success' });
  const firstOther = h.execs.findIndex((e) => e.command !== 'started');
  t.equal(h.execs.slice(0, firstOther).filter((e) => e.command === 'started').length, 2, 'liveness/readiness only after the successful startup attempt');
  await until('liveness kicked too', () => h.count('alive') === 1);

  const startupCalls = h.count('started');
  await pause(1300);
  t.equal(h.count('started'), startupCalls, 'startup is not probed once it succeeded');
  t.equal(h.count('alive'), 1, 'liveness waits for its own period');
  t.equal(h.prober.unhealthy().size, 0);
});

t.test('a failing startup probe marks the container unhealthy; liveness never ran', async (t) => {
  const h = harness();
  t.teardown(() => h.prober.stop());
  h.answers.set('started', fail('nope'));
  const p = webPod({ startupProbe: execProbe('started', { failureThreshold: 1 }), livenessProbe: execProbe('alive') });
  h.prober.sync([probed(p, 'c1')]);
  await until('unhealthy', () => h.prober.unhealthy().get('c1'));
  t.same(h.prober.unhealthy().get('c1'), { kind: 'startup', message: 'Container web failed startup probe, will be restarted' });
  t.same(h.results('c1'), { startup: 'failure', readiness: 'success' });
  t.same(h.events.map((e) => e.message), ['Startup probe failed: nope']);
  t.equal(h.count('alive'), 0);
});

t.test('initialDelaySeconds counts from the container’s start, not from when the prober saw it', async (t) => {
  const h = harness();
  t.teardown(() => h.prober.stop());
  const delayed = (command: string) => webPod({ readinessProbe: execProbe(command, { initialDelaySeconds: 30 }) });
  const now = Date.now();
  h.prober.sync([
    probed(delayed('old'), 'long-ago', now - 60_000), // delay long over: probed at once
    probed(delayed('almost'), 'almost', now - 29_500), // delay ends in half a second
    probed(delayed('fresh'), 'fresh', now), // 30 s to go
  ]);
  await until('the long-running container probed', () => h.count('old') >= 1, 2000);
  await until('the almost-due container probed', () => h.count('almost') >= 1, 3000);
  t.equal(h.count('fresh'), 0, 'a fresh container waits out its delay');
  t.equal(h.results('fresh')?.readiness, 'failure', 'and is not ready meanwhile');
});

t.test('sync keeps running workers, stops those of gone containers and starts fresh ones for a new id', async (t) => {
  const h = harness();
  t.teardown(() => h.prober.stop());
  h.answers.set('alive', fail('dead'));
  const p = webPod({ readinessProbe: execProbe('ready'), livenessProbe: execProbe('alive', { failureThreshold: 1 }) });
  const first = probed(p, 'c1');
  h.prober.sync([first]);
  await until('c1 ready and unhealthy', () => h.results('c1')?.readiness === 'success' && h.prober.unhealthy().has('c1'));

  h.prober.sync([first]);
  t.equal(h.results('c1')?.readiness, 'success', 'a second sync with the same container keeps its results');
  t.ok(h.prober.unhealthy().has('c1'));

  // The container was restarted: Docker gives it a new id.
  h.answers.set('alive', OK);
  h.prober.sync([probed(p, 'c2', Date.now())]);
  t.same([...h.prober.results().keys()], ['c2'], 'the old container’s workers are gone');
  t.notOk(h.prober.unhealthy().has('c1'), 'its unhealthy mark is dropped');
  t.same(h.results('c2'), { startup: 'success', readiness: 'failure' }, 'fresh results for the new container');
  await until('c2 ready', () => h.results('c2')?.readiness === 'success');

  const c1Calls = h.execs.filter((e) => e.id === 'c1').length;
  h.prober.sync([]);
  t.equal(h.prober.results().size, 0);
  await pause(1300);
  t.equal(h.execs.filter((e) => e.id === 'c1').length, c1Calls, 'no exec in the gone container');
  t.equal(h.count('ready', 'c2'), 1, 'none in the stopped one either');
});

t.test('stop() stops every worker', async (t) => {
  const h = harness();
  const p = webPod({ readinessProbe: execProbe('ready'), livenessProbe: execProbe('alive') });
  h.prober.sync([probed(p, 'c1'), probed(pod('db', {}, [{ name: 'db', livenessProbe: execProbe('db-alive') }]), 'd1')]);
  await until('first probes', () => h.count('ready') === 1 && h.count('alive') === 1 && h.count('db-alive') === 1);
  h.prober.stop();
  t.equal(h.prober.results().size, 0);
  const calls = h.execs.length;
  await pause(1300);
  t.equal(h.execs.length, calls, 'no exec after stop()');
});

t.test('an exec that could not run changes no result; kubelet records it as "errored" and throws it away', async (t) => {
  // prober.go probe(): err != nil -> event "<Kind> probe errored and resulted in unknown state: <err>";
  // worker.go doProbe: "Prober error, throw away the result".
  const h = harness();
  t.teardown(() => h.prober.stop());
  h.answers.set('ready', new Error('container c1 is not running'));
  h.answers.set('alive', new Error('container c1 is not running'));
  const p = webPod({ readinessProbe: execProbe('ready', { failureThreshold: 1 }), livenessProbe: execProbe('alive', { failureThreshold: 1 }) });
  h.prober.sync([probed(p, 'c1')]);
  await until('two rounds of attempts', () => h.count('ready') >= 2 && h.count('alive') >= 2);
  t.equal(h.prober.unhealthy().size, 0, 'no restart');
  t.equal(h.results('c1')?.readiness, 'failure', 'readiness keeps its initial value');
  t.equal(h.resultCalls(), 0);
  t.same(
    new Set(h.events.map((e) => `${e.type} ${e.reason}: ${e.message}`)),
    new Set([
      'Warning Unhealthy: Readiness probe errored and resulted in unknown state: container c1 is not running',
      'Warning Unhealthy: Liveness probe errored and resulted in unknown state: container c1 is not running',
    ]),
  );
});

t.test('an exec timeout is a failure', async (t) => {
  const h = harness();
  t.teardown(() => h.prober.stop());
  h.answers.set('alive', new Error('command "alive" timed out'));
  h.prober.sync([probed(webPod({ livenessProbe: execProbe('alive', { failureThreshold: 1, timeoutSeconds: 2 }) }), 'c1')]);
  await until('unhealthy', () => h.prober.unhealthy().has('c1'));
  t.same(h.events.map((e) => e.message), ['Liveness probe failed: command "alive" timed out']);
  t.equal(h.execs[0]!.timeoutMs, 2000);
});

t.test('stopping while an attempt is in flight drops its outcome', async (t) => {
  const h = harness();
  let release: (r: ExecResult) => void = () => undefined;
  h.answers.set('alive', () => new Promise<ExecResult>((resolve) => (release = resolve)));
  h.prober.sync([probed(webPod({ livenessProbe: execProbe('alive', { failureThreshold: 1 }) }), 'c1')]);
  await until('the attempt started', () => h.count('alive') === 1);
  h.prober.sync([]);
  release(fail('dead'));
  await pause(20);
  t.same(h.events, [], 'no event for a container no longer probed');
  t.equal(h.prober.unhealthy().size, 0);
  t.equal(h.resultCalls(), 0);
  h.prober.stop();
});

t.test('results() per container', async (t) => {
  const h = harness();
  t.teardown(() => h.prober.stop());
  h.answers.set('never', () => new Promise<ExecResult>(() => undefined)); // still running
  h.prober.sync([
    probed(pod('live', {}, [{ name: 'live', livenessProbe: execProbe('alive') }]), 'l1'),
    probed(pod('slow', {}, [{ name: 'slow', startupProbe: execProbe('never'), readinessProbe: execProbe('ready') }]), 's1'),
  ]);
  t.same(h.results('l1'), { startup: 'success', readiness: 'success' }, 'only liveness: both success');
  t.same(h.results('s1'), { startup: 'unknown', readiness: 'failure' }, 'startup pending: unknown, readiness not proven');
  t.equal(h.results('nobody'), undefined, 'no workers: no entry');
});

t.test('an httpGet probe runs against the pod IP and reports the status code', async (t) => {
  const server = await startHttpServer(byPath);
  t.teardown(() => server.close());
  const h = harness();
  t.teardown(() => h.prober.stop());
  const p = webPod({
    ports: [{ name: 'http', containerPort: server.port }],
    readinessProbe: { httpGet: { port: 'http', path: '/error' }, periodSeconds: 1 },
  });
  h.prober.sync([probed(p, 'c1', Date.now() - 60_000, '127.0.0.1')]);
  await until('an event', () => h.events.length >= 1);
  t.equal(h.events[0]!.message, 'Readiness probe failed: HTTP probe failed with statuscode: 500');
  t.equal(server.requests[0]!.url, '/error');
});

t.test('a throwing onResult handler is logged, and probing goes on', async (t) => {
  const logger = capturingLogger();
  const h = harness({
    onResult: () => {
      throw new Error('loop is gone');
    },
    log: logger.log,
  });
  t.teardown(() => h.prober.stop());
  h.answers.set('alive', fail('dead'));
  h.prober.sync([probed(webPod({ readinessProbe: execProbe('ready'), livenessProbe: execProbe('alive', { failureThreshold: 1 }) }), 'c1')]);
  await until('both flips', () => h.resultCalls() === 2);
  t.ok(h.prober.unhealthy().has('c1'));
  t.equal(h.results('c1')?.readiness, 'success');
  t.match(logger.lines.filter((l) => l.msg === 'probe result handler failed'), [{ err: 'loop is gone' }, { err: 'loop is gone' }]);
  t.match(logger.lines.find((l) => l.msg === 'probe failed; restarting container'), { pod: 'default/web', container: 'web', probe: 'liveness', output: 'dead' });
});

t.test('an unresolvable named port is a probe error, not a failure: no restart (kubelet worker.go)', async (t) => {
  // kubelet: ResolveContainerPort fails -> probe.Unknown with an error -> prober.probe records
  // "<Kind> probe errored and resulted in unknown state: <err>" -> doProbe throws the result
  // away ("Prober error, throw away the result"): the liveness result stays Success, no restart.
  const h = harness();
  t.teardown(() => h.prober.stop());
  const p = webPod({ livenessProbe: { httpGet: { port: 'nope', path: '/' }, periodSeconds: 1, failureThreshold: 1 } });
  h.prober.sync([probed(p, 'c1')]);
  await until('an event about the attempt', () => h.events.length >= 1);
  t.match(h.events[0]!.message, /^Liveness probe errored and resulted in unknown state: /);
  t.equal(h.prober.unhealthy().size, 0, 'no restart for a probe that could not run');
});
