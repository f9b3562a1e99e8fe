/**
 * LogStreamer (issue #9): the agent's answer to the hub's logs requests, driven with a fake
 * engine whose containerLogs hands out PassThrough streams fed with Docker's multiplexed frames,
 * and observed containers labelled by the real label helpers (fixtures/builders.ts). Covers which
 * attempt is read (current, `previous`, none yet), the chunks sent back (numbered, base64, at most
 * MAX_CHUNK_BYTES, ended once), limitBytes, following across a restart, cancel, and the cap on
 * streams served at once.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough } from 'node:stream';
import t, { type Test } from 'tap';
import { LogStreamer, MAX_LOG_STREAMS } from '../../../agent/logs/log-streamer.js';
import { NodeRequestRouter } from '../../../agent/requests/node-request-router.js';
import { previousLogPath } from '../../../agent/logs/previous-logs.js';
import type { ContainerLogOptions } from '../../../agent/runtime/docker-api.js';
import type { ObservedContainer } from '../../../agent/runtime/observe.js';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { MESSAGE_SCHEMA } from '../../../shared/mqtt/messages.js';
import { MAX_CHUNK_BYTES, type LogOptions, type StreamChunk } from '../../../shared/mqtt/node-requests.js';
import { requestsTopic } from '../../../shared/mqtt/topics.js';
import { NODE, T0, observed, pod, silentLog } from './fixtures/builders.js';
import { checkSequence, chunksOf, ended, frame } from './fixtures/stream-chunks.js';
import { until } from '../../helpers/until.js';

type EngineStream = PassThrough;

/** The agent's surroundings: the engine's containers and log streams, the Pods it is told to run, what it published. */
function rig(options: { publish?: (chunk: StreamChunk) => Promise<void>; dataDir?: string } = {}) {
  const state = {
    containers: [] as ObservedContainer[],
    pods: new Map<string, DesiredPod>(),
    chunks: [] as StreamChunk[],
    logCalls: [] as Array<{ id: string; options: ContainerLogOptions; stream: EngineStream }>,
    observeCalls: 0,
    /** Called on each observe, before it answers (lets a test change the engine between calls). */
    onObserve: undefined as (() => void) | undefined,
  };
  const streamer = new LogStreamer({
    node: NODE,
    api: {
      containerLogs: async (id, logOptions) => {
        const stream = new PassThrough();
        state.logCalls.push({ id, options: logOptions, stream });
        return stream;
      },
    },
    observe: async () => {
      state.observeCalls++;
      state.onObserve?.();
      return [...state.containers];
    },
    desiredPod: (uid) => state.pods.get(uid),
    publish:
      options.publish ??
      (async (chunk) => {
        state.chunks.push(chunk);
      }),
    now: () => T0,
    log: silentLog,
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
  });
  return { state, streamer };
}

let nextRequest = 0;

/** Sends a logs request for `p` to the streamer; returns its stream id. */
/** What the agent does with a message on its requests topic: the router, with only logs served. */
function deliver(streamer: LogStreamer, payload: Buffer, topic: string): void {
  new NodeRequestRouter(NODE, { logs: (r) => streamer.start(r), cancel: (id) => streamer.cancel(id), exec: () => undefined, portForward: () => undefined, stdin: () => undefined, resize: () => undefined, report: () => undefined }, silentLog).onMessage(payload, topic);
}

