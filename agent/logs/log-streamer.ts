/**
 * Answers the hub's logs requests (shared/mqtt/node-requests.ts): reads a Pod container's output
 * from the engine and sends it back in numbered chunks of at most MAX_CHUNK_BYTES, in order, the
 * last with `end`. As kubelet: the current attempt of the container, or with `previous` the one
 * before it; tailLines, sinceSeconds/sinceTime, timestamps and limitBytes as the API's
 * PodLogOptions. With `follow` the stream outlives a container restart: when an attempt ends and
 * the Pod is still to run here, the next attempt's output follows, from its start (Kubernetes
 * stops there; a user following a crash-looping container wants the next run too). A stream
 * ends when the hub cancels it, the Pod leaves the node, or a chunk cannot be sent.
 */
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import { MESSAGE_SCHEMA } from '../../shared/mqtt/messages.js';
import { MAX_CHUNK_BYTES, type LogsRequest, type StreamChunk } from '../../shared/mqtt/node-requests.js';
import type { DockerApi } from '../runtime/docker-api.js';
import { onMultiplexedFrames } from '../runtime/docker-streams.js';
import { identityOf } from '../runtime/labels.js';
import { readPreviousLog, selectLogLines } from './previous-logs.js';
import type { ObservedContainer } from '../runtime/observe.js';

/** Streams one agent serves at once; more are refused (each holds an engine connection). */
export const MAX_LOG_STREAMS = 16;
/** Bytes read from the engine but not yet sent above which the engine stream is paused. */
const HIGH_WATER_BYTES = 1024 * 1024;
/** How long bytes wait for more before they go in a chunk of their own. */
const FLUSH_DELAY_MS = 20;
/** How often a followed stream looks for the container's next attempt. */
const NEXT_ATTEMPT_POLL_MS = 500;

export interface LogStreamerDeps {
  node: string;
  api: Pick<DockerApi, 'containerLogs'>;
  /** The node's Pod containers now (no sandboxes). */
  observe(): Promise<readonly ObservedContainer[]>;
  /** The Pod as this node is told to run it, or undefined once it is not. */
  desiredPod(uid: string): DesiredPod | undefined;
  publish(chunk: StreamChunk): Promise<void>;
  now(): number;
  log: Logger;
  /** Where ended attempts' output is kept (previous-logs.ts); absent: --previous only finds containers still there. */
  dataDir?: string;
}

/** The attempts of one Pod container this node has, newest first. */
function attemptsOf(observed: readonly ObservedContainer[], uid: string, container: string): ObservedContainer[] {
  return observed
    .filter((c) => {
      const id = identityOf(c.labels);
      return id?.podUid === uid && id.container === container;
    })
    .sort((a, b) => identityOf(b.labels)!.attempt - identityOf(a.labels)!.attempt);
}

export class LogStreamer {
  private readonly streams = new Map<string, () => void>();

  constructor(private readonly deps: LogStreamerDeps) {}

  /** Ends the stream `id`, if this streamer serves it. */
  cancel(id: string): void {
    this.streams.get(id)?.();
  }

  /** Serves a logs request (requests/node-request-router.ts decoded it). */
  start(request: LogsRequest): void {
    if (this.streams.has(request.id)) return; // a duplicate
    if (this.streams.size >= MAX_LOG_STREAMS) {
      void this.deps.publish(this.chunk(request.id, 0, { end: true, error: `node ${this.deps.node} is already serving ${MAX_LOG_STREAMS} log streams` })).catch(() => undefined);
      return;
    }
    void this.serve(request);
  }

  /** Ends every stream (the agent stops). */
  stop(): void {
    for (const cancel of this.streams.values()) cancel();
  }

  private chunk(id: string, seq: number, fields: Partial<Pick<StreamChunk, 'data' | 'end' | 'error'>>): StreamChunk {
    return { schema: MESSAGE_SCHEMA, node: this.deps.node, id, seq, ...fields };
  }

