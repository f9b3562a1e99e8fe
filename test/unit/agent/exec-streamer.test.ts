/**
 * ExecStreamer (issue #9, `skiff exec`): the agent's answer to the hub's exec, stdin and resize
 * requests, driven with a fake engine whose execAttach hands out an in-memory socket (output the
 * test pushes, stdin the test reads back) and records exit-code and resize calls, and observed
 * containers labelled by the real label helpers (fixtures/builders.ts). Covers the container
 * chosen (kubelet's words when none runs), output as numbered chunks on channels 1 and 2
 * (coalesced, split at MAX_CHUNK_BYTES, raw with a TTY), stdin in order whenever it comes, resizes
 * before and after the attach, the exit code on the last chunk, cancel, the cap on sessions, and a
 * publish that fails.
 */
import { Duplex } from 'node:stream';
import t, { type Test } from 'tap';
import { ExecStreamer, MAX_EXEC_SESSIONS } from '../../../agent/exec/exec-streamer.js';
import type { AttachedExec, ExecAttachOptions } from '../../../agent/runtime/docker-api.js';
import type { ObservedContainer } from '../../../agent/runtime/observe.js';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { MESSAGE_SCHEMA } from '../../../shared/mqtt/messages.js';
import { MAX_CHUNK_BYTES, type ExecRequest, type ResizeRequest, type StdinRequest, type StreamChunk } from '../../../shared/mqtt/node-requests.js';
import { NODE, observed, pod, silentLog } from './fixtures/builders.js';
import { checkSequence, chunksOf, ended, frame, gate } from './fixtures/stream-chunks.js';
import { until } from '../../helpers/until.js';

/**
 * The engine's end of a hijacked exec connection: what the agent writes is the command's stdin
 * (kept in `stdin`, `stdinClosed` once the agent ends its side), what the test pushes is the
 * command's output. Half-open as Docker's socket is: ending stdin leaves the output flowing.
 * (Duplex.from a pair of PassThroughs would do, but its destroy() emits an AbortError that a
 * real socket's does not.)
 */
class EngineSocket extends Duplex {
  readonly stdin: Buffer[] = [];
  stdinClosed = false;

  constructor() {
    super({ allowHalfOpen: true });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.stdin.push(chunk);
    callback();
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.stdinClosed = true;
    callback();
  }

  /** The command writes `bytes`. */
  output(bytes: Buffer | string): void {
    this.push(bytes);
  }

  /** The command exited: its output ends. */
  exit(): void {
    this.push(null);
  }

  stdinText(): string {
    return Buffer.concat(this.stdin).toString();
  }
}

interface Attach {
  containerId: string;
  options: ExecAttachOptions;
  socket: EngineSocket;
  resizes: Array<[number, number]>;
  exitCodeCalls: number;
}

const WEB = pod('web');

/** The agent's surroundings: the engine's containers and exec attachments, what it published. */
function rig(options: { publish?: (chunk: StreamChunk) => Promise<void>; withoutExec?: boolean } = {}) {
  const state = {
    containers: [observed(WEB, { id: 'ctr-web-1' })] as ObservedContainer[],
    chunks: [] as StreamChunk[],
    attaches: [] as Attach[],
    /** When set, execAttach waits for it (lets a test act before the command has started). */
    attachGate: undefined as Promise<void> | undefined,
    exitCode: 0,
  };
  const execAttach = async (containerId: string, attachOptions: ExecAttachOptions): Promise<AttachedExec> => {
    await state.attachGate;
    const attach: Attach = { containerId, options: attachOptions, socket: new EngineSocket(), resizes: [], exitCodeCalls: 0 };
    state.attaches.push(attach);
    return {
      socket: attach.socket,
      exitCode: async () => {
        attach.exitCodeCalls++;
        return state.exitCode;
      },
      resize: async (width, height) => void attach.resizes.push([width, height]),
    };
  };
  const streamer = new ExecStreamer({
    node: NODE,
    api: options.withoutExec ? {} : { execAttach },
    observe: async () => [...state.containers],
    publish:
      options.publish ??
      (async (chunk) => {
        state.chunks.push(chunk);
      }),
    log: silentLog,
  });
  return { state, streamer };
}

let nextRequest = 0;