function ask(streamer: LogStreamer, p: DesiredPod, options: Partial<LogOptions> = {}, id = `req-${nextRequest++}`): string {
  const request = {
    schema: MESSAGE_SCHEMA,
    node: NODE,
    kind: 'logs',
    id,
    pod: { namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
    options: { container: 'main', follow: false, previous: false, timestamps: false, ...options },
  };
  deliver(streamer, Buffer.from(JSON.stringify(request)), requestsTopic(NODE));
  return id;
}

function cancel(streamer: LogStreamer, id: string): void {
  deliver(streamer, Buffer.from(JSON.stringify({ schema: MESSAGE_SCHEMA, node: NODE, kind: 'cancel', id })), requestsTopic(NODE));
}


/** The bytes the stream carried, decoded. */
const textOf = (chunks: readonly StreamChunk[], id: string): string =>
  Buffer.concat(chunksOf(chunks, id).map((c) => Buffer.from(c.data ?? '', 'base64'))).toString();

const lastOf = (chunks: readonly StreamChunk[], id: string): StreamChunk => chunksOf(chunks, id).at(-1)!;

t.test('the current attempt’s stdout and stderr come back in order, then the end', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  const old = observed(web, { attempt: 1, state: 'exited' });
  const current = observed(web, { attempt: 2 });
  state.containers = [current, old];
  const id = ask(streamer, web);
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  t.equal(state.logCalls[0]!.id, current.id, 'the newest attempt');
  t.same(state.logCalls[0]!.options, { follow: false, timestamps: false });
  const engine = state.logCalls[0]!.stream;
  engine.write(Buffer.concat([frame('out 1\n'), frame('err 1\n', 2)]));
  engine.end(frame('out 2\n'));
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  checkSequence(t, state.chunks, id);
  t.equal(textOf(state.chunks, id), 'out 1\nerr 1\nout 2\n');
  t.equal(lastOf(state.chunks, id).error, undefined, 'no error');
});

t.test('tailLines, sinceSeconds and timestamps become the engine’s tail, since and timestamps', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.containers = [observed(web)];
  const id = ask(streamer, web, { tailLines: 5, sinceSeconds: 60, timestamps: true });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  t.same(state.logCalls[0]!.options, { follow: false, timestamps: true, tail: 5, since: Math.floor(T0 / 1000) - 60 });
  state.logCalls[0]!.stream.end();
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  t.same(chunksOf(state.chunks, id), [{ schema: MESSAGE_SCHEMA, node: NODE, id, seq: 0, end: true }], 'an empty log is one end chunk');
});

t.test('sinceTime becomes the engine’s since in Unix seconds', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.containers = [observed(web)];
  const id = ask(streamer, web, { sinceTime: '2030-01-01T00:00:30.900Z' });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  t.same(state.logCalls[0]!.options, { follow: false, timestamps: false, since: Math.floor(Date.parse('2030-01-01T00:00:30Z') / 1000) });
  state.logCalls[0]!.stream.end();
  await until(t, 'the stream ends', () => ended(state.chunks, id));
});

t.test('output larger than a chunk is split at MAX_CHUNK_BYTES', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.containers = [observed(web)];
  const id = ask(streamer, web);
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  const output = Buffer.alloc(2 * MAX_CHUNK_BYTES + 100);
  for (let i = 0; i < output.length; i++) output[i] = 97 + (i % 26);
  state.logCalls[0]!.stream.end(frame(output));
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  checkSequence(t, state.chunks, id);
  const sizes = chunksOf(state.chunks, id)
    .filter((c) => c.data !== undefined)
    .map((c) => Buffer.from(c.data!, 'base64').length);
  t.same(sizes, [MAX_CHUNK_BYTES, MAX_CHUNK_BYTES, 100]);
  t.equal(textOf(state.chunks, id), output.toString(), 'nothing lost or reordered');
});

t.test('limitBytes cuts the output inside a frame and stops reading the engine', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.containers = [observed(web)];
  const id = ask(streamer, web, { limitBytes: 10, follow: true });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  const engine = state.logCalls[0]!.stream;
  engine.write(Buffer.concat([frame('abcdef'), frame('ghijkl'), frame('mnop')]));
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  checkSequence(t, state.chunks, id);
  t.equal(textOf(state.chunks, id), 'abcdefghij');
  t.equal(lastOf(state.chunks, id).error, undefined);
  t.ok(engine.destroyed, 'the engine stream is closed');
  t.equal(state.logCalls.length, 1, 'a followed stream does not go on to another attempt once the limit is reached');
});

