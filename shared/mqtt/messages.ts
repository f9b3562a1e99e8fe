/**
 * Payloads on the node topics and their codecs. JSON, versioned by `schema`. Decoders check the
 * envelope and throw SkiffError(SKIFF_ERR_BAD_MESSAGE) naming the topic and field; the hub has
 * validated pod specs before publishing, so the agent does not re-run the full schema (which
 * would cost it memory on a Pi) but still refuses anything malformed.
 */
import { SkiffError } from '../errors.js';
import type { ObjectMeta } from '../api/schema/meta.js';
import type { PodSpec } from '../api/schema/pod.js';
import type { NodeStatus, PodStatus } from '../api/status-types.js';
import type { MetricsSample } from '../metrics/samples.js';

export const MESSAGE_SCHEMA = 1;

/** One Pod as a node needs it: identity and spec, no status. */
export interface DesiredPod {
  metadata: Required<Pick<ObjectMeta, 'name' | 'namespace' | 'uid'>> & Pick<ObjectMeta, 'labels' | 'annotations'>;
  spec: PodSpec;
}

/**
 * A Pod deleted through the API with a grace period other than its own
 * terminationGracePeriodSeconds (`drain --grace-period`, `delete --grace-period`): the node stops
 * its containers with this grace instead of the one recorded on them.
 */
export interface TerminatingPod {
  uid: string;
  gracePeriodSeconds: number;
}

/**
 * A ConfigMap or Secret that some Pod bound to the node refers to (env, envFrom, volumes,
 * imagePullSecrets). The hub sends a node these and nothing else: node isolation by construction,
 * as Kubernetes' Node authorizer gives a kubelet only the objects of its own Pods. A referenced
 * object that does not exist is simply absent; the agent then reports the Pod as Kubernetes would
 * (CreateContainerConfigError, FailedMount) unless the reference is optional.
 */
export interface DesiredConfigObject {
  kind: 'ConfigMap' | 'Secret';
  namespace: string;
  name: string;
  /** Secret type (Opaque, kubernetes.io/dockerconfigjson, ...); absent for a ConfigMap. */
  type?: string;
  /**
   * Every key's bytes, base64: a Secret's `data`, and a ConfigMap's `data` (UTF-8, encoded
   * here) merged with its `binaryData`. One encoding so the agent has one code path.
   */
  data: Record<string, string>;
}

/** hub -> agent on nodes/{node}/desired: everything the node should run, as one snapshot. */
export interface DesiredState {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  /** Monotonically increasing per node; the agent ignores anything older than what it holds. */
  generation: number;
  pods: DesiredPod[];
  /** Absent when empty (older agents ignore it: they use the Pod's own grace). */
  terminating?: TerminatingPod[];
  /** ConfigMaps and Secrets the Pods refer to (and, on an ingress node, the Ingresses' TLS Secrets), sorted by kind/namespace/name; absent when none. */
  config?: DesiredConfigObject[];
  /** The node serves Ingress (it is labelled DEFAULTS.ingress.nodeLabel); absent otherwise. */
  ingress?: true;
}

export interface ReportedPod {
  namespace: string;
  name: string;
  uid: string;
  status: PodStatus;
}

/** agent -> hub on nodes/{node}/status: the node and all its pods, as one snapshot. */
export interface StatusReport {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  /** Increases with every report the agent produces (per agent data dir). */
  seq: number;
  sentAt: string;
  /** Generation of the desired state the agent last acted on (0 before the first). */
  observedGeneration: number;
  /** Labels the agent asserts for its Node (kubernetes.io/* plus --node-label). */
  labels: Record<string, string>;
  nodeStatus: NodeStatus;
  pods: ReportedPod[];
}

/** What happened to one pod (container) on a node, as kubelet records it. */
export interface NodeEvent {
  involvedObject: { kind: 'Pod'; namespace: string; name: string; uid: string; fieldPath?: string };
  type: 'Normal' | 'Warning';
  /** kubelet's reasons: Pulling, Pulled, Failed, Created, Started, Killing, BackOff, Unhealthy, ... */
  reason: string;
  message: string;
  /** When it happened on the node. */
  timestamp: string;
}

/**
 * agent -> hub on nodes/{node}/events, QoS 1. Each occurrence is sent once; the hub folds
 * repeats into one Event with a count, as Kubernetes' event recorder does.
 */
export interface EventReport extends OutboxDelivery {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  events: NodeEvent[];
}

/**
 * Where a batch of events or samples stands in the sender's outbox (agent/outbox/outbox.ts).
 * Both absent from agents older than issue #7; the hub then applies what it gets as it comes.
 */
export interface OutboxDelivery {
  /** The agent outbox's stream id: a new one (a wiped data dir) starts seqs over. */
  stream?: string;
  /** One seq per entry, strictly increasing: the hub applies each seq of a stream once. */
  seqs?: number[];
}

/** Entries an agent's outbox gave up to stay within --outbox-max-bytes, per channel, since it was created. */
export interface OutboxDropped {
  events: number;
  metrics: number;
}

