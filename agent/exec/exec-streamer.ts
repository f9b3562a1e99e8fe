/**
 * Runs the hub's exec requests (shared/mqtt/node-requests.ts) in Pod containers, as kubelet's
 * exec does: the command in the container's current attempt, attached through the engine; its
 * stdout and stderr back in numbered chunks on channels 1 and 2 (one raw channel 1 with a TTY),
 * stdin from `stdin` requests in order, terminal sizes from `resize`, and a last chunk with the
 * exit code. stdin that arrives before the command has started waits for it (bounded). A cancel
 * (the caller went away) closes the attachment; the command gets EOF or a hang-up, as with kubectl.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { MESSAGE_SCHEMA } from '../../shared/mqtt/messages.js';
import { MAX_CHUNK_BYTES, type ExecRequest, type ResizeRequest, type StdinRequest, type StreamChunk } from '../../shared/mqtt/node-requests.js';
import type { AttachedExec, DockerApi } from '../runtime/docker-api.js';
import { onMultiplexedFrames } from '../runtime/docker-streams.js';
import { identityOf } from '../runtime/labels.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { isRunningState } from '../reconcile/termination.js';

/** Exec sessions one agent runs at once. */
export const MAX_EXEC_SESSIONS = 16;
/** stdin bytes held for a session that has not started yet. */
const EARLY_STDIN_MAX_BYTES = 1024 * 1024;
const FLUSH_DELAY_MS = 10;

export interface ExecStreamerDeps {
  node: string;
  api: Pick<DockerApi, 'execAttach'>;
  observe(): Promise<readonly ObservedContainer[]>;
  publish(chunk: StreamChunk): Promise<void>;
  log: Logger;
}

interface Session {
  attached?: AttachedExec;
  /** stdin requests that came before the command started. */
  early: StdinRequest[];
  earlyBytes: number;
  /** More stdin came before the start than is held: the session fails rather than run with a hole in it. */
  overflow?: true;
  cancelled: boolean;
  pendingResize?: { width: number; height: number };
}

