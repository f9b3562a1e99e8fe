import t from 'tap';
import type { Container, LifecycleHandler } from '../../../shared/api/schema/pod.js';
import type { ExecResult } from '../../../agent/runtime/docker-api.js';
import type { ExecInContainer } from '../../../agent/health/probe-runners.js';
import { graceAfterHook, MIN_GRACE_AFTER_HOOK_SECONDS, resolvePreStop, runPreStop } from '../../../agent/health/pre-stop.js';
import { freePort } from '../../helpers/ports.js';
import { byPath, startHttpServer } from './fixtures/local-servers.js';

function withHook(preStop: LifecycleHandler | undefined, ports: Container['ports'] = [{ name: 'http', containerPort: 8080 }]): Container {
  return { name: 'web', image: 'skiff-test/web:1', ports, ...(preStop ? { lifecycle: { preStop } } : {}) };
}

function fakeExec(answer: () => Promise<ExecResult>) {
  const calls: Array<{ command: string[]; timeoutMs: number }> = [];
  const exec: ExecInContainer = (command, timeoutMs) => {
    calls.push({ command, timeoutMs });
    return answer();
  };
  return { exec, calls };
}

const noExec: ExecInContainer = async () => {
  throw new Error('exec must not be called');
};

t.test('resolvePreStop', async (t) => {
  t.equal(resolvePreStop(withHook(undefined)), undefined, 'no lifecycle: no hook');
  t.equal(resolvePreStop({ name: 'web', image: 'x', lifecycle: {} }), undefined, 'lifecycle without preStop: no hook');
  t.equal(resolvePreStop(withHook({})), undefined, 'a preStop without a handler (validation rejects it): no hook');
  t.same(resolvePreStop(withHook({ exec: { command: ['sh', '-c', 'nginx -s quit'] } })), { exec: { command: ['sh', '-c', 'nginx -s quit'] } });
  t.same(resolvePreStop(withHook({ sleep: { seconds: 5 } })), { sleep: { seconds: 5 } });
  t.same(
    resolvePreStop(withHook({ httpGet: { port: 'http' } })),
    { httpGet: { scheme: 'HTTP', port: 8080, path: '/' } },
    'named port resolved; scheme HTTP and path / by default; no host, no headers',
  );
  t.same(
    resolvePreStop(withHook({ httpGet: { port: 9000, host: 'lb.test', scheme: 'HTTPS', path: '/drain', httpHeaders: [{ name: 'X-Drain', value: 'now' }] } })),
    { httpGet: { scheme: 'HTTPS', host: 'lb.test', port: 9000, path: '/drain', headers: { 'X-Drain': 'now' } } },
  );
  t.same(resolvePreStop(withHook({ httpGet: { port: '8081' } })), { httpGet: { scheme: 'HTTP', port: 8081, path: '/' } }, 'a numeric string is a port number');
  t.equal(resolvePreStop(withHook({ httpGet: { port: 'admin' } })), undefined, 'an unknown port name: the hook is skipped');
});

t.test('graceAfterHook: kubelet subtracts whole seconds the hook took and leaves at least 2 s', async (t) => {
  t.equal(MIN_GRACE_AFTER_HOOK_SECONDS, 2);
  const rows: Array<[grace: number, hookMs: number, left: number]> = [
    [30, 0, 30],
    [30, 999, 30], // kubelet truncates the hook's duration to whole seconds
    [30, 1000, 29],
    [30, 5_500, 25],
    [30, 27_999, 3],
    [30, 28_000, 2],
    [30, 29_000, 2], // 1 s left: raised to the minimum
    [30, 45_000, 2], // the hook overran the grace period
    [1, 0, 2],
    [0, 0, 2],
  ];
  for (const [grace, hookMs, left] of rows) t.equal(graceAfterHook(grace, hookMs), left, `grace ${grace}s, hook ${hookMs}ms -> ${left}s`);
});

t.test('runPreStop exec: success, failure with the output, timeout', async (t) => {
  const ok = fakeExec(async () => ({ exitCode: 0, output: 'bye\n' }));
  t.equal(await runPreStop({ exec: { command: ['sh', '-c', 'drain'] } }, ok.exec, '10.0.0.1', 25_000), undefined);
  t.same(ok.calls, [{ command: ['sh', '-c', 'drain'], timeoutMs: 25_000 }], 'the whole grace period is the exec timeout');

  const bad = fakeExec(async () => ({ exitCode: 2, output: 'drain: refused\n' }));
  t.equal(await runPreStop({ exec: { command: ['sh', '-c', 'drain'] } }, bad.exec, undefined, 1000), 'command "sh -c drain" failed: drain: refused');

  const slow = fakeExec(async () => {
    throw new Error('command "sh -c drain" timed out');
  });
  t.equal(await runPreStop({ exec: { command: ['sh', '-c', 'drain'] } }, slow.exec, undefined, 1000), 'command "sh -c drain" failed: command "sh -c drain" timed out');

  const gone = fakeExec(async () => {
    throw new Error('container abc is not running');
  });
  t.equal(await runPreStop({ exec: { command: ['drain'] } }, gone.exec, undefined, 1000), 'command "drain" failed: container abc is not running', 'an exec that could not run is a failed hook');
});

