/**
 * NodeStreams (issue #9): the hub's end of a node request. Driven through a fake MessageBus that
 * records what the hub publishes and delivers chunks to the handler it subscribed: a request goes
 * to the node's requests topic at QoS 0, chunks reach the caller in order and only from the node
 * asked, a gap or an unreachable node ends the stream with an error, and a cancel tells the node
 * and drops whatever still comes. For exec, stdin and resizes follow the request on the same
 * topic with the same id, channels and the exit code reach the caller, and nothing is sent for a
 * stream that ended. For port-forward, the request names the Pod and port, the client's bytes and
 * its eof follow as stdin on the same topic with the same id, and the node's bytes and error reach
 * the caller.
 */
import { pino } from 'pino';
import t from 'tap';
import type { MessageBus, MessageHandler, PublishOptions } from '../../../hub/broker/message-bus.js';
import { NodeStreams } from '../../../hub/ingest/node-streams.js';
import { MESSAGE_SCHEMA } from '../../../shared/mqtt/messages.js';
import type { ExecRequest, LogOptions, NodeRequest, StreamChunk } from '../../../shared/mqtt/node-requests.js';
import { allNodesFilter, requestsTopic, streamsTopic } from '../../../shared/mqtt/topics.js';

const POD = { namespace: 'default', name: 'web', uid: 'uid-web' };
const OPTIONS: LogOptions = { container: 'main', follow: true, previous: false, timestamps: false };

/** A MessageBus that records publishes and lets the test deliver messages to the subscribers. */
class FakeBus implements MessageBus {
  readonly published: Array<{ topic: string; message: NodeRequest; options: PublishOptions }> = [];
  readonly subscriptions: Array<{ filter: string; handler: MessageHandler }> = [];
  /** When set, publish rejects with it. */
  publishError: Error | undefined;

  async publish(topic: string, payload: Buffer | string, options: PublishOptions): Promise<void> {
    if (this.publishError) throw this.publishError;
    this.published.push({ topic, message: JSON.parse(payload.toString()) as NodeRequest, options });
  }

  async subscribe(filter: string, handler: MessageHandler): Promise<void> {
    this.subscriptions.push({ filter, handler });
  }

  disconnectNode(): void {}

  async close(): Promise<void> {}

  /** Delivers `payload` on `topic` to every subscription whose filter (single-level '+' only) matches. */
  deliver(topic: string, payload: object | string): void {
    const bytes = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    for (const { filter, handler } of this.subscriptions) {
      const want = filter.split('/');
      const got = topic.split('/');
      if (want.length === got.length && want.every((part, i) => part === '+' || part === got[i])) handler(topic, bytes);
    }
  }
}

/** What one stream's handlers received. */
function recorder() {
  const received = { data: [] as string[], ends: [] as Array<string | undefined> };
  return {
    received,
    handlers: {
      onData: (data: Buffer) => void received.data.push(data.toString()),
      onEnd: (error?: string) => void received.ends.push(error),
    },
  };
}

function chunkFrom(node: string, id: string, seq: number, fields: Partial<Pick<StreamChunk, 'data' | 'end' | 'error' | 'channel' | 'exitCode'>> = {}): StreamChunk {
  return { schema: MESSAGE_SCHEMA, node, id, seq, ...fields };
}

const text = (s: string): string => Buffer.from(s).toString('base64');

