/**
 * The hub's end of node requests (shared/mqtt/node-requests.ts): sends a request to a connected
 * node and hands the chunks of its answer, in order, to whoever asked (the pods/log handler). A
 * chunk is taken only from the node the stream was asked of and only in sequence; a gap (the
 * broker lost a message, or the node restarted) ends the stream with an error instead of
 * splicing output with a hole in it. Cancelling tells the node to stop.
 */
import type { Logger } from '../../shared/log.js';
import { DroppedReportLog } from './dropped-report-log.js';
import { errorMessage } from '../../shared/errors.js';
import { MESSAGE_SCHEMA, encode } from '../../shared/mqtt/messages.js';
import { decodeStreamChunk, type CancelRequest, type ExecRequest, type LogsRequest, type PortForwardRequest, type ResizeRequest, type StdinRequest } from '../../shared/mqtt/node-requests.js';
import { allNodesFilter, parseNodeTopic, requestsTopic } from '../../shared/mqtt/topics.js';
import type { MessageBus } from '../broker/message-bus.js';

export interface StreamHandlers {
  /** `channel`: 1 stdout, 2 stderr for exec; absent for logs. */
  onData(data: Buffer, channel?: 1 | 2): void;
  /** The stream ended: `error` is the node's reason when it failed; `exitCode` an exec's. */
  onEnd(error?: string, exitCode?: number): void;
}

/** The caller's end of an exec stream. */
export interface ExecStream {
  cancel(): void;
  stdin(data: Buffer): void;
  closeStdin(): void;
  resize(width: number, height: number): void;
}

interface OpenStream extends StreamHandlers {
  node: string;
  nextSeq: number;
}

export class NodeStreams {
  private readonly streams = new Map<string, OpenStream>();
  private counter = 0;
  private readonly prefix = `${process.pid.toString(36)}-${Date.now().toString(36)}`;
  private readonly dropped: DroppedReportLog;

  constructor(
    private readonly bus: MessageBus,
    /** Whether the node has a live MQTT connection now. */
    readonly isConnected: (node: string) => boolean,
    private readonly log: Logger,
  ) {
    this.dropped = new DroppedReportLog(log);
  }

  async start(): Promise<void> {
    await this.bus.subscribe(allNodesFilter('streams'), (topic, payload) => this.onChunk(topic, payload));
  }

  /** Asks `node` for a Pod's logs; returns how to cancel. */
  requestLogs(node: string, pod: LogsRequest['pod'], options: LogsRequest['options'], handlers: StreamHandlers): { cancel(): void } {
    const id = this.open(node, handlers, (id) => ({ schema: MESSAGE_SCHEMA, node, kind: 'logs', id, pod, options }) satisfies LogsRequest);
    return { cancel: () => this.cancel(node, id) };
  }

  /** Starts a command in a Pod container on `node`; returns its stdin, resize and cancel. */
  requestExec(node: string, exec: Pick<ExecRequest, 'pod' | 'container' | 'command' | 'stdin' | 'tty'>, handlers: StreamHandlers): ExecStream {
    const id = this.open(node, handlers, (id) => ({ schema: MESSAGE_SCHEMA, node, kind: 'exec', id, ...exec }) satisfies ExecRequest);
    const send = (request: StdinRequest | ResizeRequest): void => {
      if (!this.streams.has(id)) return;
      this.bus.publish(requestsTopic(node), encode(request), { qos: 0, retain: false }).catch((err: unknown) => this.end(id, `cannot reach node ${node}: ${errorMessage(err)}`));
    };
    return {
      cancel: () => this.cancel(node, id),
      stdin: (data) => send({ schema: MESSAGE_SCHEMA, node, kind: 'stdin', id, data: data.toString('base64') }),
      closeStdin: () => send({ schema: MESSAGE_SCHEMA, node, kind: 'stdin', id, eof: true }),
      resize: (width, height) => send({ schema: MESSAGE_SCHEMA, node, kind: 'resize', id, width, height }),
    };
  }

  /** Opens a TCP connection from `node` to `port` of a Pod there; returns how to send, end and cancel. */
  requestPortForward(node: string, pod: PortForwardRequest['pod'], port: number, handlers: StreamHandlers): Pick<ExecStream, 'cancel' | 'stdin' | 'closeStdin'> {
    const id = this.open(node, handlers, (id) => ({ schema: MESSAGE_SCHEMA, node, kind: 'portforward', id, pod, port }) satisfies PortForwardRequest);
    const send = (request: StdinRequest): void => {
      if (!this.streams.has(id)) return;
      this.bus.publish(requestsTopic(node), encode(request), { qos: 0, retain: false }).catch((err: unknown) => this.end(id, `cannot reach node ${node}: ${errorMessage(err)}`));
    };
    return {
      cancel: () => this.cancel(node, id),
      stdin: (data) => send({ schema: MESSAGE_SCHEMA, node, kind: 'stdin', id, data: data.toString('base64') }),
      closeStdin: () => send({ schema: MESSAGE_SCHEMA, node, kind: 'stdin', id, eof: true }),
    };
  }

  private open(node: string, handlers: StreamHandlers, build: (id: string) => LogsRequest | ExecRequest | PortForwardRequest): string {
    const id = `${this.prefix}-${(this.counter++).toString(36)}`;
    this.streams.set(id, { ...handlers, node, nextSeq: 0 });
    this.bus.publish(requestsTopic(node), encode(build(id)), { qos: 0, retain: false }).catch((err: unknown) => this.end(id, `cannot reach node ${node}: ${errorMessage(err)}`));
    return id;
  }

  private cancel(node: string, id: string): void {
    if (!this.streams.delete(id)) return;
    const cancel: CancelRequest = { schema: MESSAGE_SCHEMA, node, kind: 'cancel', id };
    this.bus.publish(requestsTopic(node), encode(cancel), { qos: 0, retain: false }).catch(() => undefined);
  }

  /** Streams open now (tests and metrics). */
  get size(): number {
    return this.streams.size;
  }

  private end(id: string, error?: string, exitCode?: number): void {
    const stream = this.streams.get(id);
    if (!stream) return;
    this.streams.delete(id);
    stream.onEnd(error, exitCode);
  }

  private onChunk(topic: string, payload: Buffer): void {
    const from = parseNodeTopic(topic)?.node;
    let chunk;
    try {
      chunk = decodeStreamChunk(payload, topic);
    } catch (err) {
      this.dropped.warn(from ?? topic, { topic, err: errorMessage(err) }, 'ignored a stream chunk that does not decode');
      return;
    }
    const stream = this.streams.get(chunk.id);
    if (!stream || stream.node !== from || chunk.node !== from) return; // not ours (cancelled, or another node's guess)
    if (chunk.seq !== stream.nextSeq) {
      this.end(chunk.id, `the stream from node ${from} lost data (chunk ${chunk.seq} came when ${stream.nextSeq} was due)`);
      return;
    }
    stream.nextSeq++;
    if (chunk.data) stream.onData(Buffer.from(chunk.data, 'base64'), chunk.channel);
    if (chunk.end) this.end(chunk.id, chunk.error, chunk.exitCode);
  }
}
