import t from 'tap';
import { resolveHubOptions } from '../../../hub/cli/actions/hub.js';

t.test('defaults < environment < flags', async (t) => {
  t.same(resolveHubOptions({ dataDir: '/var/lib/skiff' }, {}), { dataDir: '/var/lib/skiff', apiPort: 7443, mqttPort: 1883, host: '0.0.0.0' });
  t.same(resolveHubOptions({}, { SKIFF_DATA_DIR: '/d', SKIFF_API_PORT: '8443', SKIFF_HOST: '127.0.0.1' }), { dataDir: '/d', apiPort: 8443, mqttPort: 1883, host: '127.0.0.1' });
  t.same(resolveHubOptions({ dataDir: '/flag', apiPort: '9443' }, { SKIFF_DATA_DIR: '/env', SKIFF_API_PORT: '8443' }), { dataDir: '/flag', apiPort: 9443, mqttPort: 1883, host: '0.0.0.0' });
  t.ok(Object.isFrozen(resolveHubOptions({ dataDir: '/d' }, {})));
});

t.test('bad values are all reported at once, naming the flag or variable', async (t) => {
  const messageOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };
  t.equal(
    messageOf(() => resolveHubOptions({ apiPort: '0', mqttPort: '1883.5' }, {})),
    [
      '--data-dir is required (or set $SKIFF_DATA_DIR)',
      'invalid value "0" for --api-port: must be an integer port between 1 and 65535',
      'invalid value "1883.5" for --mqtt-port: must be an integer port between 1 and 65535',
    ].join('\n'),
  );
  for (const bad of ['65536', 'abc', '-1', '']) {
    t.match(messageOf(() => resolveHubOptions({ dataDir: '/d', apiPort: bad }, {})), /for --api-port: must be an integer port/, JSON.stringify(bad));
  }
  t.equal(messageOf(() => resolveHubOptions({ dataDir: '/d' }, { SKIFF_MQTT_PORT: 'x' })), 'invalid value "x" for $SKIFF_MQTT_PORT: must be an integer port between 1 and 65535');
  t.equal(messageOf(() => resolveHubOptions({ dataDir: '/d', apiPort: '1883' }, {})), '--api-port and --mqtt-port must differ (both are 1883)');
});

t.test('skiff hub starts the hub, waits for a signal, closes it and exits 0', async (t) => {
  const { runHubCommand } = await import('../../../hub/cli/actions/hub.js');
  const { createContext } = await import('../../../hub/cli/context.js');
  const events: string[] = [];
  const io = {
    stdout: () => {},
    stderr: () => {},
    readStdin: async () => '',
    env: { SKIFF_API_PORT: '8443' },
    homedir: '/nonexistent',
    waitForSignal: async () => {
      events.push('signal');
      return 'SIGTERM';
    },
    exit: (code: number) => void events.push(`exit ${code}`),
  };
  const ctx = createContext(io, async () => {
    throw new Error('the hub command needs no client');
  });
  const close = async (): Promise<void> => {
    events.push('close');
  };
  await runHubCommand({ dataDir: '/d', mqttPort: '2883' }, ctx, async (options) => {
    events.push(`start ${JSON.stringify(options)}`);
    return { apiUrl: 'http://127.0.0.1:8443', mqttPort: 2883, close };
  });
  t.same(events, ['start {"dataDir":"/d","apiPort":8443,"mqttPort":2883,"host":"0.0.0.0"}', 'signal', 'close', 'exit 0']);
});

t.test('--node-monitor-grace-period takes a Go duration, from the flag or $SKIFF_NODE_MONITOR_GRACE_PERIOD', async (t) => {
  t.equal(resolveHubOptions({ dataDir: '/d', nodeMonitorGracePeriod: '15s' }, {}).nodeMonitorGracePeriodMs, 15_000);
  t.equal(resolveHubOptions({ dataDir: '/d' }, { SKIFF_NODE_MONITOR_GRACE_PERIOD: '1m30s' }).nodeMonitorGracePeriodMs, 90_000);
  t.equal(resolveHubOptions({ dataDir: '/d' }, {}).nodeMonitorGracePeriodMs, undefined, 'absent: the hub uses DEFAULTS');
  t.throws(() => resolveHubOptions({ dataDir: '/d', nodeMonitorGracePeriod: 'soon' }, {}), { message: /invalid argument "soon" for "--node-monitor-grace-period" flag/ });
  t.throws(() => resolveHubOptions({ dataDir: '/d' }, { SKIFF_NODE_MONITOR_GRACE_PERIOD: '0' }), { message: /for \$SKIFF_NODE_MONITOR_GRACE_PERIOD: must be longer than 0/ });
});

