/**
 * `skiff hub`: runs the control plane in this process until SIGINT or SIGTERM. Options go
 * through one parse path, defaults < environment < flags (style.md lesson 8), and every bad
 * value is reported at once, naming the flag or variable it came from. Its subcommands
 * (rotate-encryption-key, backup, restore) work on the data dir's files and find them the same way.
 */
import { join } from 'node:path';
import { DEFAULTS, HUB_FILES } from '../../../shared/defaults.js';
import { SkiffError } from '../../../shared/errors.js';
import type { HubHandle, HubOptions } from '../../server/run.js';
import type { RotationOptions, RotationResult } from '../../store/secret-key-rotation.js';
import type { BackupOptions, BackupResult } from '../../store/backup.js';
import type { RestoreOptions, RestoreResult } from '../../store/restore.js';
import type { CliContext } from '../context.js';
import { parseDurationMs } from '../../../shared/duration.js';
import { HUB_ENV } from '../hub-env.js';
import { describeDatastore, parseDatastoreEndpoint, type Datastore } from '../../store/datastore-endpoint.js';
import type { TransferResult } from '../../store/store-transfer.js';
import type { ExternalBrokerSettings } from '../../server/hub-broker.js';
import type { LeaseTiming } from '../../leader/postgres-lease.js';
import { readFileSync } from 'node:fs';
import { checkHubUsername } from '../../broker/mosquitto-acl.js';

export interface HubFlags {
  dataDir?: string;
  apiPort?: string;
  mqttPort?: string;
  host?: string;
  nodeMonitorGracePeriod?: string;
  horizontalPodAutoscalerSyncPeriod?: string;
  horizontalPodAutoscalerDownscaleStabilization?: string;
  nodeCredentialTtl?: string;
  encryptionKeyFile?: string;
  auditLogPath?: string;
  datastoreEndpoint?: string;
  mqttUrl?: string;
  mqttUsername?: string;
  mqttPasswordFile?: string;
  mqttCaFile?: string;
  leaderElectLeaseDuration?: string;
  leaderElectRetryPeriod?: string;
}

/** Transport flags (booleans and a repeatable list, so apart from the string flags above). */
export interface HubTlsFlags {
  /** --plain-http: serve the API without TLS (explicit opt-out of the default HTTPS). */
  plainHttp?: boolean;
  /** --plain-mqtt: plain MQTT instead of MQTTS on the MQTT port. */
  plainMqtt?: boolean;
  /** --tls-san (repeatable): extra DNS names or IPs for the serving certificate, as k3s'. */
  tlsSan?: string[];
}

const FLAG_NAMES = {
  dataDir: '--data-dir',
  apiPort: '--api-port',
  mqttPort: '--mqtt-port',
  host: '--host',
  nodeMonitorGracePeriod: '--node-monitor-grace-period',
  horizontalPodAutoscalerSyncPeriod: '--horizontal-pod-autoscaler-sync-period',
  horizontalPodAutoscalerDownscaleStabilization: '--horizontal-pod-autoscaler-downscale-stabilization',
  nodeCredentialTtl: '--node-credential-ttl',
  encryptionKeyFile: '--encryption-key-file',
  auditLogPath: '--audit-log-path',
  datastoreEndpoint: '--datastore-endpoint',
  mqttUrl: '--mqtt-url',
  mqttUsername: '--mqtt-username',
  mqttPasswordFile: '--mqtt-password-file',
  mqttCaFile: '--mqtt-ca-file',
  leaderElectLeaseDuration: '--leader-elect-lease-duration',
  leaderElectRetryPeriod: '--leader-elect-retry-period',
} as const;

