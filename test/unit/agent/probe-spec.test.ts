import t from 'tap';
import type { Container, Probe } from '../../../shared/api/schema/pod.js';
import { probeOf, probeTitle, resolvePort, targetOf, timingOf } from '../../../agent/health/probe-spec.js';

const web: Container = {
  name: 'web',
  image: 'skiff-test/web:1',
  ports: [
    { name: 'http', containerPort: 8080 },
    { containerPort: 9000 },
    { name: 'admin', containerPort: 9090 },
  ],
};

t.test('timingOf applies Kubernetes defaults: delay 0, timeout 1 s, period 10 s, thresholds 1/3', async (t) => {
  t.same(timingOf({ exec: { command: ['true'] } }), { initialDelayMs: 0, timeoutMs: 1000, periodMs: 10_000, successThreshold: 1, failureThreshold: 3 });
});

t.test('timingOf converts given seconds to milliseconds and keeps given thresholds', async (t) => {
  const probe: Probe = { exec: { command: ['true'] }, initialDelaySeconds: 5, timeoutSeconds: 2, periodSeconds: 3, successThreshold: 4, failureThreshold: 6 };
  t.same(timingOf(probe), { initialDelayMs: 5000, timeoutMs: 2000, periodMs: 3000, successThreshold: 4, failureThreshold: 6 });
});

t.test('probeOf picks the probe of each kind; probeTitle words it as kubelet does', async (t) => {
  const liveness: Probe = { exec: { command: ['live'] } };
  const readiness: Probe = { exec: { command: ['ready'] } };
  const startup: Probe = { exec: { command: ['start'] } };
  const c: Container = { ...web, livenessProbe: liveness, readinessProbe: readiness, startupProbe: startup };
  t.equal(probeOf(c, 'liveness'), liveness);
  t.equal(probeOf(c, 'readiness'), readiness);
  t.equal(probeOf(c, 'startup'), startup);
  t.equal(probeOf(web, 'readiness'), undefined);
  t.same(['liveness', 'readiness', 'startup'].map((k) => probeTitle(k as 'liveness')), ['Liveness', 'Readiness', 'Startup']);
});

t.test('resolvePort', async (t) => {
  const rows: Array<[port: number | string, expected: number | string]> = [
    [80, 80],
    ['8081', 8081],
    ['http', 8080],
    ['admin', 9090],
    ['metrics', "couldn't find port: metrics in web"],
  ];
  for (const [port, expected] of rows) t.equal(resolvePort(port, web), expected, `${JSON.stringify(port)} -> ${JSON.stringify(expected)}`);
  t.equal(resolvePort('http', { name: 'bare', image: 'x' }), "couldn't find port: http in bare", 'a container without ports');
});

t.test('targetOf an exec probe is its command', async (t) => {
  t.same(targetOf({ exec: { command: ['cat', '/tmp/healthy'] } }, web, undefined), { type: 'exec', command: ['cat', '/tmp/healthy'] });
});

t.test('targetOf an httpGet probe', async (t) => {
  t.same(
    targetOf({ httpGet: { port: 'http', path: '/healthz' } }, web, '172.17.0.5'),
    { type: 'http', scheme: 'HTTP', host: '172.17.0.5', port: 8080, path: '/healthz', headers: {} },
    'host defaults to the pod IP, scheme to HTTP, named port resolved',
  );
  t.same(
    targetOf({ httpGet: { port: 443, host: 'example.test', scheme: 'HTTPS', path: 'ready', httpHeaders: [{ name: 'X-Probe', value: 'yes' }, { name: 'Host', value: 'svc.local' }] } }, web, '172.17.0.5'),
    { type: 'http', scheme: 'HTTPS', host: 'example.test', port: 443, path: '/ready', headers: { 'X-Probe': 'yes', Host: 'svc.local' } },
    'a given host wins, a path without a leading slash gets one, headers become a record',
  );
  const defaults = targetOf({ httpGet: { port: 80 } }, web, '10.0.0.1');
  t.match(defaults, { path: '/' }, 'no path: /');
  t.match(targetOf({ httpGet: { port: 80, path: '' } }, web, '10.0.0.1'), { path: '/' }, 'empty path: /');
  t.match(targetOf({ httpGet: { port: 80, host: '' } }, web, '10.0.0.1'), { host: '10.0.0.1' }, 'empty host: the pod IP');
  t.equal(targetOf({ httpGet: { port: 80 } }, web, undefined), 'the pod has no IP address yet');
  t.equal(targetOf({ httpGet: { port: 'nope' } }, web, '10.0.0.1'), "couldn't find port: nope in web");
});

t.test('targetOf a tcpSocket probe', async (t) => {
  t.same(targetOf({ tcpSocket: { port: 'admin' } }, web, '172.17.0.5'), { type: 'tcp', host: '172.17.0.5', port: 9090 });
  t.same(targetOf({ tcpSocket: { port: '5432', host: 'db.test' } }, web, '172.17.0.5'), { type: 'tcp', host: 'db.test', port: 5432 });
  t.equal(targetOf({ tcpSocket: { port: 80 } }, web, undefined), 'the pod has no IP address yet');
  t.equal(targetOf({ tcpSocket: { port: 'redis' } }, web, '172.17.0.5'), "couldn't find port: redis in web");
});

t.test('targetOf without a handler says so', async (t) => {
  t.equal(targetOf({}, web, '10.0.0.1'), 'missing probe handler');
});
