import t from 'tap';
import { isSkiffError } from '../../../shared/errors.js';
import { parseAgentConfig, wantsHelp, AGENT_USAGE, defaultSecretsDir } from '../../../agent/config.js';

const GOOD = ['--server', 'http://hub.local:7443', '--token', 'T', '--node-name', 'pi-1', '--data-dir', '/var/lib/skiff'];

/** The problems parseAgentConfig reports, as "flag: message". */
function problems(argv: string[], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseAgentConfig(argv, env);
    return [];
  } catch (err) {
    if (!isSkiffError(err, 'SKIFF_ERR_CONFIG')) throw err;
    return err.details.map((d) => `${d.path}: ${d.message}`);
  }
}

t.test('valid flags give a frozen config with defaults', async (t) => {
  const config = parseAgentConfig([...GOOD, '--node-label', 'zone=a', '--node-label', 'kubernetes.io/arch=arm64', '--node-ip', '10.0.0.5'], {});
  t.match(config, {
    server: 'http://hub.local:7443/',
    token: 'T',
    nodeName: 'pi-1',
    dataDir: '/var/lib/skiff',
    nodeLabels: { zone: 'a', 'kubernetes.io/arch': 'arm64' },
    nodeIp: '10.0.0.5',
    logLevel: 'info',
    heartbeatIntervalMs: 6_000,
    resyncIntervalMs: 5_000,
    mqttKeepaliveSeconds: 15,
  });
  t.ok(Object.isFrozen(config));
  t.ok(Object.isFrozen(config.nodeLabels));
  t.throws(() => ((config as { token: string }).token = 'x'));
});

t.test('environment variables fill in, flags win', async (t) => {
  const env = { SKIFF_SERVER: 'https://env:1', SKIFF_TOKEN: 'E', SKIFF_NODE_NAME: 'env-node', SKIFF_DATA_DIR: '/env', SKIFF_LOG_LEVEL: 'debug' };
  t.match(parseAgentConfig([], env), { server: 'https://env:1/', token: 'E', nodeName: 'env-node', dataDir: '/env', logLevel: 'debug' });
  t.match(parseAgentConfig(['--node-name', 'flag-node', '--log-level', 'warn'], env), { nodeName: 'flag-node', logLevel: 'warn' });
});

t.test('every problem is reported at once, naming its flag', async (t) => {
  t.same(problems([]), [
    '--server: is required (or set SKIFF_SERVER)',
    '--token: is required (or set SKIFF_TOKEN)',
    '--node-name: is required (or set SKIFF_NODE_NAME)',
    '--data-dir: is required (or set SKIFF_DATA_DIR)',
  ]);
  const many = problems(['--server', 'ftp://x', '--token', 'T', '--node-name', 'Bad_Name', '--data-dir', 'd', '--node-label', 'noequals', '--node-label', 'a b=c', '--node-label', 'k=bad value', '--node-ip', '300.1.1.1', '--log-level', 'loud', '--bogus', 'v', 'stray']);
  t.same(
    many.map((p) => p.split(':')[0]),
    ['--bogus', 'stray', '--server', '--node-name', '--node-label', '--node-label', '--node-label', '--node-ip', '--log-level'],
  );
  t.match(many.join('\n'), /--server: must be an http:\/\/ or https:\/\/ URL/);
  t.match(many.join('\n'), /--node-name: "Bad_Name" must be a lowercase RFC 1123 subdomain/);
  t.match(many.join('\n'), /--node-label: "noequals" must be key=value/);
  t.match(many.join('\n'), /--node-label: "k=bad value": value "bad value"/);
  t.match(many.join('\n'), /--node-ip: "300.1.1.1" is not an IP address/);
  t.match(many.join('\n'), /--log-level: "loud" must be one of/);
});

t.test('table of single bad values', async (t) => {
  const table: Array<[string[], RegExp]> = [
    [['--server', 'not a url'], /^--server: "not a url" is not a URL/],
    [['--server', 'http://'], /^--server: /],
    [['--node-name', 'x'.repeat(254)], /^--node-name: /],
    [['--node-name', '-leading'], /^--node-name: /],
    [['--node-label', 'Example.com/k=v'], /^--node-label: .*prefix "Example.com"/],
    [['--node-label', `k=${'v'.repeat(64)}`], /^--node-label: .*value/],
    [['--server'], /^--server: requires a value/],
    [['--server', '--token', 'x'], /^--server: requires a value \(got the flag --token\)/],
  ];
  for (const [override, expected] of table) {
    const argv = [...GOOD];
    const at = argv.indexOf(override[0]!);
    if (at >= 0) argv.splice(at, 2);
    const found = problems([...argv, ...override]);
    t.ok(found.some((p) => expected.test(p)), `${override.join(' ')} -> ${found.join(' | ')}`);
  }
});