t.test('runPreStop httpGet reaches the pod IP with the hook’s path and headers', async (t) => {
  const server = await startHttpServer(byPath);
  t.teardown(() => server.close());
  const handler = resolvePreStop(withHook({ httpGet: { port: 'http', path: '/drain', httpHeaders: [{ name: 'X-Drain', value: 'now' }] } }, [{ name: 'http', containerPort: server.port }]))!;
  t.equal(await runPreStop(handler, noExec, '127.0.0.1', 2000), undefined);
  t.equal(server.requests.length, 1);
  t.equal(server.requests[0]!.url, '/drain');
  t.equal(server.requests[0]!.headers['x-drain'], 'now');

  t.equal(await runPreStop({ httpGet: { scheme: 'HTTP', host: '127.0.0.1', port: server.port, path: '/' } }, noExec, undefined, 2000), undefined, 'a given host needs no pod IP');
  t.equal(server.requests.length, 2);
});

t.test('runPreStop httpGet sends kubelet’s lifecycle User-Agent', async (t) => {
  // kubelet builds hook requests with NewRequestForHTTPGetAction(..., "lifecycle"): kube-lifecycle/<major>.<minor>.
  const server = await startHttpServer(byPath);
  t.teardown(() => server.close());
  await runPreStop({ httpGet: { scheme: 'HTTP', port: server.port, path: '/' } }, noExec, '127.0.0.1', 2000);
  t.equal(server.requests[0]!.headers['user-agent'], 'kube-lifecycle/1.32');
});

t.test('runPreStop httpGet: a path without a leading slash is requested as /path, as kubelet’s URL building does', async (t) => {
  const server = await startHttpServer(byPath);
  t.teardown(() => server.close());
  const handler = resolvePreStop(withHook({ httpGet: { port: 'http', path: 'drain' } }, [{ name: 'http', containerPort: server.port }]))!;
  t.equal(await runPreStop(handler, noExec, '127.0.0.1', 2000), undefined);
  t.equal(server.requests[0]?.url, '/drain');
});

t.test('runPreStop httpGet: an HTTP error status is not a hook failure (kubelet only fails on transport errors)', async (t) => {
  // pkg/kubelet/lifecycle/handlers.go runHTTPHandler returns the error of httpDoer.Do only; the
  // response's status code is discarded with its body.
  const server = await startHttpServer(byPath);
  t.teardown(() => server.close());
  t.equal(await runPreStop({ httpGet: { scheme: 'HTTP', port: server.port, path: '/error' } }, noExec, '127.0.0.1', 2000), undefined);
  t.equal(server.requests[0]?.url, '/error', 'the hook did run');
});

t.test('runPreStop httpGet failures', async (t) => {
  const closed = await freePort();
  t.equal(
    await runPreStop({ httpGet: { scheme: 'HTTP', port: closed, path: '/drain' } }, noExec, '127.0.0.1', 2000),
    `Get "http://127.0.0.1:${closed}/drain": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
  );
  t.equal(await runPreStop({ httpGet: { scheme: 'HTTP', port: 80, path: '/' } }, noExec, undefined, 2000), 'the pod has no IP address');

  const server = await startHttpServer(byPath);
  t.teardown(() => server.close());
  t.equal(
    await runPreStop({ httpGet: { scheme: 'HTTP', port: server.port, path: '/slow' } }, noExec, '127.0.0.1', 200),
    `Get "http://127.0.0.1:${server.port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    'a hook that outlives the grace period is cut off',
  );
});

t.test('runPreStop sleep: sleeps the given seconds, but no longer than the timeout', async (t) => {
  const started = Date.now();
  t.equal(await runPreStop({ sleep: { seconds: 1 } }, noExec, undefined, 10_000), undefined);
  t.ok(Date.now() - started >= 950, 'it did sleep about a second');

  // 60 s capped at 50 ms: without the cap this would still be sleeping when the 5 s guard fires.
  const capped = runPreStop({ sleep: { seconds: 60 } }, noExec, undefined, 50).then(() => 'done');
  let guard: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([capped, new Promise<string>((resolve) => (guard = setTimeout(() => resolve('still sleeping'), 5000)))]);
  clearTimeout(guard);
  t.equal(outcome, 'done');

  t.equal(await runPreStop({ sleep: { seconds: 0 } }, noExec, undefined, 1000), undefined, 'sleep 0 returns at once');
});