  private async serve(request: LogsRequest): Promise<void> {
    const { id, pod, options } = request;
    const { log } = this.deps;
    let seq = 0;
    let cancelled = false;
    let onCancel: (() => void) | undefined;
    this.streams.set(id, () => {
      cancelled = true;
      onCancel?.();
    });
    let sending: Promise<void> = Promise.resolve();
    let unsent = 0;
    let sendFailed: Error | undefined;
    const send = (fields: Partial<Pick<StreamChunk, 'data' | 'end' | 'error'>>, bytes = 0): Promise<void> => {
      const chunk = this.chunk(id, seq++, fields);
      unsent += bytes;
      sending = sending.then(async () => {
        if (sendFailed) return;
        try {
          await this.deps.publish(chunk);
        } catch (err) {
          sendFailed = err as Error;
          onCancel?.(); // nobody hears the rest: stop reading the engine
        }
        unsent -= bytes;
      });
      return sending;
    };
    let sent = 0;
    try {
      const attempts = attemptsOf(await this.deps.observe(), pod.uid, options.container);
      let current = options.previous ? attempts[1] : attempts[0];
      // No such container left: the output kept when the last ended attempt was removed (during a
      // CrashLoopBackOff that is what kubelet shows too, from the dead container it keeps).
      const saved = !current && (options.previous || attempts.length === 0) && this.deps.dataDir !== undefined ? await readPreviousLog(this.deps.dataDir, pod.uid, options.container) : undefined;
      if (saved) {
        const since = options.sinceSeconds !== undefined ? this.deps.now() - options.sinceSeconds * 1000 : options.sinceTime !== undefined ? Date.parse(options.sinceTime) : undefined;
        const selected = selectLogLines(saved, {
          timestamps: options.timestamps,
          ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
          ...(since !== undefined ? { sinceMs: since } : {}),
          ...(options.limitBytes !== undefined ? { limitBytes: options.limitBytes } : {}),
        });
        sent = selected.length;
        for (let at = 0; at < selected.length; at += MAX_CHUNK_BYTES) void send({ data: selected.subarray(at, at + MAX_CHUNK_BYTES).toString('base64') });
        const limitReached = options.limitBytes !== undefined && sent >= options.limitBytes;
        // Following a container between two attempts: its next one, once it starts.
        current = options.follow && !options.previous && !limitReached ? await this.nextAttempt(pod.uid, options.container, 0, () => cancelled) : undefined;
        if (!current) {
          await send({ end: true });
          return;
        }
      }
      if (!current) {
        throw new Error(
          options.previous
            ? `previous terminated container "${options.container}" in pod "${pod.name}" not found`
            : `container "${options.container}" in pod "${pod.name}" is waiting to start: ContainerCreating`,
        );
      }
      let first = !saved;
      for (;;) {
        const since = options.sinceSeconds !== undefined ? Math.floor(this.deps.now() / 1000) - options.sinceSeconds : options.sinceTime !== undefined ? Math.floor(Date.parse(options.sinceTime) / 1000) : undefined;
        if (!this.deps.api.containerLogs) throw new Error(`the agent of node ${this.deps.node} uses a Docker client that cannot read logs (unset SKIFF_DOCKER_CLIENT)`);
        const stream = await this.deps.api.containerLogs(current.id, {
          follow: options.follow,
          timestamps: options.timestamps,
          ...(first && options.tailLines !== undefined ? { tail: options.tailLines } : {}),
          ...(first && since !== undefined ? { since } : {}),
        });
        first = false;
        const limitReached = await new Promise<boolean>((resolve, reject) => {
          let buffered: Buffer[] = [];
          let bufferedBytes = 0;
          let timer: NodeJS.Timeout | undefined;
          let done = false;
          const flush = (): void => {
            clearTimeout(timer);
            timer = undefined;
            if (bufferedBytes === 0) return;
            const data = Buffer.concat(buffered);
            buffered = [];
            bufferedBytes = 0;
            for (let at = 0; at < data.length; at += MAX_CHUNK_BYTES) {
              const part = data.subarray(at, at + MAX_CHUNK_BYTES);
              void send({ data: part.toString('base64') }, part.length).then(() => {
                if (unsent < HIGH_WATER_BYTES / 2) stream.resume();
              });
            }
            if (unsent > HIGH_WATER_BYTES) stream.pause();
          };
          const finish = (reachedLimit: boolean): void => {
            if (done) return;
            done = true;
            flush();
            resolve(reachedLimit);
          };
          onCancel = () => {
            stream.destroy();
            finish(false);
          };
          onMultiplexedFrames(stream, (payload) => {
            if (done) return;
            let bytes = payload;
            if (options.limitBytes !== undefined && sent + bytes.length >= options.limitBytes) {
              bytes = bytes.subarray(0, options.limitBytes - sent);
              sent += bytes.length;
              buffered.push(bytes);
              bufferedBytes += bytes.length;
              stream.destroy();
              finish(true);
              return;
            }
            sent += bytes.length;
            buffered.push(bytes);
            bufferedBytes += bytes.length;
            if (bufferedBytes >= MAX_CHUNK_BYTES) flush();
            else timer ??= setTimeout(flush, FLUSH_DELAY_MS);
          });
          stream.on('end', () => finish(false));
          stream.on('close', () => finish(false)); // destroyed without an end (a broken engine connection)
          stream.on('error', (err: Error) => (done ? undefined : ((done = true), clearTimeout(timer), reject(err))));
          // A cancel that came while the engine stream was being opened (observe, containerLogs).
          if (cancelled) onCancel();
        });
        if (!options.follow || cancelled || limitReached || sendFailed) break;
        // Followed to the end of this attempt: the next one, while the Pod is still to run here.
        const next = await this.nextAttempt(pod.uid, options.container, identityOf(current.labels)!.attempt, () => cancelled);
        if (!next) break;
        current = next;
      }
      await send({ end: true });
    } catch (err) {
      log.debug({ stream: id, pod: `${pod.namespace}/${pod.name}`, err: errorMessage(err) }, 'log stream failed');
      await send({ end: true, error: errorMessage(err) });
    } finally {
      this.streams.delete(id);
    }
  }

  /** The container's attempt after `attempt`, once it exists; undefined if the Pod leaves or the stream is cancelled. */
  private async nextAttempt(uid: string, container: string, attempt: number, cancelled: () => boolean): Promise<ObservedContainer | undefined> {
    for (;;) {
      if (cancelled()) return undefined;
      const pod = this.deps.desiredPod(uid);
      if (!pod || pod.spec.restartPolicy === 'Never') return undefined;
      const newer = attemptsOf(await this.deps.observe(), uid, container).find((c) => identityOf(c.labels)!.attempt > attempt);
      if (newer) return newer;
      await new Promise((resolve) => setTimeout(resolve, NEXT_ATTEMPT_POLL_MS));
    }
  }
}
