/**
 * The files an external Mosquitto 2.0 needs to serve a Skiff fleet (issue #11): its
 * mosquitto.conf, and the dynamic-security plugin's first state, holding only the hub's account
 * (the hub then adds each node through hub/broker/mosquitto-dynsec.ts). Pure text from options;
 * writing the files is the caller's business. Every value is checked before it lands in a line,
 * so that no path or name can add a line of its own.
 *
 * The limits follow the embedded broker's (DEFAULTS.broker): the same largest packet and the same
 * queue for an offline node. Persistence is on, because the hub's retained desired states and
 * Services view must survive a broker restart, as must the sessions of offline nodes.
 */
import { isAbsolute } from 'node:path';
import { SkiffError } from '../../shared/errors.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { HUB_ROLE, checkHubUsername, hashPassword, hubAclEntries } from './mosquitto-acl.js';

/** Debian's path of the plugin for each Node.js architecture (package mosquitto). */
const DEBIAN_MULTIARCH: Readonly<Record<string, string>> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  arm: 'arm-linux-gnueabihf',
};

export function dynamicSecurityPluginPath(arch: string = process.arch): string {
  const multiarch = DEBIAN_MULTIARCH[arch];
  if (multiarch === undefined) throw new SkiffError('SKIFF_ERR_CONFIG', `no known path of mosquitto_dynamic_security.so for architecture ${arch}: give pluginPath`);
  return `/usr/lib/${multiarch}/mosquitto_dynamic_security.so`;
}

export interface MosquittoTlsFiles {
  /** PEM files, as mosquitto.conf's cafile, certfile and keyfile. */
  cafile: string;
  certfile: string;
  keyfile: string;
}

/** The plugin (the default), or the static alternative: a password_file and an acl_file. */
export type MosquittoAuth =
  | { kind: 'dynamic-security'; configFile: string; pluginPath?: string }
  | { kind: 'files'; passwordFile: string; aclFile: string };

export interface MosquittoConfigOptions {
  port: number;
  /** Address of the listener; every interface when absent. */
  bindAddress?: string;
  /** MQTT over TLS (1.2 or later) on the port; plain MQTT when absent. */
  tls?: MosquittoTlsFiles;
  /** Directory of mosquitto.db (retained messages, offline sessions). */
  persistenceLocation: string;
  auth: MosquittoAuth;
  /** The user Mosquitto switches to when started as root (its default is `mosquitto`). */
  runAsUser?: string;
  /** Mosquitto's own log file; its default (stderr) when absent. */
  logFile?: string;
  /** Largest packet's remaining length a client may send (default DEFAULTS.broker.maxPacketBytes). */
  maxPacketBytes?: number;
  /** QoS 1 messages kept for one offline session (default DEFAULTS.broker.maxQueuedPerClient). */
  maxQueuedMessages?: number;
  /**
   * How often the in-memory state is written to mosquitto.db; it is also written at a clean stop.
   * A crash loses what changed since; the hub republishes desired states at its start.
   */
  autosaveIntervalSeconds?: number;
  /** A persistent session not resumed for this long is dropped (Mosquitto's `persistent_client_expiration`). */
  persistentClientExpiration?: string;
}

/** Defaults of the options not taken from DEFAULTS.broker. */
export const MOSQUITTO_DEFAULTS = {
  autosaveIntervalSeconds: 60,
  /** A node away this long resubscribes anyway when it comes back (and its retained desired state waits). */
  persistentClientExpiration: '30d',
} as const;

/**
 * Mosquitto 2.0.11 drops a client whose packet has remaining length + 1 > max_packet_size (it
 * counts the first byte of the fixed header, not the length bytes; measured, see
 * test/integration/mosquitto-acl.test.ts); the hub's limit is on the remaining length alone.
 */
const MOSQUITTO_PACKET_SIZE_OVERHEAD = 1;

function fail(field: string, value: unknown, problem: string): never {
  throw new SkiffError('SKIFF_ERR_CONFIG', `mosquitto config ${field} ${JSON.stringify(value)}: ${problem}`);
}

/** One config token: a line break or a leading/trailing space would change what Mosquitto reads. */
function token(field: string, value: string): string {
  if (value.length === 0 || /[\r\n]/.test(value) || value.trim() !== value) fail(field, value, 'must be non-empty, on one line, without surrounding spaces');
  return value;
}

function path(field: string, value: string): string {
  token(field, value);
  if (!isAbsolute(value)) fail(field, value, 'must be an absolute path');
  return value;
}

function positiveInteger(field: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) fail(field, value, `must be an integer from 1 to ${max}`);
  return value;
}

