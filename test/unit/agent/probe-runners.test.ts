import { createServer, type Server } from 'node:net';
import t from 'tap';
import type { ExecResult } from '../../../agent/runtime/docker-api.js';
import type { ProbeTarget } from '../../../agent/health/probe-spec.js';
import { runExec, runHttpGet, runProbe, runTcp, type ExecInContainer } from '../../../agent/health/probe-runners.js';
import { freePort } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait.js';
import { byPath, hangingPort, selfSignedCert, startHttpServer, startHttpsServer } from './fixtures/local-servers.js';

type HttpTarget = Extract<ProbeTarget, { type: 'http' }>;

function http(port: number, path: string, extra: Partial<HttpTarget> = {}): HttpTarget {
  return { type: 'http', scheme: 'HTTP', host: '127.0.0.1', port, path, headers: {}, ...extra };
}

const noExec: ExecInContainer = async () => {
  throw new Error('exec must not be called');
};

t.test('httpGet against a real server: outcome by status code, as pkg/probe/http', async (t) => {
  const server = await startHttpServer(byPath);
  t.teardown(() => server.close());
  const rows: Array<[path: string, outcome: string, output: string]> = [
    ['/ok', 'success', ''],
    // Kubernetes does not follow a redirect to another host; the 3xx itself counts (200-399).
    ['/redirect', 'success', ''],
    ['/missing', 'failure', 'HTTP probe failed with statuscode: 404'],
    ['/error', 'failure', 'HTTP probe failed with statuscode: 500'],
  ];
  for (const [path, outcome, output] of rows) {
    t.same(await runHttpGet(http(server.port, path), 1000), { outcome, output }, path);
  }
  t.same(
    server.requests.map((r) => `${r.method} ${r.url}`),
    rows.map(([path]) => `GET ${path}`),
    'one GET per probe, no redirect followed off-host',
  );
});

t.test('httpGet sends kubelet’s User-Agent and the probe’s headers', async (t) => {
  const server = await startHttpServer(byPath);
  t.teardown(() => server.close());
  await runHttpGet(http(server.port, '/ok', { headers: { 'X-Custom': 'yes', Host: 'svc.example' } }), 1000);
  const seen = server.requests[0]!.headers;
  t.equal(seen['user-agent'], 'kube-probe/1.32');
  t.equal(seen.accept, '*/*');
  t.equal(seen['x-custom'], 'yes');
  t.equal(seen.host, 'svc.example', 'a Host header is sent as the request host');

  // kubelet only adds User-Agent and Accept when the probe does not set them.
  await runHttpGet(http(server.port, '/ok', { headers: { 'user-agent': 'mine/2', Accept: 'text/plain' } }), 1000);
  t.equal(server.requests[1]!.headers['user-agent'], 'mine/2');
  t.equal(server.requests[1]!.headers.accept, 'text/plain');
});

t.test('httpGet to a closed port fails as Go words a refused dial', async (t) => {
  const port = await freePort();
  t.same(await runHttpGet(http(port, '/x'), 1000), {
    outcome: 'failure',
    output: `Get "http://127.0.0.1:${port}/x": dial tcp 127.0.0.1:${port}: connect: connection refused`,
  });
});

