/**
 * A private Mosquitto 2.0 (Debian's mosquitto, /usr/sbin/mosquitto) for one test file, configured
 * as a Skiff fleet's external broker by hub/broker/mosquitto-config.ts: a temp dir holding its
 * config, state and log, a free loopback port, plain or TLS, and either the dynamic-security
 * plugin (holding only the hub's account, made up here) or the static alternative (an acl_file
 * and a password_file with the given nodes). Started as root by the tests, Mosquitto would switch
 * to the `mosquitto` user, which cannot read a private temp dir: it is told to stay root.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type IClientOptions } from 'mqtt';
import { DEFAULT_HUB_USERNAME, passwordFileLine, staticAclFile } from '../../hub/broker/mosquitto-acl.js';
import { dynamicSecurityJson, mosquittoConfig, type MosquittoAuth } from '../../hub/broker/mosquitto-config.js';
import { freePort } from './ports.js';
import { stop } from './processes.js';
import { waitFor } from './wait.js';

const MOSQUITTO = '/usr/sbin/mosquitto';

export interface LocalMosquittoOptions {
  /** Serve MQTT over TLS with this server certificate (PEM); clients trust `caPem`. */
  tls?: { caPem: string; certPem: string; keyPem: string };
  /** The static alternative: no plugin, these nodes (name to password) in a password_file. */
  staticNodes?: Record<string, string>;
}

export interface LocalMosquitto {
  /** mqtt://127.0.0.1:PORT, or mqtts:// with TLS. */
  url: string;
  port: number;
  hubUsername: string;
  hubPassword: string;
  dir: string;
  /** What any client needs to reach this broker (the CA with TLS), no reconnecting: add credentials. */
  connectOptions: IClientOptions;
  /** Mosquitto's log so far, for failure messages. */
  log(): string;
  /** Stops Mosquitto cleanly (it saves its state) and starts it again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startMosquitto(options: LocalMosquittoOptions = {}): Promise<LocalMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-mosquitto-'));
  const port = await freePort();
  const hubUsername = DEFAULT_HUB_USERNAME;
  const hubPassword = randomBytes(24).toString('base64url');
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };

  let auth: MosquittoAuth;
  if (options.staticNodes) {
    const users = [[hubUsername, hubPassword], ...Object.entries(options.staticNodes)];
    auth = {
      kind: 'files',
      passwordFile: file('passwords', users.map(([user, password]) => `${passwordFileLine(user!, password!)}\n`).join('')),
      aclFile: file('acl', staticAclFile({ hubUsername })),
    };
  } else {
    auth = { kind: 'dynamic-security', configFile: file('dynamic-security.json', dynamicSecurityJson({ hubUsername, hubPassword })) };
  }
  const tls = options.tls && {
    cafile: file('ca.crt', options.tls.caPem),
    certfile: file('server.crt', options.tls.certPem),
    keyfile: file('server.key', options.tls.keyPem),
  };
  const logFile = join(dir, 'mosquitto.log');
  const config = file(
    'mosquitto.conf',
    mosquittoConfig({
      port,
      bindAddress: '127.0.0.1',
      persistenceLocation: dir,
      auth,
      logFile,
      // As root, stay root (the private dir is not readable by the `mosquitto` user); otherwise ignored.
      ...(process.getuid?.() === 0 ? { runAsUser: userInfo().username } : {}),
      ...(tls ? { tls } : {}),
    }),
  );

  const url = `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`;
  const connectOptions: IClientOptions = { reconnectPeriod: 0, connectTimeout: 5_000, ...(options.tls ? { ca: options.tls.caPem } : {}) };
  const log = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '(no log)');

  const launch = async (): Promise<ChildProcess> => {
    // Never the test runner's pipes: its log goes to logFile.
    const child = spawn(MOSQUITTO, ['-c', config], { stdio: 'ignore' });
    const state = await waitFor(
      'Mosquitto to accept the hub',
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) return 'exited';
        const client = await connectAsync(url, { ...connectOptions, username: hubUsername, password: hubPassword }).catch(() => undefined);
        if (!client) return false;
        await client.endAsync();
        return 'up';
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    ).catch(async (err: unknown) => {
      await stop(child);
      throw new Error(`${String(err)}; its log:\n${log()}`);
    });
    if (state === 'exited') throw new Error(`mosquitto exited (${child.exitCode ?? child.signalCode}) at start; its log:\n${log()}`);
    return child;
  };

  let child = await launch().catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    url,
    port,
    hubUsername,
    hubPassword,
    dir,
    connectOptions,
    log,
    async restart() {
      await stop(child);
      child = await launch();
    },
    async close() {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