t.test('limitBytes reached exactly at a frame’s end', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.containers = [observed(web)];
  const id = ask(streamer, web, { limitBytes: 6 });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  state.logCalls[0]!.stream.write(Buffer.concat([frame('abcdef'), frame('ghi')]));
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  t.equal(textOf(state.chunks, id), 'abcdef');
});

t.test('previous reads the attempt before the newest', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  const [a1, a2, a3] = [1, 2, 3].map((attempt) => observed(web, { attempt, state: attempt === 3 ? 'running' : 'exited' }));
  state.containers = [a1!, a3!, a2!];
  const id = ask(streamer, web, { previous: true });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  t.equal(state.logCalls[0]!.id, a2!.id);
  state.logCalls[0]!.stream.end(frame('crashed\n'));
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  t.equal(textOf(state.chunks, id), 'crashed\n');
});

t.test('previous with a single attempt is kubelet’s "previous terminated container ... not found"', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.containers = [observed(web, { attempt: 1 })];
  const id = ask(streamer, web, { previous: true });
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  t.same(chunksOf(state.chunks, id), [{ schema: MESSAGE_SCHEMA, node: NODE, id, seq: 0, end: true, error: 'previous terminated container "main" in pod "web" not found' }]);
  t.equal(state.logCalls.length, 0, 'the engine is not asked');
});

t.test('no attempt of the container yet is kubelet’s "is waiting to start"', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web', {}, [{}, {}]);
  const other = pod('other');
  // Another container of the Pod and the same container name in another Pod are not it.
  state.containers = [observed(web, { container: 'side1' }), observed(other)];
  const id = ask(streamer, web);
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  t.same(chunksOf(state.chunks, id), [{ schema: MESSAGE_SCHEMA, node: NODE, id, seq: 0, end: true, error: 'container "main" in pod "web" is waiting to start: ContainerCreating' }]);
  t.equal(state.logCalls.length, 0);
});

t.test('the container asked for is read, not its Pod’s other containers', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web', {}, [{}, {}]);
  const main = observed(web, { attempt: 4 });
  const side = observed(web, { container: 'side1', attempt: 1 });
  state.containers = [main, side];
  const id = ask(streamer, web, { container: 'side1' });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  t.equal(state.logCalls[0]!.id, side.id);
  state.logCalls[0]!.stream.end();
  await until(t, 'the stream ends', () => ended(state.chunks, id));
});

t.test('an engine stream that fails ends the stream with the engine’s error', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.containers = [observed(web)];
  const id = ask(streamer, web, { follow: true });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  state.logCalls[0]!.stream.destroy(new Error('connect ENOENT /var/run/docker.sock'));
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  checkSequence(t, state.chunks, id);
  t.equal(lastOf(state.chunks, id).error, 'connect ENOENT /var/run/docker.sock');
});

t.test('follow: when an attempt’s stream ends, the next attempt’s output follows from its start', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.pods.set(web.metadata.uid, web);
  const first = observed(web, { attempt: 1 });
  state.containers = [first];
  const id = ask(streamer, web, { follow: true, tailLines: 10, sinceSeconds: 30 });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  t.same(state.logCalls[0]!.options, { follow: true, timestamps: false, tail: 10, since: Math.floor(T0 / 1000) - 30 });
  state.logCalls[0]!.stream.write(frame('first run\n'));
  // The container restarts: attempt 1 exits, attempt 2 is created.
  const second = observed(web, { attempt: 2 });
  state.containers = [observed(web, { attempt: 1, state: 'exited', id: first.id }), second];
  state.logCalls[0]!.stream.end();
  await until(t, 'the next attempt is read', () => state.logCalls.length === 2);
  t.equal(state.logCalls[1]!.id, second.id);
  t.same(state.logCalls[1]!.options, { follow: true, timestamps: false }, 'from its start: no tail nor since');
  t.notOk(ended(state.chunks, id), 'the stream did not end between attempts');
  state.logCalls[1]!.stream.write(frame('second run\n'));
  // The Pod leaves the node: once this attempt ends, nothing follows.
  state.pods.delete(web.metadata.uid);
  state.logCalls[1]!.stream.end();
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  checkSequence(t, state.chunks, id);
  t.equal(textOf(state.chunks, id), 'first run\nsecond run\n');
  t.equal(lastOf(state.chunks, id).error, undefined);
  t.equal(state.logCalls.length, 2);
});