t.test('label keys and values follow Kubernetes rules', async (t) => {
  const ok = ['a=b', 'a=', 'example.com/a-b_c.d=x', 'k8s.io/x=Y-1'];
  for (const label of ok) t.same(problems([...GOOD, '--node-label', label]), [], label);
});

t.test('--help is recognised before validation', async (t) => {
  t.ok(wantsHelp(['--help']));
  t.ok(wantsHelp(['-h', '--server']));
  t.notOk(wantsHelp(GOOD));
  t.match(AGENT_USAGE, /--node-label/);
});

t.test('node resource flags: reservations, eviction thresholds, transition period, max pods', async (t) => {
  const defaults = parseAgentConfig(GOOD, {});
  t.same(defaults.reserved, [{}, {}], 'nothing reserved by default');
  t.same(defaults.evictionHard, { 'memory.available': { quantity: 100 * 2 ** 20 }, 'nodefs.available': { percentage: 0.1 }, 'nodefs.inodesFree': { percentage: 0.05 } }, "kubelet's defaults");
  t.equal(defaults.evictionPressureTransitionPeriodMs, 300_000);
  t.equal(defaults.maxPods, 110);
  t.equal(defaults.podMaxPids, 1024, 'a sane PID cap for a Pi');
  t.equal(parseAgentConfig([...GOOD, '--pod-max-pids', '-1'], {}).podMaxPids, undefined, '-1: unlimited');
  t.equal(parseAgentConfig([...GOOD, '--pod-max-pids', '200'], {}).podMaxPids, 200);

  const config = parseAgentConfig(
    [...GOOD, '--system-reserved', 'cpu=500m,memory=256Mi', '--kube-reserved', 'memory=64Mi,ephemeral-storage=1Gi', '--eviction-hard', 'memory.available<5%', '--eviction-pressure-transition-period', '30s', '--max-pods', '20'],
    {},
  );
  t.same(config.reserved, [{ cpu: 500, memory: 256 * 2 ** 20 }, { memory: 64 * 2 ** 20, 'ephemeral-storage': 2 ** 30 }]);
  t.same(config.evictionHard, { 'memory.available': { percentage: 0.05 } }, 'setting the flag replaces the defaults, as kubelet did');
  t.equal(config.evictionPressureTransitionPeriodMs, 30_000);
  t.equal(config.maxPods, 20);
  t.ok(Object.isFrozen(config.reserved));
  t.match(AGENT_USAGE, /--system-reserved +resources kept for the OS/);
});

t.test('bad node resource flags name the flag and the entry', async (t) => {
  const table: Array<[string[], RegExp]> = [
    [['--system-reserved', 'gpu=1'], /^--system-reserved: "gpu" is not a reservable resource/],
    [['--system-reserved', 'memory'], /^--system-reserved: "memory" must be resource=quantity/],
    [['--kube-reserved', 'memory=lots'], /^--kube-reserved: "lots" for memory is not a non-negative quantity/],
    [['--eviction-hard', 'memory.available>1Gi'], /^--eviction-hard: "memory.available>1Gi" must be signal<quantity/],
    [['--eviction-hard', 'imagefs.available<15%'], /^--eviction-hard: "imagefs.available" is not a signal the agent observes/],
    [['--eviction-hard', 'nodefs.available<120%'], /^--eviction-hard: "120%" for nodefs.available must be a percentage between 0% and 100%/],
    [['--eviction-hard', 'memory.available<-1'], /^--eviction-hard: "-1" for memory.available is not a non-negative quantity/],
    [['--eviction-pressure-transition-period', 'soon'], /^--eviction-pressure-transition-period: invalid argument "soon"/],
    [['--max-pods', '0'], /^--max-pods: "0" must be a whole number of at least 1/],
    [['--max-pods', '1.5'], /^--max-pods: "1.5" must be a whole number/],
    [['--pod-max-pids', '0'], /^--pod-max-pids: "0" must be a whole number of at least 1, or -1 for no limit/],
    [['--pod-max-pids', '-2'], /^--pod-max-pids: "-2" must be/],
  ];
  for (const [flags, expected] of table) {
    const found = problems([...GOOD, ...flags]);
    t.ok(found.length === 1 && expected.test(found[0]!), `${flags.join(' ')} -> ${found.join(' | ')}`);
  }
});

t.test('the default --secrets-dir is always meant to be a tmpfs', async (t) => {
  t.equal(defaultSecretsDir(0, true), '/run/skiff/secrets', 'root on a systemd host: /run');
  t.equal(defaultSecretsDir(0, false), '/dev/shm/skiff', 'root where /run is on the disk: /dev/shm');
  t.equal(defaultSecretsDir(1000, true), '/dev/shm/skiff-1000', 'a user: its own dir under /dev/shm');
});
