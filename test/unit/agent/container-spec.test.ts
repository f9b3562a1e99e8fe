import t from 'tap';
import { containerCreateBody, containerEnvironment, cpuShares, expandReferences } from '../../../agent/runtime/container-spec.js';
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
  const body = containerCreateBody({ node: 'pi-1', pod: web, container: web.spec.containers[0]!, attempt: 2, hash: 'abc123', graceSeconds: 30, sandboxId: 'sb1' });
  t.equal(body.name, 'skiff_main_web-7d9f_default_pi-1_uid-web-_2');
  t.equal(body.Image, 'skiff-test/web:1');
  t.same(body.Entrypoint, ['/bin/httpd'], 'command replaces ENTRYPOINT');
  t.same(body.Cmd, ['-f', '-p', '80'], 'args replace CMD');
  t.same(body.Env, ['A=1', 'EMPTY=']);
  t.equal(body.WorkingDir, '/www');
  t.notOk('Hostname' in body || 'ExposedPorts' in body || 'PortBindings' in body.HostConfig!, 'hostname and ports belong to the sandbox');
  t.match(body.HostConfig, { RestartPolicy: { Name: 'no' }, NetworkMode: 'container:sb1', Memory: 64 * 2 ** 20, MemorySwap: 64 * 2 ** 20, NanoCpus: 500_000_000, CpuShares: 256 });
  t.same(identityOf(body.Labels!), { namespace: 'default', podName: 'web-7d9f', podUid: 'uid-web-7d9f-0000-0000', container: 'main', hash: 'abc123', attempt: 2 });
  t.equal(body.Labels!['skiff.node'], 'pi-1');
  t.equal(body.Labels!['skiff.pod.grace-seconds'], '30');
});

t.test('without command, args or resources the image defaults apply', async (t) => {
  const plain = pod('plain');
  const body = containerCreateBody({ node: 'n', pod: plain, container: plain.spec.containers[0]!, attempt: 1, hash: 'h', graceSeconds: 30, sandboxId: 'sb1' });
  t.notOk('Entrypoint' in body);
  t.notOk('Cmd' in body);
  t.notOk('Env' in body);
  t.same(body.HostConfig, { RestartPolicy: { Name: 'no' }, NetworkMode: 'container:sb1' }, 'the container joins its pod sandbox');
  const capped = containerCreateBody({ node: 'n', pod: plain, container: plain.spec.containers[0]!, attempt: 1, hash: 'h', graceSeconds: 30, sandboxId: 'sb1', pidsLimit: 1024 });
  t.equal(capped.HostConfig?.PidsLimit, 1024, '--pod-max-pids becomes PidsLimit');
});

t.test('CPU shares from requests as kubelet computes them (minimum 2)', async (t) => {
  t.same([1, 2, 100, 250, 1000, 2500].map(cpuShares), [2, 2, 102, 256, 1024, 2560]);
});

t.test('an invalid quantity fails the create (shown as CreateContainerError)', async (t) => {
  const bad = pod('bad', {}, [{ resources: { limits: { memory: 'lots' } } }]);
  t.throws(() => containerCreateBody({ node: 'n', pod: bad, container: bad.spec.containers[0]!, attempt: 1, hash: 'h', graceSeconds: 30, sandboxId: 'sb1' }), /invalid quantity/);
});

t.test('container names carry node, pod, uid prefix and attempt', async (t) => {
  t.equal(containerName('pi', { namespace: 'ns', podName: 'p', podUid: '12345678-aaaa', container: 'c', hash: 'h', attempt: 4 }), 'skiff_c_p_ns_pi_12345678_4');
  t.equal(identityOf({ 'skiff.pod.uid': 'u' }), undefined, 'partial labels are not an identity');
});