export function resolveHubOptions(flags: HubFlags & HubTlsFlags, env: Readonly<Record<string, string | undefined>>): HubOptions {
  const problems: string[] = [];
  const pick = (key: keyof HubFlags): { value: string; from: string } | undefined => {
    const flag = flags[key];
    if (flag !== undefined) return { value: flag, from: FLAG_NAMES[key] };
    const fromEnv = env[HUB_ENV[key]];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, from: `$${HUB_ENV[key]}` };
    return undefined;
  };
  const port = (key: 'apiPort' | 'mqttPort', fallback: number): number => {
    const given = pick(key);
    if (!given) return fallback;
    const n = Number(given.value);
    if (!/^\d+$/.test(given.value.trim()) || !Number.isInteger(n) || n < 1 || n > 65535) {
      problems.push(`invalid value "${given.value}" for ${given.from}: must be an integer port between 1 and 65535`);
    }
    return n;
  };

  const dataDir = pick('dataDir');
  if (!dataDir || dataDir.value.trim() === '') problems.push(`${FLAG_NAMES.dataDir} is required (or set $${HUB_ENV.dataDir})`);
  const apiPort = port('apiPort', DEFAULTS.apiPort);
  const mqttPort = port('mqttPort', DEFAULTS.mqttPort);
  const host = pick('host');
  if (host && host.value.trim() === '') problems.push(`invalid value "" for ${host.from}: an address to listen on is required`);
  const grace = pick('nodeMonitorGracePeriod');
  let nodeMonitorGracePeriodMs: number | undefined;
  if (grace) {
    try {
      nodeMonitorGracePeriodMs = parseDurationMs(grace.value, grace.from);
      if (nodeMonitorGracePeriodMs <= 0) problems.push(`invalid value "${grace.value}" for ${grace.from}: must be longer than 0`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  // kube-controller-manager's HPA flags: the sync period must be positive, a zero window means none.
  const hpaDuration = (key: 'horizontalPodAutoscalerSyncPeriod' | 'horizontalPodAutoscalerDownscaleStabilization', allowZero: boolean): number | undefined => {
    const given = pick(key);
    if (!given) return undefined;
    try {
      const ms = parseDurationMs(given.value, given.from);
      if (ms < 0 || (!allowZero && ms === 0)) problems.push(`invalid value "${given.value}" for ${given.from}: must be longer than 0`);
      return ms;
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
  const hpaSyncPeriodMs = hpaDuration('horizontalPodAutoscalerSyncPeriod', false);
  const hpaDownscaleStabilizationMs = hpaDuration('horizontalPodAutoscalerDownscaleStabilization', true);
  // Node credentials must live long enough to be renewed (at ~2/3 of their life): at least a few seconds.
  const credentialTtl = pick('nodeCredentialTtl');
  let nodeCredentialTtlMs: number | undefined;
  if (credentialTtl) {
    try {
      nodeCredentialTtlMs = parseDurationMs(credentialTtl.value, credentialTtl.from);
      if (nodeCredentialTtlMs < 3000) problems.push(`invalid value "${credentialTtl.value}" for ${credentialTtl.from}: must be at least 3s`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const encryptionKeyFile = pick('encryptionKeyFile');
  if (encryptionKeyFile && encryptionKeyFile.value.trim() === '') problems.push(`invalid value "${encryptionKeyFile.value}" for ${encryptionKeyFile.from}: a file path is required`);
  const auditLogPath = pick('auditLogPath');
  if (auditLogPath && auditLogPath.value.trim() === '') problems.push(`invalid value "" for ${auditLogPath.from}: a file path, or - for stdout, is required`);
  const endpoint = pick('datastoreEndpoint');
  let datastore: Datastore | undefined;
  if (endpoint) {
    try {
      datastore = parseDatastoreEndpoint(endpoint.value, endpoint.from);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const externalBroker = resolveExternalBroker(pick, problems);
  const leaderElection = resolveLeaderElection(pick, problems);
  if (problems.length === 0 && apiPort === mqttPort && !externalBroker) problems.push(`${FLAG_NAMES.apiPort} and ${FLAG_NAMES.mqttPort} must differ (both are ${apiPort})`);
  if (problems.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', problems.join('\n'));
  return Object.freeze({
    dataDir: dataDir!.value,
    apiPort,
    mqttPort,
    host: host?.value ?? '0.0.0.0',
    ...(nodeMonitorGracePeriodMs !== undefined ? { nodeMonitorGracePeriodMs } : {}),
    ...(hpaSyncPeriodMs !== undefined ? { hpaSyncPeriodMs } : {}),
    ...(hpaDownscaleStabilizationMs !== undefined ? { hpaDownscaleStabilizationMs } : {}),
    ...(nodeCredentialTtlMs !== undefined ? { nodeCredentialTtlMs } : {}),
    ...(encryptionKeyFile !== undefined ? { encryptionKeyFile: encryptionKeyFile.value } : {}),
    ...(auditLogPath !== undefined ? { auditLogPath: auditLogPath.value } : {}),
    ...(datastore !== undefined ? { datastore } : {}),
    ...(externalBroker !== undefined ? { externalBroker } : {}),
    ...(leaderElection !== undefined ? { leaderElection } : {}),
    ...(flags.plainHttp === true ? { plainHttp: true } : {}),
    ...(flags.plainMqtt === true ? { plainMqtt: true } : {}),
    ...(flags.tlsSan && flags.tlsSan.length > 0 ? { tlsSans: [...flags.tlsSan] } : {}),
  });
}

type PickSetting = (key: keyof HubFlags) => { value: string; from: string } | undefined;

/**
 * --mqtt-url and its credentials: the hub's own MQTT user on an external broker (issue #11). The
 * password comes from a file, never a flag (ps shows flags); the CA defaults to the hub's own.
 */
function resolveExternalBroker(pick: PickSetting, problems: string[]): ExternalBrokerSettings | undefined {
  const url = pick('mqttUrl');
  const dependents = (['mqttUsername', 'mqttPasswordFile', 'mqttCaFile'] as const).map((key) => pick(key)).filter((given) => given !== undefined);
  if (!url) {
    for (const given of dependents) problems.push(`${given.from} needs ${FLAG_NAMES.mqttUrl}`);
    return undefined;
  }
  if (!/^mqtts?:\/\/[^/]+/.test(url.value)) {
    problems.push(`invalid value "${url.value}" for ${url.from}: an mqtt:// or mqtts:// URL of the broker is required (mqtts://broker.lan:8883)`);
    return undefined;
  }
  const passwordFile = pick('mqttPasswordFile');
  if (!passwordFile) {
    problems.push(`${FLAG_NAMES.mqttPasswordFile} is required with ${url.from} (a file holding the hub user's password)`);
    return undefined;
  }
  const password = readSmallFile(passwordFile, problems)?.trim();
  if (password === '') problems.push(`${passwordFile.value} (${passwordFile.from}) is empty`);
  const caFile = pick('mqttCaFile');
  const caPem = caFile ? readSmallFile(caFile, problems) : undefined;
  if (password === undefined || password === '' || (caFile && caPem === undefined)) return undefined;
  const username = pick('mqttUsername');
  try {
    checkHubUsername(username?.value ?? DEFAULTS.broker.hubMqttUsername);
  } catch (err) {
    problems.push(`invalid value for ${username?.from ?? FLAG_NAMES.mqttUsername}: ${(err as Error).message}`);
    return undefined;
  }
  return { url: url.value, username: username?.value ?? DEFAULTS.broker.hubMqttUsername, password, ...(caPem !== undefined ? { caPem } : {}) };
}

function readSmallFile(given: { value: string; from: string }, problems: string[]): string | undefined {
  try {
    return readFileSync(given.value, 'utf8');
  } catch (err) {
    problems.push(`cannot read ${given.value} (${given.from}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return undefined;
  }
}

/** kube-controller-manager's --leader-elect-lease-duration and --leader-elect-retry-period (the renew period is the retry period, as there). */
function resolveLeaderElection(pick: PickSetting, problems: string[]): LeaseTiming | undefined {
  const duration = (key: 'leaderElectLeaseDuration' | 'leaderElectRetryPeriod'): number | undefined => {
    const given = pick(key);
    if (!given) return undefined;
    try {
      const ms = parseDurationMs(given.value, given.from);
      if (ms <= 0) problems.push(`invalid value "${given.value}" for ${given.from}: must be longer than 0`);
      return ms;
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
  const leaseDurationMs = duration('leaderElectLeaseDuration');
  const retryPeriodMs = duration('leaderElectRetryPeriod');
  if (leaseDurationMs === undefined && retryPeriodMs === undefined) return undefined;
  const timing = {
    leaseDurationMs: leaseDurationMs ?? DEFAULTS.leaderElection.leaseDurationMs,
    renewPeriodMs: retryPeriodMs ?? DEFAULTS.leaderElection.renewPeriodMs,
    retryPeriodMs: retryPeriodMs ?? DEFAULTS.leaderElection.retryPeriodMs,
  };
  // The holder must get several renewals into the 2/3 of a lease it may go without one.
  if (timing.retryPeriodMs * 3 > (timing.leaseDurationMs * 2) / 3) {
    problems.push(`${FLAG_NAMES.leaderElectRetryPeriod} (${timing.retryPeriodMs} ms) must be at most 2/9 of ${FLAG_NAMES.leaderElectLeaseDuration} (${timing.leaseDurationMs} ms)`);
  }
  return timing;
}

export type StartHub = (options: HubOptions) => Promise<HubHandle>;

/** Loaded only when needed: `skiff get` must not pay for the hub's store, broker and controllers. */
const startRealHub: StartHub = async (options) => (await import('../../server/run.js')).runHub(options);

export async function runHubCommand(flags: HubFlags & HubTlsFlags, ctx: CliContext, start: StartHub = startRealHub): Promise<void> {
  const options = resolveHubOptions(flags, ctx.io.env);
  const handle = await start(options);
  await ctx.io.waitForSignal();
  await handle.close();
  ctx.io.exit(0);
}

export interface RotateKeyFlags {
  dataDir?: string;
  encryptionKeyFile?: string;
  prune?: boolean;
}

export type RotateKey = (options: RotationOptions) => Promise<RotationResult>;

/** Loaded only when needed, as the hub itself: the rotation opens the store's SQLite file. */
const rotateRealKey: RotateKey = async (options) => (await import('../../store/secret-key-rotation.js')).rotateEncryptionKey(options);

/**
 * `skiff hub rotate-encryption-key`: the data dir and key file come through the same flags and
 * environment variables as `skiff hub`, so the command finds the files the hub uses.
 */
export async function runRotateEncryptionKey(flags: RotateKeyFlags, ctx: CliContext, rotate: RotateKey = rotateRealKey): Promise<void> {
  const dataDir = requireDataDir(flags, ctx);
  const keyFile = flags.encryptionKeyFile ?? (ctx.io.env[HUB_ENV.encryptionKeyFile] || join(dataDir, HUB_FILES.encryptionKey));
  const result = await rotate({ databaseFile: join(dataDir, HUB_FILES.database), keyFile, prune: flags.prune === true });
  const lines = [
    `new write key ${result.writeKeyId} added to ${keyFile}`,
    `re-encrypted ${result.reencrypted} Secret${result.reencrypted === 1 ? '' : 's'}${result.wasPlaintext > 0 ? ` (${result.wasPlaintext} of them were stored in plaintext)` : ''}`,
  ];
  if (flags.prune === true) lines.push(result.prunedKeyIds.length > 0 ? `pruned unused key(s) ${result.prunedKeyIds.join(', ')}` : 'no unused key to prune');
  lines.push(`keys in ${keyFile}: ${result.keyIds.join(', ')}`);
  ctx.io.stdout(`${lines.join('\n')}\n`);
}

/** The data dir of the `skiff hub` subcommands: the flag, else $SKIFF_DATA_DIR, as `skiff hub` itself. */
function requireDataDir(flags: { dataDir?: string }, ctx: CliContext): string {
  const dataDir = flags.dataDir ?? (ctx.io.env[HUB_ENV.dataDir] || undefined);
  if (!dataDir || dataDir.trim() === '') throw new SkiffError('SKIFF_ERR_CONFIG', `${FLAG_NAMES.dataDir} is required (or set $${HUB_ENV.dataDir})`);
  return dataDir;
}

export interface BackupFlags {
  dataDir?: string;
  encryptionKeyFile?: string;
}

export type BackupHub = (options: BackupOptions) => Promise<BackupResult>;

/** Loaded only when needed: the backup opens SQLite files. */
const backupRealHub: BackupHub = async (options) => (await import('../../store/backup.js')).backupHub(options);

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `skiff hub backup FILE`: the hub may be running; the key file is found as `skiff hub` finds it. */
export async function runHubBackup(file: string, flags: BackupFlags, ctx: CliContext, backup: BackupHub = backupRealHub): Promise<void> {
  const dataDir = requireDataDir(flags, ctx);
  const encryptionKeyFile = flags.encryptionKeyFile ?? (ctx.io.env[HUB_ENV.encryptionKeyFile] || undefined);
  const result = await backup({ dataDir, file, ...(encryptionKeyFile !== undefined ? { encryptionKeyFile } : {}) });
  ctx.io.stdout(
    `backed up ${plural(result.objects, 'object')} (schema version ${result.schemaVersion}) and ${plural(result.files.length, 'file')} (${result.files.join(', ')}) of ${dataDir}\n` +
      `wrote ${result.file} (${result.bytes} bytes, mode 0600)\n`,
  );
}

export interface RestoreFlags {
  dataDir?: string;
  force?: boolean;
}

export type RestoreHub = (options: RestoreOptions) => Promise<RestoreResult>;

const restoreRealHub: RestoreHub = async (options) => (await import('../../store/restore.js')).restoreHub(options);

/** `skiff hub restore FILE`: the hub must be stopped; the backup is verified before anything is written. */
export async function runHubRestore(file: string, flags: RestoreFlags, ctx: CliContext, restore: RestoreHub = restoreRealHub): Promise<void> {
  const dataDir = requireDataDir(flags, ctx);
  const result = await restore({ file, dataDir, force: flags.force === true });
  const lines = [
    `restored ${plural(result.objects, 'object')} (schema version ${result.schemaVersion}, backed up ${result.createdAt}) and ${plural(result.files.length, 'file')} into ${result.dataDir}`,
  ];
  if (result.unreadableDatabase !== undefined) lines.push(`the replaced hub.db was unreadable (${result.unreadableDatabase})`);
  if (result.replacedDir !== undefined) lines.push(`the previous data dir is kept as ${result.replacedDir}: delete it once the restored hub works`);
  lines.push(`start the hub with --data-dir ${result.dataDir}; it applies any newer schema migrations at start`);
  ctx.io.stdout(`${lines.join('\n')}\n`);
}

export interface MigrateStoreFlags {
  from?: string;
  to?: string;
}

export type TransferStore = (from: Datastore, to: Datastore) => Promise<TransferResult>;

const transferRealStore: TransferStore = async (from, to) => (await import('../../store/store-transfer.js')).transferStore(from, to);

/** `skiff hub migrate-store --from ENDPOINT --to ENDPOINT`: the hub stopped, its whole state copied into an empty datastore. */
export async function runMigrateStore(flags: MigrateStoreFlags, ctx: CliContext, transfer: TransferStore = transferRealStore): Promise<void> {
  const problems: string[] = [];
  const endpoint = (value: string | undefined, flag: string): Datastore | undefined => {
    if (value === undefined || value.trim() === '') {
      problems.push(`${flag} is required (postgres://user:password@host:5432/database or sqlite:/path/to/hub.db)`);
      return undefined;
    }
    try {
      return parseDatastoreEndpoint(value, flag);
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
  const from = endpoint(flags.from, '--from');
  const to = endpoint(flags.to, '--to');
  if (problems.length > 0 || !from || !to) throw new SkiffError('SKIFF_ERR_CONFIG', problems.join('\n'));
  const result = await transfer(from, to);
  const counts = result.counts;
  ctx.io.stdout(
    `copied ${plural(counts.objects ?? 0, 'object')} (revision ${result.revision}), ${plural(counts.node_credentials ?? 0, 'node credential')}, ` +
      `${plural(counts.bootstrap_tokens ?? 0, 'join token')}, ${plural(counts.service_account_tokens ?? 0, 'service account token')} and ` +
      `${plural(counts.dispatch ?? 0, 'dispatch record')} from ${describeDatastore(from)} to ${describeDatastore(to)}\n` +
      `start the hub with --datastore-endpoint ${describeDatastore(to)} and the same --data-dir (its CA, tokens and encryption key)\n`,
  );
}
