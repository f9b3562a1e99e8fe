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