export class ExecStreamer {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly deps: ExecStreamerDeps) {}

  start(request: ExecRequest): void {
    if (this.sessions.has(request.id)) return; // a duplicate
    if (this.sessions.size >= MAX_EXEC_SESSIONS) {
      void this.deps
        .publish(this.chunk(request.id, 0, { end: true, error: `node ${this.deps.node} is already running ${MAX_EXEC_SESSIONS} exec sessions` }))
        .catch((err: unknown) => this.deps.log.debug({ session: request.id, err: errorMessage(err) }, 'exec refusal not delivered'));
      return;
    }
    const session: Session = { early: [], earlyBytes: 0, cancelled: false };
    this.sessions.set(request.id, session);
    void this.run(request, session);
  }

  stdin(request: StdinRequest): void {
    const session = this.sessions.get(request.id);
    if (!session) return;
    if (!session.attached) {
      session.earlyBytes += Buffer.byteLength(request.data ?? '', 'base64');
      if (session.earlyBytes > EARLY_STDIN_MAX_BYTES) {
        session.overflow = true;
        session.early = [];
      } else if (!session.overflow) session.early.push(request);
      return;
    }
    writeStdin(session.attached.socket, request);
  }

  resize(request: ResizeRequest): void {
    const session = this.sessions.get(request.id);
    if (!session) return;
    if (!session.attached) {
      session.pendingResize = { width: request.width, height: request.height };
      return;
    }
    session.attached.resize(request.width, request.height).catch((err: unknown) => this.deps.log.debug({ session: request.id, err: errorMessage(err) }, 'exec resize failed'));
  }

  cancel(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    session.cancelled = true;
    session.attached?.socket.destroy();
  }

  stop(): void {
    for (const id of this.sessions.keys()) this.cancel(id);
  }

  private chunk(id: string, seq: number, fields: Partial<Pick<StreamChunk, 'data' | 'channel' | 'end' | 'error' | 'exitCode'>>): StreamChunk {
    return { schema: MESSAGE_SCHEMA, node: this.deps.node, id, seq, ...fields };
  }

  private async run(request: ExecRequest, session: Session): Promise<void> {
    const { id, pod, container } = request;
    let seq = 0;
    let sending: Promise<void> = Promise.resolve();
    let sendFailed = false;
    const send = (fields: Partial<Pick<StreamChunk, 'data' | 'channel' | 'end' | 'error' | 'exitCode'>>): Promise<void> => {
      const chunk = this.chunk(id, seq++, fields);
      sending = sending.then(async () => {
        if (sendFailed) return;
        await this.deps.publish(chunk).catch(() => {
          sendFailed = true;
          session.attached?.socket.destroy(); // nobody hears the rest
        });
      });
      return sending;
    };
    try {
      const running = (await this.deps.observe())
        .filter((c) => {
          const identity = identityOf(c.labels);
          return identity?.podUid === pod.uid && identity.container === container && isRunningState(c.state);
        })
        .sort((a, b) => identityOf(b.labels)!.attempt - identityOf(a.labels)!.attempt)[0];
      // kubelet's words when the container does not run.
      if (!running) throw new Error(`unable to upgrade connection: container not found ("${container}")`);
      if (!this.deps.api.execAttach) throw new Error(`the agent of node ${this.deps.node} uses a Docker client that cannot exec (unset SKIFF_DOCKER_CLIENT)`);
      const attached = await this.deps.api.execAttach(running.id, { command: request.command, stdin: request.stdin, tty: request.tty });
      session.attached = attached;
      if (session.overflow) {
        attached.socket.destroy();
        throw new Error(`more than ${EARLY_STDIN_MAX_BYTES} bytes of stdin came before the command started`);
      }
      if (session.cancelled) attached.socket.destroy();
      if (session.pendingResize) this.resize({ ...request, kind: 'resize', ...session.pendingResize });
      if (!request.stdin) attached.socket.end(); // no stdin: the command reads EOF at once
      for (const early of session.early.splice(0)) writeStdin(attached.socket, early);
      await this.pump(attached.socket, request.tty, send);
      const exitCode = session.cancelled ? undefined : await attached.exitCode();
      await send({ end: true, ...(exitCode !== undefined ? { exitCode } : {}) });
      this.deps.log.info({ session: id, pod: `${pod.namespace}/${pod.name}`, container, exitCode }, 'exec ended');
    } catch (err) {
      this.deps.log.debug({ session: id, pod: `${pod.namespace}/${pod.name}`, err: errorMessage(err) }, 'exec failed');
      await send({ end: true, error: errorMessage(err) });
    } finally {
      this.sessions.delete(id);
    }
  }

  /** Sends the command's output until its stream ends, coalesced into chunks per channel. */
  private pump(socket: Duplex, tty: boolean, send: (fields: Partial<StreamChunk>) => Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      let channel: 1 | 2 = 1;
      let buffered: Buffer[] = [];
      let bytes = 0;
      let timer: NodeJS.Timeout | undefined;
      const flush = (): void => {
        clearTimeout(timer);
        timer = undefined;
        if (bytes === 0) return;
        const data = Buffer.concat(buffered);
        buffered = [];
        bytes = 0;
        for (let at = 0; at < data.length; at += MAX_CHUNK_BYTES) void send({ channel, data: data.subarray(at, at + MAX_CHUNK_BYTES).toString('base64') });
      };
      const take = (on: 1 | 2, payload: Buffer): void => {
        if (on !== channel) flush();
        channel = on;
        buffered.push(payload);
        bytes += payload.length;
        if (bytes >= MAX_CHUNK_BYTES) flush();
        else timer ??= setTimeout(flush, FLUSH_DELAY_MS);
      };
      if (tty) socket.on('data', (data: Buffer) => take(1, data));
      else onMultiplexedFrames(socket, (payload, stream) => take(stream === 2 ? 2 : 1, payload));
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        flush();
        resolve();
      };
      socket.on('end', finish);
      socket.on('close', finish);
      socket.on('error', finish);
    });
  }
}

function writeStdin(socket: Duplex, request: StdinRequest): void {
  if (socket.destroyed || socket.writableEnded) return;
  if (request.data) socket.write(Buffer.from(request.data, 'base64'));
  if (request.eof) socket.end();
}
