/**
 * `skiff hub mosquitto-config --out DIR`: everything a Mosquitto 2.0 needs to be a Skiff fleet's
 * external broker (issue #11, docs/scale-out.md), generated from the hub's own data dir:
 *
 * - mosquitto.conf: one TLS listener, no anonymous clients, persistence, the dynamic security
 *   plugin (hub/broker/mosquitto-config.ts);
 * - dynamic-security.json: the plugin's first state, holding only the hub's user and role; the
 *   hub adds one account per node as nodes join (hub/broker/mosquitto-dynsec.ts);
 * - server.crt / server.key: the broker's certificate, issued by the hub's CA, so that agents,
 *   which pin that CA when they join, trust the broker too; ca.crt beside them;
 * - hub-mqtt-password (mode 0600): the hub user's password, for `skiff hub --mqtt-password-file`.
 *
 * Nothing is overwritten: a file that exists already stops the command before anything is written.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError } from '../../../shared/errors.js';
import { checkHubUsername } from '../../broker/mosquitto-acl.js';
import { dynamicSecurityJson, mosquittoConfig } from '../../broker/mosquitto-config.js';
import { issueServerCert } from '../../identity/tls.js';
import type { CliContext } from '../context.js';
import { HUB_ENV } from '../hub-env.js';

export interface MosquittoConfigFlags {
  out?: string;
  dataDir?: string;
  port?: string;
  san?: string[];
  mqttUsername?: string;
}

export const MOSQUITTO_CONFIG_FILES = {
  config: 'mosquitto.conf',
  dynamicSecurity: 'dynamic-security.json',
  ca: 'ca.crt',
  cert: 'server.crt',
  key: 'server.key',
  hubPassword: 'hub-mqtt-password',
} as const;

export async function runMosquittoConfig(flags: MosquittoConfigFlags, ctx: CliContext, now: () => Date = () => new Date()): Promise<void> {
  const problems: string[] = [];
  const out = flags.out?.trim();
  if (!out) problems.push('--out is required (the directory to write the broker\'s files into)');
  const dataDir = flags.dataDir ?? (ctx.io.env[HUB_ENV.dataDir] || undefined);
  if (!dataDir) problems.push(`--data-dir is required (or set $${HUB_ENV.dataDir}): the hub whose CA issues the broker's certificate`);
  const port = Number(flags.port ?? 8883);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) problems.push(`invalid value "${flags.port}" for --port: must be an integer port between 1 and 65535`);
  const username = flags.mqttUsername ?? DEFAULTS.broker.hubMqttUsername;
  try {
    checkHubUsername(username);
  } catch (err) {
    problems.push(`invalid value for --mqtt-username: ${(err as Error).message}`);
  }
  if (problems.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', problems.join('\n'));

  const dir = resolve(out!);
  const taken = Object.values(MOSQUITTO_CONFIG_FILES).filter((file) => existsSync(join(dir, file)));
  if (taken.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `${dir} already holds ${taken.join(', ')}: choose an empty --out directory (nothing was written)`);
  const caFile = join(dataDir!, 'tls', 'ca.crt');
  const caKeyFile = join(dataDir!, 'tls', 'ca.key');
  if (!existsSync(caFile) || !existsSync(caKeyFile)) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `no hub CA in ${join(dataDir!, 'tls')} (start the hub once with --data-dir ${dataDir} to create it)`);
  }

  // The names agents may reach the broker by; the certificate must hold the one in --mqtt-url.
  const names = flags.san && flags.san.length > 0 ? flags.san : ['localhost', hostname()];
  const sans = { dns: names.filter((n) => isIP(n) === 0), ips: [...names.filter((n) => isIP(n) !== 0), ...(flags.san?.length ? [] : ['127.0.0.1'])] };
  const ca = { certPem: readFileSync(caFile, 'utf8'), keyPem: readFileSync(caKeyFile, 'utf8') };
  const cert = issueServerCert(ca, sans, now());
  const password = randomBytes(24).toString('base64url');
  const config = mosquittoConfig({
    port,
    tls: { cafile: join(dir, MOSQUITTO_CONFIG_FILES.ca), certfile: join(dir, MOSQUITTO_CONFIG_FILES.cert), keyfile: join(dir, MOSQUITTO_CONFIG_FILES.key) },
    persistenceLocation: join(dir, 'data'),
    auth: { kind: 'dynamic-security', configFile: join(dir, MOSQUITTO_CONFIG_FILES.dynamicSecurity) },
  });

  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, MOSQUITTO_CONFIG_FILES.ca), ca.certPem, { flag: 'wx' });
  writeFileSync(join(dir, MOSQUITTO_CONFIG_FILES.cert), cert.certPem, { flag: 'wx' });
  writeFileSync(join(dir, MOSQUITTO_CONFIG_FILES.key), cert.keyPem, { flag: 'wx', mode: 0o600 });
  writeFileSync(join(dir, MOSQUITTO_CONFIG_FILES.dynamicSecurity), dynamicSecurityJson({ hubUsername: username, hubPassword: password }), { flag: 'wx', mode: 0o600 });
  writeFileSync(join(dir, MOSQUITTO_CONFIG_FILES.hubPassword), `${password}\n`, { flag: 'wx', mode: 0o600 });
  writeFileSync(join(dir, MOSQUITTO_CONFIG_FILES.config), config, { flag: 'wx' });
  const host = names[0]!;
  ctx.io.stdout(
    [
      `wrote ${Object.values(MOSQUITTO_CONFIG_FILES).join(', ')} and data/ into ${dir}`,
      `the broker's certificate is for ${[...sans.dns, ...sans.ips].join(', ')}, issued by the hub's CA`,
      `run the broker:  chown -R mosquitto ${dir} && mosquitto -c ${join(dir, MOSQUITTO_CONFIG_FILES.config)}`,
      `run each hub:    skiff hub --data-dir ${dataDir} --mqtt-url mqtts://${host}:${port} --mqtt-password-file ${join(dir, MOSQUITTO_CONFIG_FILES.hubPassword)} --datastore-endpoint postgres://...`,
      '',
    ].join('\n'),
  );
}