t.test('--mqtt-url: an external broker with the hub user\'s password from a file, every mistake named', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'skiff-hub-options-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, 's3cret\n');
  const caFile = join(dir, 'ca.crt');
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\n');
  t.same(resolveHubOptions({ dataDir: '/d', mqttUrl: 'mqtts://broker.lan:8883', mqttPasswordFile: passwordFile }, {}).externalBroker, {
    url: 'mqtts://broker.lan:8883',
    username: 'skiff_hub',
    password: 's3cret',
  });
  t.same(resolveHubOptions({ dataDir: '/d' }, { SKIFF_MQTT_URL: 'mqtt://b:1883', SKIFF_MQTT_PASSWORD_FILE: passwordFile, SKIFF_MQTT_CA_FILE: caFile, SKIFF_MQTT_USERNAME: 'hub_1' }).externalBroker, {
    url: 'mqtt://b:1883',
    username: 'hub_1',
    password: 's3cret',
    caPem: '-----BEGIN CERTIFICATE-----\n',
  });
  t.equal(resolveHubOptions({ dataDir: '/d', mqttUrl: 'mqtts://b:8883', mqttPasswordFile: passwordFile, apiPort: '1883' }, {}).apiPort, 1883, 'the embedded broker\'s port is unused then: the API may take it');
  const messageOf = (flags: Parameters<typeof resolveHubOptions>[0]): string => {
    try {
      resolveHubOptions({ dataDir: '/d', ...flags }, {});
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };
  t.equal(messageOf({ mqttPasswordFile: passwordFile, mqttUsername: 'x_y' }), ['--mqtt-username needs --mqtt-url', '--mqtt-password-file needs --mqtt-url'].join('\n'));
  t.equal(messageOf({ mqttUrl: 'broker.lan:8883' }), 'invalid value "broker.lan:8883" for --mqtt-url: an mqtt:// or mqtts:// URL of the broker is required (mqtts://broker.lan:8883)');
  t.equal(messageOf({ mqttUrl: 'mqtts://b:8883' }), '--mqtt-password-file is required with --mqtt-url (a file holding the hub user\'s password)');
  t.match(messageOf({ mqttUrl: 'mqtts://b:8883', mqttPasswordFile: join(dir, 'missing') }), /^cannot read .*missing \(--mqtt-password-file\): ENOENT$/);
  t.match(messageOf({ mqttUrl: 'mqtts://b:8883', mqttPasswordFile: passwordFile, mqttUsername: 'pi-1' }), /^invalid value for --mqtt-username: .*must not be a valid node name/);
});

t.test('--leader-elect-lease-duration and --leader-elect-retry-period, as kube-controller-manager\'s', async (t) => {
  t.same(resolveHubOptions({ dataDir: '/d', leaderElectLeaseDuration: '15s' }, {}).leaderElection, { leaseDurationMs: 15_000, renewPeriodMs: 2_000, retryPeriodMs: 2_000 });
  t.same(resolveHubOptions({ dataDir: '/d' }, { SKIFF_LEADER_ELECT_RETRY_PERIOD: '1s' }).leaderElection, { leaseDurationMs: 10_000, renewPeriodMs: 1_000, retryPeriodMs: 1_000 });
  t.equal(resolveHubOptions({ dataDir: '/d' }, {}).leaderElection, undefined, 'absent: DEFAULTS.leaderElection');
  t.throws(() => resolveHubOptions({ dataDir: '/d', leaderElectLeaseDuration: '6s', leaderElectRetryPeriod: '2s' }, {}), {
    message: '--leader-elect-retry-period (2000 ms) must be at most 2/9 of --leader-elect-lease-duration (6000 ms)',
  });
  t.throws(() => resolveHubOptions({ dataDir: '/d', leaderElectRetryPeriod: 'often' }, {}), { message: /invalid argument "often" for "--leader-elect-retry-period" flag/ });
});
