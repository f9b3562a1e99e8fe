import t from 'tap';
import { containerCreateBody, cpuShares } from '../../../agent/runtime/container-spec.js';
import { containerName, identityOf } from '../../../agent/runtime/labels.js';
import { pod } from './fixtures/builders.js';

const web = pod('web-7d9f', { hostname: undefined }, [
  {
    image: 'skiff-test/web:1',
    command: ['/bin/httpd'],
    args: ['-f', '-p', '80'],
    env: [{ name: 'A', value: '1' }, { name: 'EMPTY' }],
    workingDir: '/www',
    ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' }, { containerPort: 9000 }],
    resources: { limits: { memory: '64Mi', cpu: '500m' }, requests: { cpu: '250m' } },
  },
]);

t.test('a pod container maps onto a Docker create body with Kubernetes semantics', async (t) => {
  const body = containerCreateBody({ node: 'pi-1', pod: web, container: web.spec.containers[0]!, attempt: 2, hash: 'abc123', graceSeconds: 30 });
  t.equal(body.name, 'skiff_main_web-7d9f_default_pi-1_uid-web-_2');
  t.equal(body.Image, 'skiff-test/web:1');
  t.same(body.Entrypoint, ['/bin/httpd'], 'command replaces ENTRYPOINT');
  t.same(body.Cmd, ['-f', '-p', '80'], 'args replace CMD');
  t.same(body.Env, ['A=1', 'EMPTY=']);
  t.equal(body.WorkingDir, '/www');
  t.equal(body.Hostname, 'web-7d9f', 'hostname = pod name');
  t.same(body.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  t.same(body.HostConfig?.PortBindings, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }] });
  t.match(body.HostConfig, { RestartPolicy: { Name: 'no' }, Memory: 64 * 2 ** 20, MemorySwap: 64 * 2 ** 20, NanoCpus: 500_000_000, CpuShares: 256 });
  t.same(identityOf(body.Labels!), { namespace: 'default', podName: 'web-7d9f', podUid: 'uid-web-7d9f-0000-0000', container: 'main', hash: 'abc123', attempt: 2 });
  t.equal(body.Labels!['skiff.node'], 'pi-1');
  t.equal(body.Labels!['skiff.pod.grace-seconds'], '30');
});

t.test('hostPorts bind to --node-ip when given', async (t) => {
  const body = containerCreateBody({ node: 'n', nodeIp: '10.0.0.5', pod: web, container: web.spec.containers[0]!, attempt: 1, hash: 'h', graceSeconds: 30 });
  t.equal(body.HostConfig?.PortBindings?.['80/tcp']?.[0]?.HostIp, '10.0.0.5');
  t.equal(body.HostConfig?.PortBindings?.['53/udp']?.[0]?.HostIp, '127.0.0.1', 'an explicit hostIP still wins');
});

t.test('without command, args or resources the image defaults apply', async (t) => {
  const plain = pod('plain');
  const body = containerCreateBody({ node: 'n', pod: plain, container: plain.spec.containers[0]!, attempt: 1, hash: 'h', graceSeconds: 30 });
  t.notOk('Entrypoint' in body);
  t.notOk('Cmd' in body);
  t.notOk('Env' in body);
  t.same(body.HostConfig, { RestartPolicy: { Name: 'no' }, NetworkMode: 'bridge' });
});

t.test('CPU shares from requests as kubelet computes them (minimum 2)', async (t) => {
  t.same([1, 2, 100, 250, 1000, 2500].map(cpuShares), [2, 2, 102, 256, 1024, 2560]);
});

t.test('an invalid quantity fails the create (shown as CreateContainerError)', async (t) => {
  const bad = pod('bad', {}, [{ resources: { limits: { memory: 'lots' } } }]);
  t.throws(() => containerCreateBody({ node: 'n', pod: bad, container: bad.spec.containers[0]!, attempt: 1, hash: 'h', graceSeconds: 30 }), /invalid quantity/);
});

t.test('container names carry node, pod, uid prefix and attempt', async (t) => {
  t.equal(containerName('pi', { namespace: 'ns', podName: 'p', podUid: '12345678-aaaa', container: 'c', hash: 'h', attempt: 4 }), 'skiff_c_p_ns_pi_12345678_4');
  t.equal(identityOf({ 'skiff.pod.uid': 'u' }), undefined, 'partial labels are not an identity');
});