t.test('follow waits for the next attempt when it does not exist yet', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.pods.set(web.metadata.uid, web);
  state.containers = [observed(web, { attempt: 1 })];
  const id = ask(streamer, web, { follow: true });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  const second = observed(web, { attempt: 2 });
  const observedBefore = state.observeCalls;
  // The next attempt appears only after the streamer has looked once and found none.
  state.onObserve = () => {
    if (state.observeCalls === observedBefore + 2) state.containers = [...state.containers, second];
  };
  state.logCalls[0]!.stream.end();
  await until(t, 'the next attempt is read', () => state.logCalls.length === 2);
  t.equal(state.logCalls[1]!.id, second.id);
  t.ok(state.observeCalls >= observedBefore + 2, 'looked again after finding none');
  cancel(streamer, id);
  await until(t, 'the stream ends', () => ended(state.chunks, id));
});

t.test('follow ends with the attempt when the Pod never restarts its containers', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web', { restartPolicy: 'Never' });
  state.pods.set(web.metadata.uid, web);
  state.containers = [observed(web)];
  const id = ask(streamer, web, { follow: true });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  state.logCalls[0]!.stream.end(frame('done\n'));
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  t.equal(textOf(state.chunks, id), 'done\n');
  t.equal(state.logCalls.length, 1);
});

t.test('without follow, the stream ends with the attempt even if a newer one exists', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.pods.set(web.metadata.uid, web);
  state.containers = [observed(web, { attempt: 1 })];
  const id = ask(streamer, web);
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  state.containers = [...state.containers, observed(web, { attempt: 2 })];
  state.logCalls[0]!.stream.end(frame('one\n'));
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  t.equal(state.logCalls.length, 1);
});

t.test('cancel destroys the engine stream and ends the stream', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.pods.set(web.metadata.uid, web);
  state.containers = [observed(web)];
  const id = ask(streamer, web, { follow: true });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  const engine = state.logCalls[0]!.stream;
  engine.write(frame('before\n'));
  await until(t, 'the output is sent', () => textOf(state.chunks, id) === 'before\n');
  cancel(streamer, id);
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  t.ok(engine.destroyed, 'the engine stream is closed');
  checkSequence(t, state.chunks, id);
  t.equal(lastOf(state.chunks, id).error, undefined);
  t.equal(state.logCalls.length, 1, 'no next attempt is looked for');
  // Its id is free again: a new request with it is served.
  ask(streamer, web, {}, id);
  await until(t, 'the engine is asked again', () => state.logCalls.length === 2);
  state.logCalls[1]!.stream.end();
});

t.test(
  'a cancel that comes before the engine stream is open closes it as soon as it opens',
  async (t) => {
    const { state, streamer } = rig();
    const web = pod('web');
    state.pods.set(web.metadata.uid, web);
    state.containers = [observed(web)];
    const id = ask(streamer, web, { follow: true });
    cancel(streamer, id); // while the streamer awaits observe()
    await until(t, 'the engine is asked', () => state.logCalls.length === 1);
    await new Promise((resolve) => setImmediate(resolve));
    const engine = state.logCalls[0]!.stream;
    t.ok(engine.destroyed, 'the engine stream is closed at once');
    if (!engine.destroyed) engine.end(frame('after the cancel\n'));
    await until(t, 'the stream ends', () => ended(state.chunks, id));
    t.equal(textOf(state.chunks, id), '', 'nothing is read after the cancel');
  },
);