function execRequest(p: DesiredPod, fields: Partial<Pick<ExecRequest, 'container' | 'command' | 'stdin' | 'tty' | 'id'>> = {}): ExecRequest {
  return {
    schema: MESSAGE_SCHEMA,
    node: NODE,
    kind: 'exec',
    id: `exec-${nextRequest++}`,
    pod: { namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
    container: 'main',
    command: ['sh', '-c', 'echo hi'],
    stdin: false,
    tty: false,
    ...fields,
  };
}

const stdinOf = (id: string, data?: string, eof?: true): StdinRequest => ({
  schema: MESSAGE_SCHEMA,
  node: NODE,
  kind: 'stdin',
  id,
  ...(data !== undefined ? { data: Buffer.from(data).toString('base64') } : {}),
  ...(eof ? { eof } : {}),
});

const resizeOf = (id: string, width: number, height: number): ResizeRequest => ({ schema: MESSAGE_SCHEMA, node: NODE, kind: 'resize', id, width, height });

/** The data chunks as [channel, text]. */
const output = (chunks: readonly StreamChunk[], id: string): Array<[number | undefined, string]> =>
  chunksOf(chunks, id)
    .filter((c) => c.data !== undefined)
    .map((c) => [c.channel, Buffer.from(c.data!, 'base64').toString()]);

/** Starts `request` and waits until its command is attached; returns the attachment. */
async function started(t: Test, r: ReturnType<typeof rig>, request: ExecRequest): Promise<Attach> {
  const before = r.state.attaches.length;
  r.streamer.start(request);
  await until(t, `exec ${request.id} is attached`, () => r.state.attaches.length > before);
  return r.state.attaches[before]!;
}

t.test('without a running container the stream is one error chunk in kubelet’s words', async (t) => {
  const cases: Array<[string, ObservedContainer[], Partial<ExecRequest>]> = [
    ['no container at all', [], {}],
    ['the container exited', [observed(WEB, { state: 'exited', exitCode: 1 })], {}],
    ['another container of the Pod', [observed(WEB)], { container: 'other' }],
    ['the same container name in another Pod', [observed(pod('api'))], {}],
  ];
  for (const [why, containers, fields] of cases) {
    const { state, streamer } = rig();
    state.containers = containers;
    const request = execRequest(WEB, fields);
    streamer.start(request);
    await until(t, `${why}: the stream ends`, () => ended(state.chunks, request.id));
    t.same(
      chunksOf(state.chunks, request.id),
      [{ schema: MESSAGE_SCHEMA, node: NODE, id: request.id, seq: 0, end: true, error: `unable to upgrade connection: container not found ("${request.container}")` }],
      why,
    );
    t.equal(state.attaches.length, 0, `${why}: nothing attached`);
  }
});

t.test('the command runs in the current attempt of the container, with the request’s command and flags', async (t) => {
  const { state, streamer } = rig();
  state.containers = [observed(WEB, { id: 'ctr-old', attempt: 1, state: 'exited' }), observed(WEB, { id: 'ctr-new', attempt: 2 }), observed(WEB, { id: 'ctr-other', container: 'side1' })];
  const request = execRequest(WEB, { command: ['cat', '/etc/hostname'], stdin: true, tty: true });
  const attach = await started(t, { state, streamer }, request);
  t.equal(attach.containerId, 'ctr-new');
  t.same(attach.options, { command: ['cat', '/etc/hostname'], stdin: true, tty: true });
  streamer.cancel(request.id);
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
});

t.test('an engine client that cannot exec says so in the error chunk', async (t) => {
  const { state, streamer } = rig({ withoutExec: true });
  const request = execRequest(WEB);
  streamer.start(request);
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  const [only] = chunksOf(state.chunks, request.id);
  t.match(only, { seq: 0, end: true, error: /cannot exec \(unset SKIFF_DOCKER_CLIENT\)/ });
});

t.test('stdout and stderr frames become chunks on channels 1 and 2, coalesced per channel, then the exit code', async (t) => {
  const { state, streamer } = rig();
  state.exitCode = 3;
  const request = execRequest(WEB);
  const attach = await started(t, { state, streamer }, request);
  // Frames that come together are sent together; a change of stream starts a new chunk.
  attach.socket.output(Buffer.concat([frame('one '), frame('two\n'), frame('oops\n', 2), frame('three\n')]));
  await until(t, 'three chunks', () => output(state.chunks, request.id).length === 3);
  t.same(output(state.chunks, request.id), [
    [1, 'one two\n'],
    [2, 'oops\n'],
    [1, 'three\n'],
  ]);
  t.equal(attach.exitCodeCalls, 0, 'the exit code is not asked before the output ended');
  // A frame split across reads is still one frame.
  const split = frame('late\n', 2);
  attach.socket.output(split.subarray(0, 5));
  attach.socket.output(split.subarray(5));
  attach.socket.exit();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.same(output(state.chunks, request.id).at(-1), [2, 'late\n']);
  const last = chunksOf(state.chunks, request.id).at(-1)!;
  t.same(last, { schema: MESSAGE_SCHEMA, node: NODE, id: request.id, seq: last.seq, end: true, exitCode: 3 }, 'the last chunk carries the exit code and no data');
  t.equal(attach.exitCodeCalls, 1);
  checkSequence(t, state.chunks, request.id);
});

t.test('an exit code of 0 is sent too', async (t) => {
  const { state, streamer } = rig();
  const request = execRequest(WEB);
  const attach = await started(t, { state, streamer }, request);
  attach.socket.exit();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.same(chunksOf(state.chunks, request.id), [{ schema: MESSAGE_SCHEMA, node: NODE, id: request.id, seq: 0, end: true, exitCode: 0 }]);
});

t.test('output larger than MAX_CHUNK_BYTES is split into chunks of at most that, in order', async (t) => {
  const { state, streamer } = rig();
  const request = execRequest(WEB);
  const attach = await started(t, { state, streamer }, request);
  const big = Buffer.alloc(MAX_CHUNK_BYTES * 2 + 100);
  for (let i = 0; i < big.length; i++) big[i] = 97 + (i % 26);
  attach.socket.output(frame(big));
  attach.socket.output(frame('err', 2));
  attach.socket.exit();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  const data = chunksOf(state.chunks, request.id).filter((c) => c.data !== undefined);
  const sizes = data.map((c) => Buffer.from(c.data!, 'base64').length);
  t.ok(
    sizes.every((size) => size <= MAX_CHUNK_BYTES),
    `no chunk over MAX_CHUNK_BYTES (${sizes.join(', ')})`,
  );
  const stdout = Buffer.concat(data.filter((c) => c.channel === 1).map((c) => Buffer.from(c.data!, 'base64')));
  t.ok(stdout.equals(big), 'stdout arrives whole and in order');
  t.same(
    data.map((c) => c.channel),
    [1, 1, 1, 2],
    'the big output is three chunks, stderr after it',
  );
  checkSequence(t, state.chunks, request.id);
});

t.test('with a TTY the raw bytes go on channel 1, not parsed as frames', async (t) => {
  const { state, streamer } = rig();
  const request = execRequest(WEB, { tty: true, stdin: true });
  const attach = await started(t, { state, streamer }, request);
  // Bytes that would be a stderr frame header without a TTY.
  const raw = Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 1]), Buffer.from('$ ')]);
  attach.socket.output(raw);
  attach.socket.exit();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  const data = chunksOf(state.chunks, request.id).filter((c) => c.data !== undefined);
  t.same(
    data.map((c) => c.channel),
    [1],
  );
  t.ok(Buffer.from(data[0]!.data!, 'base64').equals(raw), 'the bytes as the terminal wrote them');
});