t.test('httpGet to a server that never answers fails at the timeout with Go’s client message', async (t) => {
  const server = await startHttpServer(byPath);
  t.teardown(() => server.close());
  t.same(await runHttpGet(http(server.port, '/slow'), 300), {
    outcome: 'failure',
    output: `Get "http://127.0.0.1:${server.port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
  });
  t.equal(server.requests.length, 1, 'the request did reach the server');
});

t.test('HTTPS probes accept a self-signed certificate (kubelet skips verification)', async (t) => {
  const server = await startHttpsServer(selfSignedCert(), byPath);
  t.teardown(() => server.close());
  t.same(await runHttpGet(http(server.port, '/ok', { scheme: 'HTTPS' }), 2000), { outcome: 'success', output: '' });
  t.same(await runHttpGet(http(server.port, '/error', { scheme: 'HTTPS' }), 2000), { outcome: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  t.equal(server.requests[0]!.headers['user-agent'], 'kube-probe/1.32');
});

t.test('an HTTPS probe against a closed port names the https URL', async (t) => {
  const port = await freePort();
  t.same(await runHttpGet(http(port, '/x', { scheme: 'HTTPS' }), 1000), {
    outcome: 'failure',
    output: `Get "https://127.0.0.1:${port}/x": dial tcp 127.0.0.1:${port}: connect: connection refused`,
  });
});

t.test('tcpSocket: success when a connection opens, Go’s dial errors otherwise', async (t) => {
  const listener: Server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => listener.close(() => resolve())));
  const address = listener.address();
  const open = typeof address === 'object' && address ? address.port : 0;
  let accepted = 0;
  listener.on('connection', () => accepted++);
  t.same(await runTcp('127.0.0.1', open, 1000), { outcome: 'success', output: '' });
  await waitFor('the listener to accept the probe', () => accepted === 1, { timeoutMs: 2000, intervalMs: 5 });
  t.equal(accepted, 1, 'the probe did connect');

  const closed = await freePort();
  t.same(await runTcp('127.0.0.1', closed, 1000), { outcome: 'failure', output: `dial tcp 127.0.0.1:${closed}: connect: connection refused` });
});

/** A port nothing listens on at ::1 (IPv6 loopback). */
function freeV6Port(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '::1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

t.test('IPv6 pod IPs are bracketed in Go’s dial errors, as net.JoinHostPort does', async (t) => {
  // Go: `dial tcp [::1]:8080: connect: connection refused`, for tcpSocket and httpGet alike.
  const port = await freeV6Port();
  t.same(await runTcp('::1', port, 1000), { outcome: 'failure', output: `dial tcp [::1]:${port}: connect: connection refused` });
  t.same(await runHttpGet(http(port, '/x', { host: '::1' }), 1000), {
    outcome: 'failure',
    output: `Get "http://[::1]:${port}/x": dial tcp [::1]:${port}: connect: connection refused`,
  });
});

t.test('tcpSocket: a connect that hangs fails at the timeout with "i/o timeout"', async (t) => {
  const hanging = await hangingPort();
  t.teardown(() => hanging.close());
  t.same(await runTcp('127.0.0.1', hanging.port, 300), { outcome: 'failure', output: `dial tcp 127.0.0.1:${hanging.port}: i/o timeout` });
});

function fakeExec(answer: (command: string[], timeoutMs: number) => Promise<ExecResult>) {
  const calls: Array<{ command: string[]; timeoutMs: number }> = [];
  const exec: ExecInContainer = (command, timeoutMs) => {
    calls.push({ command, timeoutMs });
    return answer(command, timeoutMs);
  };
  return { exec, calls };
}

t.test('runExec, as pkg/probe/exec', async (t) => {
  const ok = fakeExec(async () => ({ exitCode: 0, output: 'fine\n' }));
  t.same(await runExec(['cat', '/tmp/healthy'], 1500, ok.exec), { outcome: 'success', output: '' }, 'exit 0: success');
  t.same(ok.calls, [{ command: ['cat', '/tmp/healthy'], timeoutMs: 1500 }], 'the command and timeout are passed on');

  const bad = fakeExec(async () => ({ exitCode: 1, output: 'cat: /tmp/healthy: No such file or directory\n\n' }));
  t.same(await runExec(['cat', '/tmp/healthy'], 1000, bad.exec), { outcome: 'failure', output: 'cat: /tmp/healthy: No such file or directory' }, 'non-zero: failure with the output, trailing newlines trimmed');

  const killed = fakeExec(async () => ({ exitCode: 137, output: '' }));
  t.same(await runExec(['sleep', '9'], 1000, killed.exec), { outcome: 'failure', output: '' });

  const slow = fakeExec(async (command) => {
    throw new Error(`command ${JSON.stringify(command.join(' '))} timed out`);
  });
  t.same(await runExec(['sh', '-c', 'sleep 5'], 1000, slow.exec), { outcome: 'failure', output: 'command "sh -c sleep 5" timed out' }, 'a timeout is a failure (Kubernetes >= 1.20)');

  const broken = fakeExec(async () => {
    throw new Error('container 0123 is not running');
  });
  t.same(await runExec(['true'], 1000, broken.exec), { outcome: 'unknown', output: 'container 0123 is not running' }, 'any other error: the probe did not run');

  const thrown = fakeExec(() => Promise.reject('plain string'));
  t.same(await runExec(['true'], 1000, thrown.exec), { outcome: 'unknown', output: 'plain string' });
});

t.test('runProbe dispatches on the target type', async (t) => {
  const server = await startHttpServer(byPath);
  t.teardown(() => server.close());
  const exec = fakeExec(async () => ({ exitCode: 3, output: 'nope' }));
  t.same(await runProbe({ type: 'exec', command: ['check'] }, 1000, exec.exec), { outcome: 'failure', output: 'nope' });
  t.same(exec.calls, [{ command: ['check'], timeoutMs: 1000 }]);
  t.same(await runProbe(http(server.port, '/error'), 1000, noExec), { outcome: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  t.same(await runProbe({ type: 'tcp', host: '127.0.0.1', port: server.port }, 1000, noExec), { outcome: 'success', output: '' });
});