/** Lets rejected publishes reach their catch handlers. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function setup(connected: readonly string[] = ['pi-1', 'pi-2']) {
  const bus = new FakeBus();
  const warnings: Array<{ msg: string; topic?: string; dropped?: number }> = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as { msg: string; topic?: string; dropped?: number }) });
  const streams = new NodeStreams(bus, (node) => connected.includes(node), log);
  await streams.start();
  return { bus, streams, warnings };
}

t.test('start subscribes to every node’s streams channel', async (t) => {
  const { bus } = await setup();
  t.same(
    bus.subscriptions.map((s) => s.filter),
    [allNodesFilter('streams')],
  );
});

t.test('isConnected is the predicate the hub was given', async (t) => {
  const { streams } = await setup(['pi-1']);
  t.equal(streams.isConnected('pi-1'), true);
  t.equal(streams.isConnected('pi-2'), false);
});

t.test('a request is published to nodes/{node}/requests at QoS 0, not retained, with a fresh id each time', async (t) => {
  const { bus, streams } = await setup();
  streams.requestLogs('pi-1', POD, OPTIONS, recorder().handlers);
  streams.requestLogs('pi-1', POD, { ...OPTIONS, previous: true }, recorder().handlers);
  t.equal(bus.published.length, 2);
  const [first, second] = bus.published;
  t.equal(first!.topic, requestsTopic('pi-1'));
  t.same(first!.options, { qos: 0, retain: false });
  t.match(first!.message, { schema: MESSAGE_SCHEMA, node: 'pi-1', kind: 'logs', pod: POD, options: OPTIONS });
  t.same((second!.message as { options: LogOptions }).options, { ...OPTIONS, previous: true });
  t.not(first!.message.id, second!.message.id, 'each stream has its own id');
  t.ok(first!.message.id.length > 0 && first!.message.id.length <= 64, 'the id fits the decoder’s 1 to 64 characters');
  t.equal(streams.size, 2);
});

t.test('chunks in order reach onData, then the end reaches onEnd without an error', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = recorder();
  streams.requestLogs('pi-1', POD, OPTIONS, handlers);
  const id = bus.published[0]!.message.id;
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { data: text('one\n') }));
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 1, { data: text('two\n') }));
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 2, { data: text('three\n'), end: true }));
  t.same(received.data, ['one\n', 'two\n', 'three\n']);
  t.same(received.ends, [undefined]);
  t.equal(streams.size, 0, 'the stream is forgotten');
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 3, { data: text('late\n') }));
  t.same(received.data, ['one\n', 'two\n', 'three\n'], 'a chunk after the end is dropped');
  t.same(received.ends, [undefined], 'and does not end it twice');
});

t.test('the node’s error in the last chunk reaches onEnd', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = recorder();
  streams.requestLogs('pi-1', POD, OPTIONS, handlers);
  const id = bus.published[0]!.message.id;
  const reason = 'container "main" in pod "web" is waiting to start: ContainerCreating';
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { end: true, error: reason }));
  t.same(received.data, []);
  t.same(received.ends, [reason]);
});

t.test('two streams are kept apart by id', async (t) => {
  const { bus, streams } = await setup();
  const a = recorder();
  const b = recorder();
  streams.requestLogs('pi-1', POD, OPTIONS, a.handlers);
  streams.requestLogs('pi-2', POD, OPTIONS, b.handlers);
  const [idA, idB] = bus.published.map((p) => p.message.id);
  bus.deliver(streamsTopic('pi-2'), chunkFrom('pi-2', idB!, 0, { data: text('from b\n') }));
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', idA!, 0, { data: text('from a\n'), end: true }));
  t.same(a.received.data, ['from a\n']);
  t.same(a.received.ends, [undefined]);
  t.same(b.received.data, ['from b\n']);
  t.same(b.received.ends, [], 'b is still open');
});

t.test('a chunk from another node than the one asked is ignored, by topic or by body', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = recorder();
  streams.requestLogs('pi-1', POD, OPTIONS, handlers);
  const id = bus.published[0]!.message.id;
  // pi-2 guessing pi-1's stream id, on its own topic, claiming to be pi-1 or not.
  bus.deliver(streamsTopic('pi-2'), chunkFrom('pi-2', id, 0, { data: text('forged\n'), end: true }));
  bus.deliver(streamsTopic('pi-2'), chunkFrom('pi-1', id, 0, { data: text('forged\n'), end: true }));
  // On pi-1's topic but saying it is from pi-2.
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-2', id, 0, { data: text('forged\n'), end: true }));
  t.same(received.data, [], 'no forged data');
  t.same(received.ends, [], 'the stream did not end');
  t.equal(streams.size, 1);
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { data: text('real\n'), end: true }));
  t.same(received.data, ['real\n'], 'the node’s own chunk 0 is still expected and taken');
  t.same(received.ends, [undefined]);
});

t.test('a chunk for an id the hub does not have is ignored', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = recorder();
  streams.requestLogs('pi-1', POD, OPTIONS, handlers);
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', 'no-such-stream', 0, { data: text('stray\n'), end: true }));
  t.same(received.data, []);
  t.same(received.ends, []);
  t.equal(streams.size, 1);
});

t.test('a chunk that does not decode is logged and ignored', async (t) => {
  const { bus, streams, warnings } = await setup();
  const { received, handlers } = recorder();
  streams.requestLogs('pi-1', POD, OPTIONS, handlers);
  const id = bus.published[0]!.message.id;
  bus.deliver(streamsTopic('pi-1'), 'not json');
  bus.deliver(streamsTopic('pi-1'), { ...chunkFrom('pi-1', id, 0), seq: -1 });
  t.same(received.data, []);
  t.same(received.ends, []);
  // The second, from the same node within 10 s, is only counted (hub/ingest/dropped-report-log.ts).
  t.same(
    warnings.map((w) => [w.msg, w.topic, w.dropped]),
    [['ignored a stream chunk that does not decode', streamsTopic('pi-1'), 1]],
  );
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { data: text('ok\n') }));
  t.same(received.data, ['ok\n'], 'the stream goes on');
});

t.test('a gap in the sequence ends the stream with an error, and nothing after it is taken', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = recorder();
  streams.requestLogs('pi-1', POD, OPTIONS, handlers);
  const id = bus.published[0]!.message.id;
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { data: text('one\n') }));
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 2, { data: text('three\n') }));
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 1, { data: text('two\n') }));
  t.same(received.data, ['one\n'], 'the chunk after the hole is not spliced in');
  t.equal(received.ends.length, 1);
  t.equal(received.ends[0], 'the stream from node pi-1 lost data (chunk 2 came when 1 was due)');
  t.equal(streams.size, 0);
});

t.test('a repeated chunk (seq already taken) is a gap too', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = recorder();
  streams.requestLogs('pi-1', POD, OPTIONS, handlers);
  const id = bus.published[0]!.message.id;
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { data: text('one\n') }));
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { data: text('one\n') }));
  t.same(received.data, ['one\n']);
  t.same(received.ends, ['the stream from node pi-1 lost data (chunk 0 came when 1 was due)']);
});

t.test('cancel publishes a cancel to the node once, and later chunks are dropped', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = recorder();
  const stream = streams.requestLogs('pi-1', POD, OPTIONS, handlers);
  const id = bus.published[0]!.message.id;
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { data: text('one\n') }));
  stream.cancel();
  t.equal(bus.published.length, 2);
  t.equal(bus.published[1]!.topic, requestsTopic('pi-1'));
  t.same(bus.published[1]!.options, { qos: 0, retain: false });
  t.same(bus.published[1]!.message, { schema: MESSAGE_SCHEMA, node: 'pi-1', kind: 'cancel', id });
  t.equal(streams.size, 0);
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 1, { data: text('two\n') }));
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 2, { end: true }));
  t.same(received.data, ['one\n'], 'nothing after the cancel');
  t.same(received.ends, [], 'the caller that cancelled is not called back');
  stream.cancel();
  t.equal(bus.published.length, 2, 'a second cancel sends nothing');
});

t.test('cancel after the stream ended sends nothing', async (t) => {
  const { bus, streams } = await setup();
  const stream = streams.requestLogs('pi-1', POD, OPTIONS, recorder().handlers);
  const id = bus.published[0]!.message.id;
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { end: true }));
  stream.cancel();
  t.equal(bus.published.length, 1);
});

t.test('a request that cannot be published ends the stream with an error naming the node', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = recorder();
  bus.publishError = new Error('client disconnected');
  const stream = streams.requestLogs('pi-1', POD, OPTIONS, handlers);
  await settle();
  t.same(received.ends, ['cannot reach node pi-1: client disconnected']);
  t.equal(streams.size, 0);
  stream.cancel(); // the caller's cleanup after the error: harmless
  await settle();
  t.same(received.ends, ['cannot reach node pi-1: client disconnected'], 'ended once');
});

t.test('a cancel that cannot be published is not an unhandled rejection', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = recorder();
  const stream = streams.requestLogs('pi-1', POD, OPTIONS, handlers);
  bus.publishError = new Error('client disconnected');
  stream.cancel();
  await settle();
  t.equal(streams.size, 0);
  t.same(received.ends, []);
});

const EXEC: Pick<ExecRequest, 'pod' | 'container' | 'command' | 'stdin' | 'tty'> = { pod: POD, container: 'main', command: ['sh', '-c', 'cat'], stdin: true, tty: false };

/** What one exec stream's handlers received: data with its channel, ends with error and exit code. */
function execRecorder() {
  const received = { data: [] as Array<[number | undefined, string]>, ends: [] as Array<[string | undefined, number | undefined]> };
  return {
    received,
    handlers: {
      onData: (data: Buffer, channel?: 1 | 2) => void received.data.push([channel, data.toString()]),
      onEnd: (error?: string, exitCode?: number) => void received.ends.push([error, exitCode]),
    },
  };
}