t.test('stdin requests are written in order, and eof ends the command’s stdin', async (t) => {
  const { state, streamer } = rig();
  const request = execRequest(WEB, { stdin: true, command: ['cat'] });
  const attach = await started(t, { state, streamer }, request);
  t.equal(attach.socket.stdinClosed, false, 'stdin stays open while the caller may send');
  streamer.stdin(stdinOf(request.id, 'one\n'));
  streamer.stdin(stdinOf(request.id, 'two\n'));
  streamer.stdin(stdinOf(request.id, 'three', true));
  await until(t, 'stdin is closed', () => attach.socket.stdinClosed);
  t.equal(attach.socket.stdinText(), 'one\ntwo\nthree');
  streamer.stdin(stdinOf(request.id, 'after eof\n'));
  t.equal(attach.socket.stdinText(), 'one\ntwo\nthree', 'nothing is written after eof');
  streamer.stdin(stdinOf('no-such-session', 'stray'));
  attach.socket.output(frame('one\ntwo\nthree'));
  attach.socket.exit();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.same(output(state.chunks, request.id), [[1, 'one\ntwo\nthree']]);
});

t.test('an eof with no data closes stdin', async (t) => {
  const { state, streamer } = rig();
  const request = execRequest(WEB, { stdin: true, command: ['cat'] });
  const attach = await started(t, { state, streamer }, request);
  streamer.stdin(stdinOf(request.id, undefined, true));
  await until(t, 'stdin is closed', () => attach.socket.stdinClosed);
  t.equal(attach.socket.stdinText(), '');
  streamer.cancel(request.id);
});