t.test('$(VAR) references expand as Kubernetes expands them', async (t) => {
  const vars = new Map([
    ['VAR_A', 'A'],
    ['VAR_B', 'B'],
    ['VAR_REF', '$(VAR_A)'],
    ['VAR_EMPTY', ''],
  ]);
  // The cases of Kubernetes' own expansion tests (third_party/forked/golang/expansion).
  const cases: Array<[input: string, expected: string, why: string]> = [
    ['$(VAR_A)', 'A', 'whole string'],
    ['$(VAR_A)-$(VAR_A)', 'A-A', 'repeated'],
    ['___$(VAR_B)___', '___B___', 'in the middle'],
    ['$(VAR_A)_$(VAR_B)', 'A_B', 'compound'],
    ['$$(VAR_B)_$(VAR_A)', '$(VAR_B)_A', '$$ escapes a reference'],
    ['f000-$$VAR_A', 'f000-$VAR_A', '$$ is one $ anywhere'],
    ['foo\\$(VAR_B)bar', 'foo\\Bbar', 'a backslash escapes nothing'],
    ['$(VAR_A$(VAR_B))', '$(VAR_A$(VAR_B))', 'no nesting'],
    ['$(VAR_REF)', '$(VAR_A)', 'values are not expanded again'],
    ['foo$(VAR_EMPTY)bar', 'foobar', 'an empty value'],
    ['$(VAR_DNE)', '$(VAR_DNE)', 'undefined: kept as written'],
    ['foo$(VAR_Awhoops!', 'foo$(VAR_Awhoops!', 'unterminated'],
    ['$?_boo_$!', '$?_boo_$!', 'shell specials pass through'],
    ['$VAR_A', '$VAR_A', 'a bare $ is not a reference'],
    ['${VAR_A}', '${VAR_A}', 'shell syntax is not a reference'],
    ['$$$$$$(BIG_MONEY)', '$$$(BIG_MONEY)', 'even $s, undefined'],
    ['$$$$$$$(VAR_A)', '$$$A', 'odd $s, defined'],
    ['$$$$$$$(GOOD_ODDS)', '$$$$(GOOD_ODDS)', 'odd $s, undefined'],
    ['$(VAR_B)_______$(', 'B_______$(', 'trailing $( kept'],
    ['$(VAR_A)foobarzab$', 'Afoobarzab$', 'trailing $ kept'],
    ['--$($($($($--', '--$($($($($--', 'many $('],
    ['$(foo$$var)', '$(foo$$var)', 'no escapes inside a name'],
    ['$😀$(VAR_A)', '$😀A', 'a $ before a non-ASCII character'],
    ['', '', 'empty'],
  ];
  for (const [input, expected, why] of cases) t.equal(expandReferences(input, vars), expected, `${why}: ${JSON.stringify(input)}`);
});

t.test('env values see only the variables declared before them; a redeclared name keeps its place and takes the last value', async (t) => {
  const env = containerEnvironment([
    { name: 'FOO', value: 'bar' },
    { name: 'ZOO', value: '$(FOO)-1' },
    { name: 'BLU', value: '$(ZOO)-2' },
    { name: 'EARLY', value: '$(LATER)' },
    { name: 'LATER', value: 'late' },
    { name: 'SELF', value: '$(SELF)x' },
    { name: 'FOO', value: 'baz' },
    { name: 'NONE' },
  ]);
  t.same([...env], [
    ['FOO', 'baz'],
    ['ZOO', 'bar-1'],
    ['BLU', 'bar-1-2'],
    ['EARLY', '$(LATER)'],
    ['LATER', 'late'],
    ['SELF', '$(SELF)x'],
    ['NONE', ''],
  ]);
});

t.test('command and args expand against the final environment; workingDir is taken as written', async (t) => {
  const p = pod('expand', {}, [
    {
      command: ['sh', '-c', 'echo $(GREETING) $$(GREETING) $(NOPE)'],
      args: ['$(GREETING)-$(TARGET)'],
      env: [{ name: 'GREETING', value: 'hello' }, { name: 'TARGET', value: 'old' }, { name: 'TARGET', value: '$(GREETING)s' }],
      workingDir: '/srv/$(GREETING)',
    },
  ]);
  const body = containerCreateBody({ node: 'n', pod: p, container: p.spec.containers[0]!, attempt: 1, hash: 'h', graceSeconds: 30, sandboxId: 'sb1' });
  t.same(body.Entrypoint, ['sh', '-c', 'echo hello $(GREETING) $(NOPE)']);
  t.same(body.Cmd, ['hello-hellos']);
  t.same(body.Env, ['GREETING=hello', 'TARGET=hellos']);
  t.equal(body.WorkingDir, '/srv/$(GREETING)', 'kubelet does not expand workingDir');
});
