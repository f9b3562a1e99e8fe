/**
 * What the hub asks of a node now, and the node's streamed answer (issue #9: `skiff logs` and
 * `skiff exec`, and kubectl's through the API's pods/log and pods/exec subresources). A request goes to nodes/{node}/requests
 * at QoS 0: an absent node never receives it later (the hub answers the caller at once that the
 * node is not connected). The answer is a sequence of chunks on nodes/{node}/streams at QoS 1, in
 * order, numbered from 0, the last one with `end` (and `error` when it failed). A `cancel` (the
 * caller went away) ends a stream early; a chunk for a stream the hub no longer has is dropped.
 */
import { SkiffError } from '../errors.js';
import { MESSAGE_SCHEMA, parseEnvelope } from './messages.js';

/** kubelet's PodLogOptions, as the API's pods/{name}/log query gives them. */
export interface LogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** RFC 3339. */
  sinceTime?: string;
  limitBytes?: number;
}

export interface LogsRequest {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  kind: 'logs';
  /** The stream's id, unique per hub process (the answer's chunks carry it). */
  id: string;
  pod: { namespace: string; name: string; uid: string };
  options: LogOptions;
}

/** Run a command in a Pod container (kubectl exec), its output streamed back with `channel`. */
export interface ExecRequest {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  kind: 'exec';
  id: string;
  pod: { namespace: string; name: string; uid: string };
  container: string;
  command: string[];
  /** Whether stdin follows (as `stdin` requests); without it the command's stdin is closed. */
  stdin: boolean;
  /** A terminal: output is one raw stream (channel 1), and `resize` requests apply. */
  tty: boolean;
}

/** Open a TCP connection to a port of a Pod (port-forward): bytes in as `stdin`, out as chunks on channel 1. */
export interface PortForwardRequest {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  kind: 'portforward';
  id: string;
  pod: { namespace: string; name: string; uid: string };
  port: number;
}

/** Bytes for the stdin of an exec stream, or for a port-forward connection (in order, on the same topic); `eof` closes it. */
export interface StdinRequest {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  kind: 'stdin';
  id: string;
  data?: string;
  eof?: true;
}

/** The terminal of an exec stream changed size. */
export interface ResizeRequest {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  kind: 'resize';
  id: string;
  width: number;
  height: number;
}

export interface CancelRequest {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  kind: 'cancel';
  id: string;
}

/**
 * Send a full StatusReport now. The hub asks when a node it marked Unknown (no lease for the grace
 * period) renews its lease again: between full reports a node sends only leases, and the hub has
 * nothing else to set it Ready from (kubelet, likewise, posts its status when the API server's
 * copy differs from its own). No answer on `streams`: the report is the answer.
 */
export interface ReportRequest {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  kind: 'report';
  id: string;
}

export type NodeRequest = LogsRequest | ExecRequest | PortForwardRequest | StdinRequest | ResizeRequest | CancelRequest | ReportRequest;

export interface StreamChunk {
  schema: typeof MESSAGE_SCHEMA;
  node: string;
  id: string;
  seq: number;
  /** Bytes, base64. */
  data?: string;
  /** For exec: 1 stdout, 2 stderr (kubectl's channel numbers); absent for logs. */
  channel?: 1 | 2;
  /** For exec, on the last chunk: the command's exit code. */
  exitCode?: number;
  /** The last chunk of the stream. */
  end?: true;
  /** Why the stream failed (kubelet's words: `container "x" in pod "y" is waiting to start: ...`). */
  error?: string;
}

/** The most bytes of log one chunk carries (before base64), well under the broker's packet limit. */
export const MAX_CHUNK_BYTES = 16 * 1024;

function fail(topic: string, field: string, message: string): never {
  throw new SkiffError('SKIFF_ERR_BAD_MESSAGE', `bad message on topic ${topic}: ${field}: ${message}`);
}

function envelope(payload: Buffer | string, topic: string): Record<string, unknown> {
  const obj = parseEnvelope(payload, topic);
  if (typeof obj.id !== 'string' || obj.id === '' || obj.id.length > 64) fail(topic, 'id', 'expected a string of 1 to 64 characters');
  return obj;
}