t.test('stdin that came before the command started is written after the attach, in order', async (t) => {
  const { state, streamer } = rig();
  const attachGate = gate();
  state.attachGate = attachGate.promise;
  const request = execRequest(WEB, { stdin: true, command: ['cat'] });
  streamer.start(request);
  streamer.stdin(stdinOf(request.id, 'early one\n'));
  streamer.stdin(stdinOf(request.id, 'early two\n'));
  t.equal(state.attaches.length, 0, 'not attached yet');
  attachGate.open();
  await until(t, 'attached', () => state.attaches.length === 1);
  const attach = state.attaches[0]!;
  streamer.stdin(stdinOf(request.id, 'late\n', true));
  await until(t, 'stdin is closed', () => attach.socket.stdinClosed);
  t.equal(attach.socket.stdinText(), 'early one\nearly two\nlate\n');
  attach.socket.exit();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
});

t.test('an eof that came before the command started closes stdin after the early data', async (t) => {
  const { state, streamer } = rig();
  const attachGate = gate();
  state.attachGate = attachGate.promise;
  const request = execRequest(WEB, { stdin: true, command: ['cat'] });
  streamer.start(request);
  streamer.stdin(stdinOf(request.id, 'all of it', true));
  attachGate.open();
  await until(t, 'attached', () => state.attaches.length === 1);
  const attach = state.attaches[0]!;
  await until(t, 'stdin is closed', () => attach.socket.stdinClosed);
  t.equal(attach.socket.stdinText(), 'all of it');
  attach.socket.exit();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
});

t.test('without stdin the command’s stdin is closed at once, and stdin requests write nothing', async (t) => {
  const { state, streamer } = rig();
  const request = execRequest(WEB, { stdin: false, command: ['cat'] });
  const attach = await started(t, { state, streamer }, request);
  await until(t, 'stdin is closed', () => attach.socket.stdinClosed);
  streamer.stdin(stdinOf(request.id, 'ignored\n'));
  t.equal(attach.socket.stdinText(), '');
  attach.socket.output(frame('still here\n'));
  attach.socket.exit();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.same(output(state.chunks, request.id), [[1, 'still here\n']], 'the output goes on after stdin closed');
});

t.test('a resize before the attach is applied once attached (the latest one), and later ones at once', async (t) => {
  const { state, streamer } = rig();
  const attachGate = gate();
  state.attachGate = attachGate.promise;
  const request = execRequest(WEB, { tty: true, stdin: true, command: ['sh'] });
  streamer.start(request);
  streamer.resize(resizeOf(request.id, 80, 24));
  streamer.resize(resizeOf(request.id, 120, 40));
  attachGate.open();
  await until(t, 'attached', () => state.attaches.length === 1);
  const attach = state.attaches[0]!;
  await until(t, 'the early size is applied', () => attach.resizes.length === 1);
  t.same(attach.resizes, [[120, 40]]);
  streamer.resize(resizeOf(request.id, 100, 30));
  await until(t, 'the later size is applied', () => attach.resizes.length === 2);
  t.same(attach.resizes, [
    [120, 40],
    [100, 30],
  ]);
  streamer.resize(resizeOf('no-such-session', 1, 1));
  attach.socket.exit();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.same(attach.resizes.length, 2, 'a resize for another session is not applied');
});