t.test('an exec request is published to the node at QoS 0, not retained, with the command and flags', async (t) => {
  const { bus, streams } = await setup();
  streams.requestExec('pi-1', EXEC, execRecorder().handlers);
  streams.requestExec('pi-1', { ...EXEC, stdin: false, tty: true, command: ['ls'] }, execRecorder().handlers);
  t.equal(bus.published.length, 2);
  const [first, second] = bus.published;
  t.equal(first!.topic, requestsTopic('pi-1'));
  t.same(first!.options, { qos: 0, retain: false });
  t.same(first!.message, { schema: MESSAGE_SCHEMA, node: 'pi-1', kind: 'exec', id: first!.message.id, ...EXEC });
  t.match(second!.message, { kind: 'exec', command: ['ls'], stdin: false, tty: true });
  t.not(first!.message.id, second!.message.id, 'each exec has its own id');
  t.equal(streams.size, 2);
});

t.test('stdin, its close and resizes are published in order to the same topic at QoS 0, with the exec’s id', async (t) => {
  const { bus, streams } = await setup();
  const stream = streams.requestExec('pi-2', EXEC, execRecorder().handlers);
  const id = bus.published[0]!.message.id;
  stream.resize(80, 24);
  stream.stdin(Buffer.from('one\n'));
  stream.stdin(Buffer.from([0, 255, 10]));
  stream.resize(120, 40);
  stream.closeStdin();
  const after = bus.published.slice(1);
  t.ok(
    after.every((p) => p.topic === requestsTopic('pi-2') && p.options.qos === 0 && p.options.retain === false),
    'all to the node’s requests topic at QoS 0, not retained',
  );
  t.same(
    after.map((p) => p.message),
    [
      { schema: MESSAGE_SCHEMA, node: 'pi-2', kind: 'resize', id, width: 80, height: 24 },
      { schema: MESSAGE_SCHEMA, node: 'pi-2', kind: 'stdin', id, data: Buffer.from('one\n').toString('base64') },
      { schema: MESSAGE_SCHEMA, node: 'pi-2', kind: 'stdin', id, data: Buffer.from([0, 255, 10]).toString('base64') },
      { schema: MESSAGE_SCHEMA, node: 'pi-2', kind: 'resize', id, width: 120, height: 40 },
      { schema: MESSAGE_SCHEMA, node: 'pi-2', kind: 'stdin', id, eof: true },
    ],
  );
});

