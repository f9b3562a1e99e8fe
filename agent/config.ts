/**
 * The agent's configuration: one schema (style.md lesson 8). Flags win over SKIFF_* environment
 * variables, which win over defaults (shared/defaults.ts); every problem is reported at once,
 * naming its flag; the result is frozen. node:util parseArgs, not commander: the agent runs on a
 * 1 GB Pi and pays for every module it loads.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { statfsSync } from 'node:fs';
import { AGENT_SECRETS_DIR, DEFAULTS } from '../shared/defaults.js';
import { TMPFS_MAGIC } from './volumes/tmpfs.js';
import { SkiffError, type FieldError } from '../shared/errors.js';
import { isValidNodeName } from '../shared/mqtt/topics.js';
import { labelKeyProblem, labelValueProblem } from '../shared/api/names.js';
import { parseDurationMs } from '../shared/duration.js';
import { parseQuantity } from '../shared/api/quantity.js';
import { ParseProblem, parseEvictionThresholds, parseReservation, type EvictionThresholds, type Reservation } from './report/node-resources.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AgentConfig {
  /** Base URL of the hub's API (http or https), where the agent joins. */
  server: string;
  token: string;
  nodeName: string;
  /** Absolute path of the agent's data dir (agent.db, credentials.json). */
  dataDir: string;
  /** --node-label entries, added to (and overriding) the kubernetes.io/* labels. */
  nodeLabels: Readonly<Record<string, string>>;
  /** Advertised InternalIP and the address hostPorts bind to; default: first non-internal IPv4, binds 0.0.0.0. */
  nodeIp?: string;
  logLevel: LogLevel;
  /** Heartbeat (unchanged status report) period, ms. */
  heartbeatIntervalMs: number;
  /** Re-read Docker at least this often, ms. */
  resyncIntervalMs: number;
  mqttKeepaliveSeconds: number;
  /** --system-reserved and --kube-reserved: what the node keeps for itself, off allocatable. */
  reserved: readonly Reservation[];
  /** --eviction-hard: below these the node reports pressure (and they come off allocatable). */
  evictionHard: EvictionThresholds;
  evictionPressureTransitionPeriodMs: number;
  evictionMonitoringIntervalMs: number;
  maxPods: number;
  /** --metrics-interval: how often usage is sampled and sent, ms. */
  metricsIntervalMs: number;
  /** --outbox-max-bytes: what the outbox of events and metrics may hold on disk (agent/outbox/). */
  outboxMaxBytes: number;
  /** --pod-max-pids; undefined (-1): unlimited. */
  podMaxPids?: number;
  /** --pause-image: the image of every pod's sandbox (the pause container holding its network namespace). */
  pauseImage: string;
  /** --secrets-dir: absolute path of a tmpfs for Secret volume files (the agent uses <it>/<node-name>). */
  secretsDir: string;
  /** --proxy-relay-port: where other nodes' service proxies reach this node's Pods (0: any free port). */
  proxyRelayPort: number;
  /** --ingress-http-port and --ingress-https-port: where an ingress node serves Ingress (0: any free port). */
  ingressHttpPort: number;
  ingressHttpsPort: number;
}

interface FlagSpec {
  env?: string;
  multiple?: boolean;
  required?: boolean;
  description: string;
}