t.test('cancel destroys the attachment and ends the stream without an exit code', async (t) => {
  const { state, streamer } = rig();
  state.exitCode = 137;
  const request = execRequest(WEB, { stdin: true, command: ['sleep', '3600'] });
  const attach = await started(t, { state, streamer }, request);
  attach.socket.output(frame('before\n'));
  await until(t, 'the output is sent', () => output(state.chunks, request.id).length === 1);
  streamer.cancel(request.id);
  t.ok(attach.socket.destroyed, 'the socket is destroyed');
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  const last = chunksOf(state.chunks, request.id).at(-1)!;
  t.same(last, { schema: MESSAGE_SCHEMA, node: NODE, id: request.id, seq: 1, end: true }, 'no exit code, no error');
  t.equal(attach.exitCodeCalls, 0, 'the exit code is not asked');
  checkSequence(t, state.chunks, request.id);
  streamer.cancel(request.id); // the session is gone: harmless
});

t.test('a cancel before the attach destroys the socket as soon as it comes', async (t) => {
  const { state, streamer } = rig();
  const attachGate = gate();
  state.attachGate = attachGate.promise;
  const request = execRequest(WEB, { command: ['sleep', '3600'] });
  streamer.start(request);
  streamer.cancel(request.id);
  attachGate.open();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.ok(state.attaches[0]!.socket.destroyed, 'the socket is destroyed');
  t.same(chunksOf(state.chunks, request.id), [{ schema: MESSAGE_SCHEMA, node: NODE, id: request.id, seq: 0, end: true }]);
});

t.test('a duplicate exec request (same id) starts nothing more', async (t) => {
  const { state, streamer } = rig();
  const request = execRequest(WEB);
  const attach = await started(t, { state, streamer }, request);
  streamer.start(request);
  attach.socket.exit();
  await until(t, 'the stream ends', () => ended(state.chunks, request.id));
  t.equal(state.attaches.length, 1);
  checkSequence(t, state.chunks, request.id);
});

t.test(`at most ${MAX_EXEC_SESSIONS} sessions at once: one more is refused, and a finished one frees its place`, async (t) => {
  const { state, streamer } = rig();
  const requests = Array.from({ length: MAX_EXEC_SESSIONS }, () => execRequest(WEB, { command: ['sleep', '3600'] }));
  for (const request of requests) streamer.start(request);
  await until(t, 'all attached', () => state.attaches.length === MAX_EXEC_SESSIONS);
  const refused = execRequest(WEB);
  streamer.start(refused);
  await until(t, 'the refusal is sent', () => ended(state.chunks, refused.id));
  t.same(chunksOf(state.chunks, refused.id), [{ schema: MESSAGE_SCHEMA, node: NODE, id: refused.id, seq: 0, end: true, error: `node ${NODE} is already running ${MAX_EXEC_SESSIONS} exec sessions` }]);
  t.equal(state.attaches.length, MAX_EXEC_SESSIONS, 'nothing attached for it');
  state.attaches[0]!.socket.exit();
  await until(t, 'the first session ends', () => ended(state.chunks, requests[0]!.id));
  const next = execRequest(WEB);
  const attach = await started(t, { state, streamer }, next);
  t.equal(attach.options.command.join(' '), next.command.join(' '), 'a new session is taken');
  streamer.stop();
  await until(t, 'every session ends', () => [...requests.slice(1), next].every((r) => ended(state.chunks, r.id)));
  t.ok(
    state.attaches.every((a) => a.socket.destroyed || a.socket.readableEnded),
    'stop closed every attachment',
  );
});

t.test('a chunk that cannot be published stops the session: the attachment is closed and nothing more is sent', async (t) => {
  const attempts: StreamChunk[] = [];
  const { state, streamer } = rig({
    publish: async (chunk) => {
      attempts.push(chunk);
      throw new Error('client disconnected');
    },
  });
  const request = execRequest(WEB, { stdin: true, command: ['yes'] });
  const attach = await started(t, { state, streamer }, request);
  attach.socket.output(frame('y\n'));
  await until(t, 'the socket is destroyed', () => attach.socket.destroyed);
  attach.socket.output(frame('y\n')); // a destroyed socket takes no more output
  // The session is forgotten once it ended: the same id may start again.
  await until(t, 'the session is gone', () => {
    streamer.start(request);
    return state.attaches.length === 2;
  });
  t.same(
    attempts.map((c) => [c.seq, c.end === true, c.data !== undefined]),
    [[0, false, true]],
    'only the first output chunk was tried: no more output and no end chunk after it failed',
  );
  streamer.stop();
});