t.test('an exec’s channels reach onData and its exit code reaches onEnd', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = execRecorder();
  streams.requestExec('pi-1', EXEC, handlers);
  const id = bus.published[0]!.message.id;
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { channel: 1, data: text('out\n') }));
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 1, { channel: 2, data: text('err\n') }));
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 2, { channel: 1, data: text('more\n') }));
  t.same(received.ends, [], 'not ended yet');
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 3, { end: true, exitCode: 3 }));
  t.same(received.data, [
    [1, 'out\n'],
    [2, 'err\n'],
    [1, 'more\n'],
  ]);
  t.same(received.ends, [[undefined, 3]]);
  t.equal(streams.size, 0);
});

t.test('an exec that ends with exit code 0, or with the node’s error, says which', async (t) => {
  const { bus, streams } = await setup();
  const ok = execRecorder();
  const failed = execRecorder();
  streams.requestExec('pi-1', EXEC, ok.handlers);
  streams.requestExec('pi-1', EXEC, failed.handlers);
  const [okId, failedId] = bus.published.map((p) => p.message.id);
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', okId!, 0, { end: true, exitCode: 0 }));
  const reason = 'unable to upgrade connection: container not found ("main")';
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', failedId!, 0, { end: true, error: reason }));
  t.same(ok.received.ends, [[undefined, 0]], 'exit code 0 is a number, not absent');
  t.same(failed.received.ends, [[reason, undefined]]);
});