t.test('stop ends every stream', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.containers = [observed(web)];
  const ids = [ask(streamer, web, { follow: true }), ask(streamer, web, { follow: true })];
  await until(t, 'the engine is asked twice', () => state.logCalls.length === 2);
  streamer.stop();
  await until(t, 'both streams end', () => ids.every((id) => ended(state.chunks, id)));
  t.ok(
    state.logCalls.every((call) => call.stream.destroyed),
    'both engine streams are closed',
  );
});

t.test(`more than MAX_LOG_STREAMS (${MAX_LOG_STREAMS}) streams at once are refused`, async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.containers = [observed(web)];
  const open = Array.from({ length: MAX_LOG_STREAMS }, () => ask(streamer, web, { follow: true }));
  await until(t, 'every stream reads the engine', () => state.logCalls.length === MAX_LOG_STREAMS);
  const refused = ask(streamer, web, { follow: true });
  await until(t, 'the extra stream is answered', () => ended(state.chunks, refused));
  t.same(chunksOf(state.chunks, refused), [{ schema: MESSAGE_SCHEMA, node: NODE, id: refused, seq: 0, end: true, error: `node ${NODE} is already serving ${MAX_LOG_STREAMS} log streams` }]);
  t.equal(state.logCalls.length, MAX_LOG_STREAMS, 'the engine is not asked for it');
  // One ends: a new stream is served again.
  cancel(streamer, open[0]!);
  await until(t, 'the cancelled stream ends', () => ended(state.chunks, open[0]!));
  const again = ask(streamer, web);
  await until(t, 'the new stream reads the engine', () => state.logCalls.length === MAX_LOG_STREAMS + 1);
  state.logCalls.at(-1)!.stream.end();
  await until(t, 'the new stream ends', () => ended(state.chunks, again));
  t.equal(lastOf(state.chunks, again).error, undefined);
  streamer.stop();
  await until(t, 'every stream ends', () => open.every((id) => ended(state.chunks, id)));
});

t.test('a duplicate request, another node’s request and a malformed one are ignored', async (t) => {
  const { state, streamer } = rig();
  const web = pod('web');
  state.containers = [observed(web)];
  const id = ask(streamer, web, { follow: true });
  ask(streamer, web, { follow: true }, id);
  const forOther = {
    schema: MESSAGE_SCHEMA,
    node: 'node-b',
    kind: 'logs',
    id: 'other',
    pod: { namespace: 'default', name: 'web', uid: web.metadata.uid },
    options: { container: 'main', follow: false, previous: false, timestamps: false },
  };
  deliver(streamer, Buffer.from(JSON.stringify(forOther)), requestsTopic(NODE));
  deliver(streamer, Buffer.from('not json'), requestsTopic(NODE));
  cancel(streamer, 'no-such-stream');
  await until(t, 'the engine is asked', () => state.logCalls.length >= 1);
  // A stream wrongly started would have reached the engine by now: the fakes answer in microtasks.
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(state.logCalls.length, 1, 'one engine stream');
  t.same(chunksOf(state.chunks, 'other'), []);
  state.logCalls[0]!.stream.end(frame('once\n'));
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  checkSequence(t, state.chunks, id);
  t.equal(textOf(state.chunks, id), 'once\n');
});

t.test('a chunk that cannot be sent stops a followed stream at the end of the attempt', async (t) => {
  const attempts: StreamChunk[] = [];
  const { state, streamer } = rig({
    publish: async (chunk) => {
      attempts.push(chunk);
      throw new Error('not connected');
    },
  });
  const web = pod('web');
  state.pods.set(web.metadata.uid, web);
  state.containers = [observed(web, { attempt: 1 })];
  const id = ask(streamer, web, { follow: true });
  await until(t, 'the engine is asked', () => state.logCalls.length === 1);
  state.logCalls[0]!.stream.write(frame('lost\n'));
  await until(t, 'a send is tried', () => attempts.length === 1);
  state.containers = [...state.containers, observed(web, { attempt: 2 })];
  state.logCalls[0]!.stream.end();
  // The end chunk is not sent either (the first failure stops all sends); the stream is forgotten.
  await until(t, 'the id is free again', () => {
    ask(streamer, web, {}, id);
    return state.logCalls.length === 2;
  });
  t.same(
    state.logCalls.map((call) => call.options.follow),
    [true, false],
    'the second engine stream is the new request’s, not the old stream following attempt 2',
  );
  t.equal(attempts.length, 1, 'nothing more is sent after the failure');
  state.logCalls[1]!.stream.end();
});

