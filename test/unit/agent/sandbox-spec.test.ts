import t from 'tap';
import { sandboxCreateBody } from '../../../agent/runtime/sandbox-spec.js';
import { identityOf, isSandbox } from '../../../agent/runtime/labels.js';
import { sandboxHash } from '../../../agent/reconcile/spec-hash.js';
import { pod } from './fixtures/builders.js';

const web = pod('web-7d9f', {}, [
  { ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 9000 }] },
  { ports: [{ containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' }] },
]);
const input = { node: 'pi-1', pod: web, image: 'registry.k8s.io/pause:3.10', attempt: 2, hash: 'sbhash', graceSeconds: 10 };

t.test('a pod sandbox owns the hostname and every container hostPort, on the bridge', async (t) => {
  const body = sandboxCreateBody(input);
  t.equal(body.name, 'skiff_POD_web-7d9f_default_pi-1_uid-web-_2');
  t.equal(body.Image, 'registry.k8s.io/pause:3.10');
  t.equal(body.Hostname, 'web-7d9f', 'hostname = pod name (shared by the containers that join it)');
  t.same(body.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  t.same(body.HostConfig, {
    RestartPolicy: { Name: 'no' },
    NetworkMode: 'bridge',
    PortBindings: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }] },
    CpuShares: 2,
  });
  t.ok(isSandbox(body.Labels!));
  t.same(identityOf(body.Labels!), { namespace: 'default', podName: 'web-7d9f', podUid: web.metadata.uid, container: 'POD', hash: 'sbhash', attempt: 2 });
});

t.test('hostPorts bind to --node-ip when the port names no hostIP', async (t) => {
  const body = sandboxCreateBody({ ...input, nodeIp: '10.0.0.5' });
  t.equal(body.HostConfig?.PortBindings?.['80/tcp']?.[0]?.HostIp, '10.0.0.5');
  t.equal(body.HostConfig?.PortBindings?.['53/udp']?.[0]?.HostIp, '127.0.0.1', 'an explicit hostIP still wins');
});

t.test('a hostNetwork pod gets a sandbox in the host namespace: no ports to publish, the node hostname', async (t) => {
  const host = pod('exporter', { hostNetwork: true }, [{ ports: [{ containerPort: 9100, hostPort: 9100 }] }]);
  const body = sandboxCreateBody({ ...input, pod: host });
  t.equal(body.HostConfig?.NetworkMode, 'host');
  t.notOk('Hostname' in body || 'ExposedPorts' in body || 'PortBindings' in body.HostConfig!);
});

t.test('the sandbox hash covers what its namespace is made with, and nothing else', async (t) => {
  const base = pod('a', {}, [{ ports: [{ containerPort: 80, hostPort: 8080 }] }]);
  t.equal(sandboxHash(base), sandboxHash(pod('a', {}, [{ ports: [{ containerPort: 80, hostPort: 8080 }], image: 'other:2', command: ['x'] }])), 'container image and command do not matter');
  t.not(sandboxHash(base), sandboxHash(pod('a', {}, [{ ports: [{ containerPort: 80, hostPort: 8081 }] }])), 'hostPorts do');
  t.not(sandboxHash(base), sandboxHash(pod('a', { hostname: 'other' }, [{ ports: [{ containerPort: 80, hostPort: 8080 }] }])), 'the hostname does');
  t.not(sandboxHash(base), sandboxHash(pod('a', { hostNetwork: true }, [{ ports: [{ containerPort: 80, hostPort: 8080 }] }])), 'hostNetwork does');
});