function authLines(auth: MosquittoAuth): string[] {
  if (auth.kind === 'files') {
    return [
      `password_file ${path('auth.passwordFile', auth.passwordFile)}`,
      `acl_file ${path('auth.aclFile', auth.aclFile)}`,
    ];
  }
  return [
    `plugin ${path('auth.pluginPath', auth.pluginPath ?? dynamicSecurityPluginPath())}`,
    `plugin_opt_config_file ${path('auth.configFile', auth.configFile)}`,
  ];
}

/** The text of a mosquitto.conf for a Skiff fleet. */
export function mosquittoConfig(options: MosquittoConfigOptions): string {
  const port = positiveInteger('port', options.port, 65_535);
  const maxPacketBytes = positiveInteger('maxPacketBytes', options.maxPacketBytes ?? DEFAULTS.broker.maxPacketBytes);
  const maxQueued = positiveInteger('maxQueuedMessages', options.maxQueuedMessages ?? DEFAULTS.broker.maxQueuedPerClient);
  const autosave = positiveInteger('autosaveIntervalSeconds', options.autosaveIntervalSeconds ?? MOSQUITTO_DEFAULTS.autosaveIntervalSeconds);
  const expiration = options.persistentClientExpiration ?? MOSQUITTO_DEFAULTS.persistentClientExpiration;
  if (!/^[1-9][0-9]*[hdwmy]$/.test(expiration)) fail('persistentClientExpiration', expiration, 'must be a count and one of h d w m y, as 30d');
  const persistence = path('persistenceLocation', options.persistenceLocation);
  const listener = options.bindAddress === undefined ? `listener ${port}` : `listener ${port} ${token('bindAddress', options.bindAddress)}`;

  const lines = [
    '# Mosquitto for a Skiff fleet (generated by hub/broker/mosquitto-config.ts).',
    ...(options.runAsUser === undefined ? [] : [`user ${token('runAsUser', options.runAsUser)}`]),
    '# One set of auth settings for every listener, and no client without credentials.',
    'per_listener_settings false',
    'allow_anonymous false',
    ...authLines(options.auth),
    '',
    '# Retained desired states, the Services view and offline sessions survive a restart.',
    'persistence true',
    `persistence_location ${persistence.endsWith('/') ? persistence : `${persistence}/`}`,
    `autosave_interval ${autosave}`,
    `persistent_client_expiration ${expiration}`,
    '',
    '# The embedded broker\'s limits (DEFAULTS.broker).',
    `max_packet_size ${maxPacketBytes + MOSQUITTO_PACKET_SIZE_OVERHEAD}`,
    `max_queued_messages ${maxQueued}`,
    '',
    ...(options.logFile === undefined ? [] : [`log_dest file ${path('logFile', options.logFile)}`, '']),
    listener,
  ];
  if (options.auth.kind === 'files') {
    // Without the plugin nothing ties a client id to a username: this makes the username the
    // client id, so one node cannot take over (or knock off) another's session.
    lines.push('use_username_as_clientid true');
  }
  if (options.tls) {
    lines.push(
      `cafile ${path('tls.cafile', options.tls.cafile)}`,
      `certfile ${path('tls.certfile', options.tls.certfile)}`,
      `keyfile ${path('tls.keyfile', options.tls.keyfile)}`,
      'tls_version tlsv1.2',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The dynamic-security plugin's first state (its `plugin_opt_config_file`), in the shape Mosquitto
 * 2.0.11 writes itself (`mosquitto_ctrl dynsec init`): the hub's client and role, nothing else,
 * and every default access denied, so that a client with no role can do nothing at all.
 */
export function dynamicSecurityJson(options: { hubUsername: string; hubPassword: string; salt?: Buffer }): string {
  const username = checkHubUsername(options.hubUsername);
  if (options.hubPassword.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', 'hubPassword: must not be empty');
  const hashed = hashPassword(options.hubPassword, options.salt);
  const state = {
    defaultACLAccess: { publishClientSend: false, publishClientReceive: false, subscribe: false, unsubscribe: false },
    clients: [
      {
        username,
        textName: 'Skiff hub',
        password: hashed.hash,
        salt: hashed.salt,
        iterations: hashed.iterations,
        roles: [{ rolename: HUB_ROLE }],
      },
    ],
    groups: [],
    roles: [{ rolename: HUB_ROLE, textdescription: 'The Skiff hub: every Skiff topic, and managing node clients', acls: hubAclEntries() }],
  };
  return `${JSON.stringify(state, null, 2)}\n`;
}