t.test('after an exec ended, stdin, its close and resizes send nothing', async (t) => {
  const { bus, streams } = await setup();
  const stream = streams.requestExec('pi-1', EXEC, execRecorder().handlers);
  const id = bus.published[0]!.message.id;
  stream.stdin(Buffer.from('before\n'));
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { end: true, exitCode: 0 }));
  const sent = bus.published.length;
  t.equal(sent, 2, 'the request and the stdin before the end');
  stream.stdin(Buffer.from('after\n'));
  stream.closeStdin();
  stream.resize(80, 24);
  stream.cancel();
  t.equal(bus.published.length, sent, 'nothing after the end');
});

t.test('after a cancel, stdin and resizes send nothing', async (t) => {
  const { bus, streams } = await setup();
  const stream = streams.requestExec('pi-1', EXEC, execRecorder().handlers);
  const id = bus.published[0]!.message.id;
  stream.cancel();
  t.same(bus.published.at(-1)!.message, { schema: MESSAGE_SCHEMA, node: 'pi-1', kind: 'cancel', id });
  const sent = bus.published.length;
  stream.stdin(Buffer.from('after\n'));
  stream.closeStdin();
  stream.resize(80, 24);
  t.equal(bus.published.length, sent);
});

t.test('a stdin that cannot be published ends the exec with an error naming the node', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = execRecorder();
  const stream = streams.requestExec('pi-1', EXEC, handlers);
  bus.publishError = new Error('client disconnected');
  stream.stdin(Buffer.from('lost\n'));
  await settle();
  t.same(received.ends, [['cannot reach node pi-1: client disconnected', undefined]]);
  t.equal(streams.size, 0);
});

t.test('a port-forward request is published to the node at QoS 0, not retained, with the Pod and the port', async (t) => {
  const { bus, streams } = await setup();
  streams.requestPortForward('pi-1', POD, 8080, execRecorder().handlers);
  streams.requestPortForward('pi-1', POD, 5432, execRecorder().handlers);
  t.equal(bus.published.length, 2);
  const [first, second] = bus.published;
  t.equal(first!.topic, requestsTopic('pi-1'));
  t.same(first!.options, { qos: 0, retain: false });
  t.same(first!.message, { schema: MESSAGE_SCHEMA, node: 'pi-1', kind: 'portforward', id: first!.message.id, pod: POD, port: 8080 });
  t.match(second!.message, { kind: 'portforward', port: 5432 });
  t.not(first!.message.id, second!.message.id, 'each connection has its own id');
  t.equal(streams.size, 2);
});