/** Writes the output kept from an ended attempt of `container` (engine-timestamped lines), as the executor saves it. */
async function savePrevious(dataDir: string, p: DesiredPod, container: string, lines: string[]): Promise<void> {
  const path = previousLogPath(dataDir, p.metadata.uid, container);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, lines.map((line) => `${line}\n`).join(''));
}

const SAVED = ['2029-12-31T23:58:00.000000001Z crash 1', '2029-12-31T23:59:30.000000001Z crash 2', '2029-12-31T23:59:45.500000000Z crash 3'];

t.test('previous with the ended attempt removed reads its saved output, as the options ask', async (t) => {
  const dataDir = t.testdir();
  const { state, streamer } = rig({ dataDir });
  const web = pod('web');
  state.containers = [observed(web, { attempt: 2 })];
  await savePrevious(dataDir, web, 'main', SAVED);
  const all = ask(streamer, web, { previous: true });
  await until(t, 'the stream ends', () => ended(state.chunks, all));
  checkSequence(t, state.chunks, all);
  t.equal(textOf(state.chunks, all), 'crash 1\ncrash 2\ncrash 3\n', 'timestamps cut');
  t.equal(state.logCalls.length, 0, 'the engine is not asked');
  const some = ask(streamer, web, { previous: true, timestamps: true, sinceSeconds: 60, tailLines: 1 });
  await until(t, 'the second stream ends', () => ended(state.chunks, some));
  t.equal(textOf(state.chunks, some), `${SAVED[2]}\n`, 'since, then tail, timestamps kept');
  const cut = ask(streamer, web, { previous: true, limitBytes: 10 });
  await until(t, 'the third stream ends', () => ended(state.chunks, cut));
  t.equal(textOf(state.chunks, cut), 'crash 1\ncr');
});

t.test('previous with neither a second attempt nor saved output is still "not found"', async (t) => {
  const dataDir = t.testdir();
  const { state, streamer } = rig({ dataDir });
  const web = pod('web');
  state.containers = [observed(web)];
  const id = ask(streamer, web, { previous: true });
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  t.equal(lastOf(state.chunks, id).error, 'previous terminated container "main" in pod "web" not found');
});

t.test('follow between two attempts: the saved output, then the next attempt from its start', async (t) => {
  const dataDir = t.testdir();
  const { state, streamer } = rig({ dataDir });
  const web = pod('web');
  state.pods.set(web.metadata.uid, web);
  await savePrevious(dataDir, web, 'main', SAVED);
  const id = ask(streamer, web, { follow: true, tailLines: 1 });
  await until(t, 'the saved output is sent', () => textOf(state.chunks, id) === 'crash 3\n');
  const next = observed(web, { attempt: 4 });
  state.containers = [next];
  await until(t, 'the next attempt is read', () => state.logCalls.length === 1);
  t.equal(state.logCalls[0]!.id, next.id);
  t.same(state.logCalls[0]!.options, { follow: true, timestamps: false }, 'from its start: the tail applied to the saved output');
  state.pods.delete(web.metadata.uid);
  state.logCalls[0]!.stream.end(frame('restarted\n'));
  await until(t, 'the stream ends', () => ended(state.chunks, id));
  checkSequence(t, state.chunks, id);
  t.equal(textOf(state.chunks, id), 'crash 3\nrestarted\n');
});
