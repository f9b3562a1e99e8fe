/**
 * `skiff hub mosquitto-config`: the files it writes for an external broker, that a real Mosquitto
 * 2.0 starts from them and lets the hub's user in over TLS with the hub's CA, and that it never
 * overwrites anything.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { connectAsync } from 'mqtt';
import { loadOrCreateTls } from '../../../hub/identity/tls.js';
import { createContext } from '../../../hub/cli/context.js';
import { MOSQUITTO_CONFIG_FILES, runMosquittoConfig } from '../../../hub/cli/actions/mosquitto-config.js';
import { freePort } from '../../helpers/ports.js';
import { stop } from '../../helpers/processes.js';
import { waitFor } from '../../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-mosquitto-config-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const dataDir = join(dir, 'hub');
const tls = loadOrCreateTls(dataDir, { host: '127.0.0.1' });

function context(out: string[]) {
  return createContext(
    { stdout: (s: string) => void out.push(s), stderr: () => {}, readStdin: async () => '', env: {}, homedir: '/nonexistent', waitForSignal: async () => 'SIGTERM' as const, exit: () => {} },
    async () => {
      throw new Error('no client needed');
    },
  );
}

t.test('writes a broker configuration that a real Mosquitto runs, letting the hub in over TLS', async (t) => {
  const out = join(dir, 'broker');
  const port = await freePort();
  const printed: string[] = [];
  await runMosquittoConfig({ out, dataDir, port: String(port), san: ['127.0.0.1', 'broker.lan'] }, context(printed));
  t.match(printed.join(''), /the broker's certificate is for broker\.lan, 127\.0\.0\.1, issued by the hub's CA/);
  t.match(printed.join(''), new RegExp(`--mqtt-url mqtts://127\\.0\\.0\\.1:${port} --mqtt-password-file ${join(out, 'hub-mqtt-password')}`));
  for (const file of [MOSQUITTO_CONFIG_FILES.key, MOSQUITTO_CONFIG_FILES.dynamicSecurity, MOSQUITTO_CONFIG_FILES.hubPassword]) {
    t.equal(statSync(join(out, file)).mode & 0o777, 0o600, `${file} is readable by its owner only`);
  }
  t.equal(readFileSync(join(out, MOSQUITTO_CONFIG_FILES.ca), 'utf8'), tls.caPem, 'the hub\'s CA, which agents pin');
  const config = readFileSync(join(out, MOSQUITTO_CONFIG_FILES.config), 'utf8');
  t.match(config, /^allow_anonymous false$/m);
  t.match(config, new RegExp(`^listener ${port}$`, 'm'));
  t.match(config, /^plugin .*mosquitto_dynamic_security\.so$/m);

  // As root, Mosquitto would switch to its own user, which cannot read this private temp dir.
  const asRoot = join(out, 'as-root.conf');
  writeFileSync(asRoot, `user root\n${config}`);
  const broker = spawn('/usr/sbin/mosquitto', ['-c', asRoot], { stdio: 'ignore' });
  t.teardown(() => stop(broker, 'SIGTERM'));
  const password = readFileSync(join(out, MOSQUITTO_CONFIG_FILES.hubPassword), 'utf8').trim();
  const client = await waitFor('the hub user to log in over TLS', () =>
    connectAsync(`mqtts://127.0.0.1:${port}`, { username: 'skiff_hub', password, ca: tls.caPem, reconnectPeriod: 0, protocolVersion: 5, connectTimeout: 2000 }).catch(() => undefined),
  );
  t.ok(client.connected, 'the hub user logs in with the generated password, trusting the hub\'s CA');
  await client.endAsync();
  await t.rejects(
    connectAsync(`mqtts://127.0.0.1:${port}`, { username: 'skiff_hub', password: 'wrong', ca: tls.caPem, reconnectPeriod: 0, protocolVersion: 5, connectTimeout: 2000 }),
    'a wrong password is refused',
  );
});

t.test('refuses to overwrite, and names what is missing', async (t) => {
  const out = join(dir, 'again');
  await runMosquittoConfig({ out, dataDir }, context([]));
  const before = readFileSync(join(out, MOSQUITTO_CONFIG_FILES.hubPassword), 'utf8');
  await t.rejects(runMosquittoConfig({ out, dataDir }, context([])), { code: 'SKIFF_ERR_CONFIG', message: /already holds mosquitto\.conf, dynamic-security\.json, ca\.crt, server\.crt, server\.key, hub-mqtt-password: choose an empty --out directory \(nothing was written\)/ });
  t.equal(readFileSync(join(out, MOSQUITTO_CONFIG_FILES.hubPassword), 'utf8'), before, 'the password is the first one');
  await t.rejects(runMosquittoConfig({ port: '0', mqttUsername: 'hub' }, context([])), {
    code: 'SKIFF_ERR_CONFIG',
    message: /--out is required[^]*--data-dir is required[^]*invalid value "0" for --port[^]*invalid value for --mqtt-username: .*must not be a valid node name/,
  });
  await t.rejects(runMosquittoConfig({ out: join(dir, 'x'), dataDir: join(dir, 'no-hub') }, context([])), { message: /no hub CA in .*no-hub\/tls \(start the hub once/ });
});