t.test('a port-forward’s bytes and its eof are published in order as stdin at QoS 0, with its id', async (t) => {
  const { bus, streams } = await setup();
  const stream = streams.requestPortForward('pi-2', POD, 80, execRecorder().handlers);
  const id = bus.published[0]!.message.id;
  stream.stdin(Buffer.from('GET / HTTP/1.0\r\n\r\n'));
  stream.stdin(Buffer.from([0, 255, 10]));
  stream.closeStdin();
  const after = bus.published.slice(1);
  t.ok(
    after.every((p) => p.topic === requestsTopic('pi-2') && p.options.qos === 0 && p.options.retain === false),
    'all to the node’s requests topic at QoS 0, not retained',
  );
  t.same(
    after.map((p) => p.message),
    [
      { schema: MESSAGE_SCHEMA, node: 'pi-2', kind: 'stdin', id, data: Buffer.from('GET / HTTP/1.0\r\n\r\n').toString('base64') },
      { schema: MESSAGE_SCHEMA, node: 'pi-2', kind: 'stdin', id, data: Buffer.from([0, 255, 10]).toString('base64') },
      { schema: MESSAGE_SCHEMA, node: 'pi-2', kind: 'stdin', id, eof: true },
    ],
  );
});

t.test('a port-forward’s data reaches onData, and its end with the node’s error reaches onEnd; nothing is sent after it', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = execRecorder();
  const stream = streams.requestPortForward('pi-1', POD, 80, handlers);
  const id = bus.published[0]!.message.id;
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 0, { channel: 1, data: text('HTTP/1.0 200 OK\r\n') }));
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 1, { channel: 1, data: text('hello') }));
  const reason = 'error forwarding port 80 to pod uid-web, uid : failed to connect to 172.17.0.9:80: connect ECONNRESET';
  bus.deliver(streamsTopic('pi-1'), chunkFrom('pi-1', id, 2, { end: true, error: reason }));
  t.same(received.data, [
    [1, 'HTTP/1.0 200 OK\r\n'],
    [1, 'hello'],
  ]);
  t.same(received.ends, [[reason, undefined]]);
  t.equal(streams.size, 0);
  const sent = bus.published.length;
  stream.stdin(Buffer.from('after\n'));
  stream.closeStdin();
  stream.cancel();
  t.equal(bus.published.length, sent, 'nothing after the end');
});

t.test('a port-forward’s cancel tells the node, and nothing is sent after it', async (t) => {
  const { bus, streams } = await setup();
  const stream = streams.requestPortForward('pi-1', POD, 80, execRecorder().handlers);
  const id = bus.published[0]!.message.id;
  stream.cancel();
  t.same(bus.published.at(-1)!.message, { schema: MESSAGE_SCHEMA, node: 'pi-1', kind: 'cancel', id });
  t.same(bus.published.at(-1)!.options, { qos: 0, retain: false });
  const sent = bus.published.length;
  stream.stdin(Buffer.from('after\n'));
  stream.closeStdin();
  t.equal(bus.published.length, sent);
});

t.test('a port-forward stdin that cannot be published ends the stream with an error naming the node', async (t) => {
  const { bus, streams } = await setup();
  const { received, handlers } = execRecorder();
  const stream = streams.requestPortForward('pi-1', POD, 80, handlers);
  bus.publishError = new Error('client disconnected');
  stream.stdin(Buffer.from('lost\n'));
  await settle();
  t.same(received.ends, [['cannot reach node pi-1: client disconnected', undefined]]);
  t.equal(streams.size, 0);
});