/** The schema: every flag the agent accepts, with its environment fallback. */
const FLAGS = {
  server: { env: 'SKIFF_SERVER', required: true, description: 'URL of the hub, e.g. http://hub.local:7443' },
  token: { env: 'SKIFF_TOKEN', required: true, description: 'cluster join token printed by `skiff hub`' },
  'node-name': { env: 'SKIFF_NODE_NAME', required: true, description: 'this node’s name (a DNS subdomain)' },
  'data-dir': { env: 'SKIFF_DATA_DIR', required: true, description: 'directory for agent.db and credentials.json' },
  'node-label': { multiple: true, description: 'key=value label for this node (repeatable)' },
  'node-ip': { description: 'IP address to advertise and to bind hostPorts to' },
  'log-level': { env: 'SKIFF_LOG_LEVEL', description: `one of ${LOG_LEVELS.join(', ')} (default info)` },
  'system-reserved': { description: 'resources kept for the OS, off allocatable, e.g. cpu=250m,memory=128Mi,ephemeral-storage=1Gi' },
  'kube-reserved': { description: 'resources kept for Skiff and Docker, off allocatable (same syntax)' },
  'eviction-hard': { description: `pressure thresholds, e.g. memory.available<100Mi,nodefs.available<10% (default ${DEFAULTS.node.evictionHard})` },
  'eviction-pressure-transition-period': {
    description: `how long a pressure condition stays after its signal recovers (default ${DEFAULTS.node.evictionPressureTransitionPeriodMs / 60_000}m)`,
  },
  'eviction-monitoring-interval': {
    description: `how often eviction signals are sampled, and at most one Pod evicted (default ${DEFAULTS.node.evictionMonitoringIntervalMs / 1000}s)`,
  },
  'max-pods': { description: `the most Pods this node runs (default ${DEFAULTS.node.maxPods})` },
  'metrics-interval': { description: `how often node and container usage is sampled and sent, e.g. 10s (default ${DEFAULTS.metrics.sampleIntervalMs / 1000}s)` },
  'outbox-max-bytes': { description: `disk kept for events and metrics while the hub is unreachable, e.g. 64Mi (default ${DEFAULTS.agentOutbox.maxBytes / 2 ** 20}Mi)` },
  'pause-image': { env: 'SKIFF_PAUSE_IMAGE', description: `image of each pod's sandbox, the pause container its containers share a network with (default ${DEFAULTS.node.pauseImage})` },
  'pod-max-pids': { description: `the most processes each container may run, -1 for no limit (default ${DEFAULTS.node.podMaxPids})` },
  'proxy-relay-port': {
    description: `port (on --node-ip) where other nodes' service proxies reach this node's Pods; 0 picks a free one (default ${DEFAULTS.services.relayPort})`,
  },
  'ingress-http-port': { description: `port (on --node-ip) of the ingress proxy, when the node is labelled ${DEFAULTS.ingress.nodeLabel} (default ${DEFAULTS.ingress.httpPort})` },
  'ingress-https-port': { description: `its TLS port, with certificates from the Ingresses' Secrets (default ${DEFAULTS.ingress.httpsPort})` },
  'secrets-dir': {
    env: 'SKIFF_SECRETS_DIR',
    description: `a tmpfs for Secret volume files, never the SD card (default ${AGENT_SECRETS_DIR.root} as root when /run is a tmpfs, else ${AGENT_SECRETS_DIR.userBase}/skiff[-<uid>])`,
  },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

/** Below this an outbox holds too little of an outage to be worth having. */
const MIN_OUTBOX_BYTES = 2 ** 20;

const FLAG_COLUMN = Math.max(...Object.keys(FLAGS).map((name) => name.length));

export const AGENT_USAGE = [
  'Usage: skiff agent --server URL --token TOKEN --node-name NAME --data-dir DIR [flags]',
  '',
  'Runs the Skiff node agent: joins the hub, then keeps this node’s containers as the hub says.',
  '',
  'Flags:',
  ...Object.entries(FLAGS).map(([name, spec]: [string, FlagSpec]) => `  --${name.padEnd(FLAG_COLUMN)} ${spec.description}${spec.env ? ` [$${spec.env}]` : ''}`),
  `  ${'--help, -h'.padEnd(FLAG_COLUMN + 2)} show this help`,
].join('\n');

/** True when argv asks for help (checked before validation, which would complain about missing flags). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * AGENT_SECRETS_DIR: /run/skiff/secrets for root when /run is a tmpfs (systemd hosts), else a
 * dir under /dev/shm (containers and minimal images, where /run may sit on the disk).
 */
export function defaultSecretsDir(uid = process.getuid?.() ?? 0, runIsTmpfs = isTmpfsSync('/run')): string {
  if (uid === 0) return runIsTmpfs ? AGENT_SECRETS_DIR.root : `${AGENT_SECRETS_DIR.userBase}/skiff`;
  return `${AGENT_SECRETS_DIR.userBase}/skiff-${uid}`;
}

function isTmpfsSync(dir: string): boolean {
  try {
    return statfsSync(dir).type === TMPFS_MAGIC;
  } catch {
    return false; // no such dir: not a place for secrets either way
  }
}

function checkServer(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${JSON.stringify(value)} is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be an http:// or https:// URL, got ${JSON.stringify(url.protocol)}`;
  if (url.hostname === '') return 'must name a host';
  return undefined;
}

/**
 * Parses argv (without the leading "agent") and env into a frozen AgentConfig.
 * Throws SkiffError(SKIFF_ERR_CONFIG) whose details list every problem, path = the flag.
 */
export function parseAgentConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const problems: FieldError[] = [];
  const problem = (flag: string, message: string): void => {
    problems.push({ path: flag, message });
  };
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, spec]: [string, FlagSpec]) => [name, { type: 'string' as const, multiple: spec.multiple === true }]),
  );
  // strict: false so that unknown flags are collected and reported with the rest, not thrown one by one.
  const { values, tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });

  const unknownValueAt = new Set<number>();
  for (const token of tokens) {
    if (token.kind === 'option' && !(token.name in FLAGS)) {
      problem(token.rawName, 'unknown flag');
      if (!token.inlineValue) unknownValueAt.add(token.index + 1); // its value, if any, is not a stray argument
    }
    if (token.kind === 'option' && token.name in FLAGS && token.value === undefined) problem(token.rawName, 'requires a value');
    if (token.kind === 'option' && token.name in FLAGS && !token.inlineValue && token.value?.startsWith('--')) {
      problem(token.rawName, `requires a value (got the flag ${token.value})`);
    }
  }
  for (const token of tokens) {
    if (token.kind === 'positional' && !unknownValueAt.has(token.index)) problem(token.value, 'unexpected argument');
  }

  const read = (name: FlagName): string | undefined => {
    const value = values[name];
    if (typeof value === 'string') return value;
    const spec: FlagSpec = FLAGS[name];
    const fromEnv = spec.env !== undefined ? env[spec.env] : undefined;
    return fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
  };
  const required = (name: FlagName): string => {
    const value = read(name);
    const spec: FlagSpec = FLAGS[name];
    if (value === undefined || value === '') {
      if (!problems.some((p) => p.path === `--${name}`)) problem(`--${name}`, `is required${spec.env ? ` (or set ${spec.env})` : ''}`);
      return '';
    }
    return value;
  };

  const server = required('server');
  if (server !== '' && !problems.some((p) => p.path === '--server')) {
    const why = checkServer(server);
    if (why) problem('--server', why);
  }
  const token = required('token');
  const nodeName = required('node-name');
  if (nodeName !== '' && !isValidNodeName(nodeName)) {
    problem('--node-name', `${JSON.stringify(nodeName)} must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-' and '.', at most 253 characters)`);
  }
  const dataDir = required('data-dir');

  const nodeLabels: Record<string, string> = {};
  const rawLabels = values['node-label'];
  for (const entry of Array.isArray(rawLabels) ? rawLabels : []) {
    if (typeof entry !== 'string') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) {
      problem('--node-label', `${JSON.stringify(entry)} must be key=value`);
      continue;
    }
    const key = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    const why = labelKeyProblem(key) ?? labelValueProblem(value);
    if (why) problem('--node-label', `${JSON.stringify(entry)}: ${why}`);
    else nodeLabels[key] = value;
  }

  const nodeIp = read('node-ip');
  if (nodeIp !== undefined && isIP(nodeIp) === 0) problem('--node-ip', `${JSON.stringify(nodeIp)} is not an IP address`);

  const logLevel = read('log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problem('--log-level', `${JSON.stringify(logLevel)} must be one of ${LOG_LEVELS.join(', ')}`);

  const parsed = <T>(name: FlagName, text: string | undefined, parse: (text: string) => T): T | undefined => {
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch (err) {
      if (!(err instanceof ParseProblem || err instanceof SkiffError)) throw err;
      problem(`--${name}`, err.message);
      return undefined;
    }
  };
  const reserved = (['system-reserved', 'kube-reserved'] as const).map((name) => parsed(name, read(name), parseReservation) ?? {});
  const evictionHard = parsed('eviction-hard', read('eviction-hard') ?? DEFAULTS.node.evictionHard, parseEvictionThresholds) ?? {};
  const transitionPeriodMs =
    parsed('eviction-pressure-transition-period', read('eviction-pressure-transition-period'), (text) => parseDurationMs(text, '--eviction-pressure-transition-period')) ??
    DEFAULTS.node.evictionPressureTransitionPeriodMs;
  const monitoringIntervalMs =
    parsed('eviction-monitoring-interval', read('eviction-monitoring-interval'), (text) => {
      const ms = parseDurationMs(text, '--eviction-monitoring-interval');
      if (ms <= 0) throw new ParseProblem(`${JSON.stringify(text)} must be a positive duration, e.g. 10s`);
      return ms;
    }) ?? DEFAULTS.node.evictionMonitoringIntervalMs;
  const maxPods =
    parsed('max-pods', read('max-pods'), (text) => {
      const n = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new ParseProblem(`${JSON.stringify(text)} must be a whole number of at least 1`);
      return n;
    }) ?? DEFAULTS.node.maxPods;

  const metricsIntervalMs =
    parsed('metrics-interval', read('metrics-interval'), (text) => {
      const ms = parseDurationMs(text, '--metrics-interval');
      if (ms < 1000) throw new ParseProblem(`${JSON.stringify(text)} must be at least 1s`);
      return ms;
    }) ?? DEFAULTS.metrics.sampleIntervalMs;

  const outboxMaxBytes =
    parsed('outbox-max-bytes', read('outbox-max-bytes'), (text) => {
      const value = parseQuantity(text);
      if (value === undefined || !Number.isSafeInteger(Math.ceil(value)) || value < MIN_OUTBOX_BYTES) {
        throw new ParseProblem(`${JSON.stringify(text)} must be a byte quantity of at least 1Mi, e.g. 64Mi`);
      }
      return Math.ceil(value);
    }) ?? DEFAULTS.agentOutbox.maxBytes;

  const podMaxPids =
    parsed('pod-max-pids', read('pod-max-pids'), (text) => {
      const n = Number(text);
      if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n === 0 || n < -1) throw new ParseProblem(`${JSON.stringify(text)} must be a whole number of at least 1, or -1 for no limit`);
      return n;
    }) ?? DEFAULTS.node.podMaxPids;

  const pauseImage =
    parsed('pause-image', read('pause-image'), (text) => {
      if (!/^[a-z0-9][^\s@]*(@sha256:[0-9a-f]{64})?$/.test(text)) throw new ParseProblem(`${JSON.stringify(text)} is not an image reference, e.g. ${DEFAULTS.node.pauseImage}`);
      return text;
    }) ?? DEFAULTS.node.pauseImage;

  const port = (name: FlagName, fallback: number): number =>
    parsed(name, read(name), (text) => {
      const n = Number(text);
      if (!/^\d+$/.test(text) || n > 65535) throw new ParseProblem(`${JSON.stringify(text)} must be a port number from 0 to 65535`);
      return n;
    }) ?? fallback;
  const proxyRelayPort = port('proxy-relay-port', DEFAULTS.services.relayPort);
  const ingressHttpPort = port('ingress-http-port', DEFAULTS.ingress.httpPort);
  const ingressHttpsPort = port('ingress-https-port', DEFAULTS.ingress.httpsPort);

  if (problems.length > 0) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid agent configuration: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, {
      details: problems,
    });
  }
  return Object.freeze({
    server: new URL(server).href,
    token,
    nodeName,
    dataDir: resolve(dataDir),
    nodeLabels: Object.freeze(nodeLabels),
    ...(nodeIp !== undefined ? { nodeIp } : {}),
    logLevel: logLevel as LogLevel,
    heartbeatIntervalMs: DEFAULTS.heartbeatIntervalMs,
    resyncIntervalMs: DEFAULTS.agentResyncIntervalMs,
    mqttKeepaliveSeconds: DEFAULTS.mqttKeepaliveSeconds,
    reserved: Object.freeze(reserved),
    evictionHard: Object.freeze(evictionHard),
    evictionPressureTransitionPeriodMs: transitionPeriodMs,
    evictionMonitoringIntervalMs: monitoringIntervalMs,
    maxPods,
    metricsIntervalMs,
    outboxMaxBytes,
    ...(podMaxPids > 0 ? { podMaxPids } : {}),
    pauseImage,
    secretsDir: resolve(read('secrets-dir') ?? defaultSecretsDir()),
    proxyRelayPort,
    ingressHttpPort,
    ingressHttpsPort,
  });
}