/**
 * agent -> hub on nodes/{node}/metrics, QoS 1: samples not yet delivered, oldest first (one when
 * the link is up; what was kept while it was down after a reconnect).
 */
export interface MetricsReport extends OutboxDelivery {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  samples: MetricsSample[];
  /** The sender's outbox losses so far (absent from older agents). */
  outboxDropped?: OutboxDropped;
}

export function encode(message: DesiredState | StatusReport | EventReport | MetricsReport | { schema: typeof MESSAGE_SCHEMA; node: string }): Buffer {
  return Buffer.from(JSON.stringify(message));
}

function fail(topic: string, field: string, message: string): never {
  throw new SkiffError('SKIFF_ERR_BAD_MESSAGE', `bad message on topic ${topic}: ${field}: ${message}`);
}

/**
 * A message's JSON object with its `schema` checked, and its `node` a string: the envelope every
 * node message shares (node-requests.ts checks its own fields after it).
 */
export function parseEnvelope(payload: Buffer | string, topic: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString());
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_BAD_MESSAGE', `bad message on topic ${topic}: not JSON`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(topic, '(root)', 'expected an object');
  const obj = value as Record<string, unknown>;
  if (obj.schema !== MESSAGE_SCHEMA) fail(topic, 'schema', `expected ${MESSAGE_SCHEMA}, got ${JSON.stringify(obj.schema)}`);
  if (typeof obj.node !== 'string') fail(topic, 'node', 'expected a string');
  return obj;
}

/** The optional OutboxDelivery fields: `seqs` must match the entries one to one and increase. */
function checkDelivery(obj: Record<string, unknown>, entries: number, topic: string): void {
  if (obj.stream !== undefined && (typeof obj.stream !== 'string' || obj.stream === '')) fail(topic, 'stream', 'expected a non-empty string');
  if (obj.seqs === undefined) return;
  if (obj.stream === undefined) fail(topic, 'seqs', 'expected with a stream');
  if (!Array.isArray(obj.seqs) || obj.seqs.length !== entries) fail(topic, 'seqs', `expected an array of ${entries} seqs`);
  (obj.seqs as unknown[]).forEach((seq, i, seqs) => {
    if (!Number.isSafeInteger(seq) || (seq as number) < 1) fail(topic, `seqs[${i}]`, 'expected a positive integer');
    if (i > 0 && (seq as number) <= (seqs[i - 1] as number)) fail(topic, `seqs[${i}]`, 'expected seqs in increasing order');
  });
}

export function decodeDesiredState(payload: Buffer | string, topic: string): DesiredState {
  const obj = parseEnvelope(payload, topic);
  if (!Number.isSafeInteger(obj.generation) || (obj.generation as number) < 0) fail(topic, 'generation', 'expected a non-negative integer');
  if (!Array.isArray(obj.pods)) fail(topic, 'pods', 'expected an array');
  (obj.pods as unknown[]).forEach((pod, i) => {
    const p = pod as DesiredPod | null;
    if (typeof p?.metadata?.uid !== 'string' || typeof p.metadata.name !== 'string' || typeof p.metadata.namespace !== 'string') {
      fail(topic, `pods[${i}].metadata`, 'expected name, namespace and uid');
    }
    if (!Array.isArray(p.spec?.containers) || p.spec.containers.length === 0) fail(topic, `pods[${i}].spec.containers`, 'expected a non-empty array');
  });
  if (obj.terminating !== undefined) {
    if (!Array.isArray(obj.terminating)) fail(topic, 'terminating', 'expected an array');
    (obj.terminating as unknown[]).forEach((entry, i) => {
      const e = entry as Partial<TerminatingPod> | null;
      if (typeof e?.uid !== 'string' || !Number.isSafeInteger(e.gracePeriodSeconds) || e.gracePeriodSeconds! < 0) {
        fail(topic, `terminating[${i}]`, 'expected a uid and a non-negative gracePeriodSeconds');
      }
    });
  }
  if (obj.ingress !== undefined && obj.ingress !== true) fail(topic, 'ingress', 'expected true or absent');
  if (obj.config !== undefined) {
    if (!Array.isArray(obj.config)) fail(topic, 'config', 'expected an array');
    (obj.config as unknown[]).forEach((entry, i) => checkConfigObject(entry, topic, `config[${i}]`));
  }
  return obj as unknown as DesiredState;
}

/** One DesiredConfigObject; errors name the field but never echo a value (it may be secret). */
function checkConfigObject(entry: unknown, topic: string, field: string): void {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(topic, field, 'expected an object');
  const e = entry as Partial<Record<keyof DesiredConfigObject, unknown>>;
  if (e.kind !== 'ConfigMap' && e.kind !== 'Secret') fail(topic, `${field}.kind`, 'expected "ConfigMap" or "Secret"');
  for (const key of ['namespace', 'name'] as const) {
    if (typeof e[key] !== 'string' || e[key] === '') fail(topic, `${field}.${key}`, 'expected a non-empty string');
  }
  if (e.type !== undefined && typeof e.type !== 'string') fail(topic, `${field}.type`, 'expected a string');
  if (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data)) fail(topic, `${field}.data`, 'expected an object');
  for (const [key, value] of Object.entries(e.data)) {
    if (typeof value !== 'string') fail(topic, `${field}.data[${key}]`, 'expected a base64 string');
  }
}