const optionalCount = (value: unknown): boolean => value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0);

function checkPod(obj: Record<string, unknown>, topic: string): void {
  const pod = obj.pod as Record<string, unknown> | null;
  if (typeof pod !== 'object' || pod === null || typeof pod.namespace !== 'string' || typeof pod.name !== 'string' || typeof pod.uid !== 'string') fail(topic, 'pod', 'expected namespace, name and uid');
}

export function decodeNodeRequest(payload: Buffer | string, topic: string): NodeRequest {
  const obj = envelope(payload, topic);
  switch (obj.kind) {
    case 'cancel':
      return obj as unknown as CancelRequest;
    case 'report':
      return obj as unknown as ReportRequest;
    case 'stdin':
      if (obj.data !== undefined && typeof obj.data !== 'string') fail(topic, 'data', 'expected base64 text');
      if (obj.eof !== undefined && obj.eof !== true) fail(topic, 'eof', 'expected true or absent');
      return obj as unknown as StdinRequest;
    case 'resize':
      for (const side of ['width', 'height'] as const) if (!Number.isInteger(obj[side]) || (obj[side] as number) < 1 || (obj[side] as number) > 10_000) fail(topic, side, 'expected a whole number from 1 to 10000');
      return obj as unknown as ResizeRequest;
    case 'exec':
      checkPod(obj, topic);
      if (typeof obj.container !== 'string' || obj.container === '') fail(topic, 'container', 'expected a container name');
      if (!Array.isArray(obj.command) || obj.command.length === 0 || !obj.command.every((a) => typeof a === 'string')) fail(topic, 'command', 'expected a non-empty array of strings');
      for (const flag of ['stdin', 'tty'] as const) if (typeof obj[flag] !== 'boolean') fail(topic, flag, 'expected a boolean');
      return obj as unknown as ExecRequest;
    case 'portforward':
      checkPod(obj, topic);
      if (!Number.isInteger(obj.port) || (obj.port as number) < 1 || (obj.port as number) > 65535) fail(topic, 'port', 'expected a port number');
      return obj as unknown as PortForwardRequest;
    case 'logs':
      break;
    default:
      fail(topic, 'kind', 'expected "logs", "exec", "portforward", "stdin", "resize", "cancel" or "report"');
  }
  checkPod(obj, topic);
  const options = obj.options as Record<string, unknown> | null;
  if (typeof options !== 'object' || options === null) fail(topic, 'options', 'expected an object');
  if (typeof options.container !== 'string' || options.container === '') fail(topic, 'options.container', 'expected a container name');
  for (const flag of ['follow', 'previous', 'timestamps'] as const) if (typeof options[flag] !== 'boolean') fail(topic, `options.${flag}`, 'expected a boolean');
  for (const count of ['tailLines', 'sinceSeconds', 'limitBytes'] as const) if (!optionalCount(options[count])) fail(topic, `options.${count}`, 'expected a non-negative integer');
  if (options.sinceTime !== undefined && (typeof options.sinceTime !== 'string' || Number.isNaN(Date.parse(options.sinceTime)))) fail(topic, 'options.sinceTime', 'expected an RFC 3339 time');
  return obj as unknown as LogsRequest;
}

export function decodeStreamChunk(payload: Buffer | string, topic: string): StreamChunk {
  const obj = envelope(payload, topic);
  if (!Number.isSafeInteger(obj.seq) || (obj.seq as number) < 0) fail(topic, 'seq', 'expected a non-negative integer');
  if (obj.data !== undefined && typeof obj.data !== 'string') fail(topic, 'data', 'expected base64 text');
  if (obj.end !== undefined && obj.end !== true) fail(topic, 'end', 'expected true or absent');
  if (obj.error !== undefined && typeof obj.error !== 'string') fail(topic, 'error', 'expected a string');
  if (obj.channel !== undefined && obj.channel !== 1 && obj.channel !== 2) fail(topic, 'channel', 'expected 1 or 2');
  if (obj.exitCode !== undefined && !Number.isSafeInteger(obj.exitCode)) fail(topic, 'exitCode', 'expected an integer');
  return obj as unknown as StreamChunk;
}