export function decodeStatusReport(payload: Buffer | string, topic: string): StatusReport {
  const obj = parseEnvelope(payload, topic);
  if (!Number.isSafeInteger(obj.seq)) fail(topic, 'seq', 'expected an integer');
  if (!Number.isSafeInteger(obj.observedGeneration)) fail(topic, 'observedGeneration', 'expected an integer');
  if (typeof obj.nodeStatus !== 'object' || obj.nodeStatus === null) fail(topic, 'nodeStatus', 'expected an object');
  if (typeof obj.labels !== 'object' || obj.labels === null) fail(topic, 'labels', 'expected an object');
  if (!Array.isArray(obj.pods)) fail(topic, 'pods', 'expected an array');
  (obj.pods as unknown[]).forEach((pod, i) => {
    const p = pod as ReportedPod | null;
    if (typeof p?.uid !== 'string' || typeof p.name !== 'string' || typeof p.namespace !== 'string') fail(topic, `pods[${i}]`, 'expected namespace, name and uid');
    if (typeof p.status !== 'object' || p.status === null) fail(topic, `pods[${i}].status`, 'expected an object');
  });
  return obj as unknown as StatusReport;
}

export function decodeEventReport(payload: Buffer | string, topic: string): EventReport {
  const obj = parseEnvelope(payload, topic);
  if (!Array.isArray(obj.events)) fail(topic, 'events', 'expected an array');
  (obj.events as unknown[]).forEach((event, i) => {
    const e = event as NodeEvent | null;
    const ref = e?.involvedObject;
    if (!e || ref?.kind !== 'Pod' || typeof ref.uid !== 'string' || typeof ref.name !== 'string' || typeof ref.namespace !== 'string') {
      fail(topic, `events[${i}].involvedObject`, 'expected a Pod with namespace, name and uid');
    }
    if (e.type !== 'Normal' && e.type !== 'Warning') fail(topic, `events[${i}].type`, 'expected "Normal" or "Warning"');
    if (typeof e.reason !== 'string' || e.reason === '') fail(topic, `events[${i}].reason`, 'expected a non-empty string');
    if (typeof e.message !== 'string') fail(topic, `events[${i}].message`, 'expected a string');
    if (typeof e.timestamp !== 'string' || Number.isNaN(Date.parse(e.timestamp))) fail(topic, `events[${i}].timestamp`, 'expected an RFC 3339 time');
  });
  checkDelivery(obj, (obj.events as unknown[]).length, topic);
  return obj as unknown as EventReport;
}

export function decodeMetricsReport(payload: Buffer | string, topic: string): MetricsReport {
  const obj = parseEnvelope(payload, topic);
  if (!Array.isArray(obj.samples)) fail(topic, 'samples', 'expected an array');
  (obj.samples as unknown[]).forEach((value, i) => {
    const sample = value as Partial<MetricsSample> | null;
    if (typeof sample?.timestamp !== 'string' || Number.isNaN(Date.parse(sample.timestamp))) fail(topic, `samples[${i}].timestamp`, 'expected an RFC 3339 time');
    const node = sample.node;
    if (typeof node !== 'object' || node === null || !Array.isArray(node.cpuSeconds)) fail(topic, `samples[${i}].node.cpuSeconds`, 'expected an array');
    for (const field of ['memoryTotalBytes', 'memoryAvailableBytes'] as const) {
      if (typeof node[field] !== 'number') fail(topic, `samples[${i}].node.${field}`, 'expected a number');
    }
    if (!Array.isArray(node.filesystems) || !Array.isArray(node.network)) fail(topic, `samples[${i}].node`, 'expected filesystems and network arrays');
    if (!Array.isArray(sample.pods)) fail(topic, `samples[${i}].pods`, 'expected an array');
    sample.pods.forEach((pod, j) => {
      if (typeof pod?.uid !== 'string' || typeof pod.name !== 'string' || typeof pod.namespace !== 'string') fail(topic, `samples[${i}].pods[${j}]`, 'expected namespace, name and uid');
      if (!Array.isArray(pod.containers)) fail(topic, `samples[${i}].pods[${j}].containers`, 'expected an array');
      pod.containers.forEach((c, k) => {
        if (typeof c?.name !== 'string') fail(topic, `samples[${i}].pods[${j}].containers[${k}].name`, 'expected a string');
      });
    });
  });
  checkDelivery(obj, (obj.samples as unknown[]).length, topic);
  if (obj.outboxDropped !== undefined) {
    const dropped = obj.outboxDropped as Partial<Record<keyof OutboxDropped, unknown>> | null;
    for (const channel of ['events', 'metrics'] as const) {
      const n = dropped?.[channel];
      if (!Number.isSafeInteger(n) || (n as number) < 0) fail(topic, `outboxDropped.${channel}`, 'expected a non-negative integer');
    }
  }
  return obj as unknown as MetricsReport;
}
