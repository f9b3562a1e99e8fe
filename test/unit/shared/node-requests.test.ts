/**
 * decodeNodeRequest and decodeStreamChunk (issue #9, `skiff logs` and `skiff exec`): well-formed requests and
 * chunks come back as they were sent, and every field either end reads is checked, the error
 * naming the topic and the field (as the other codecs do), so a bad message is dropped with a
 * reason instead of reaching the log streamer or a caller's response.
 */
import t, { type Test } from 'tap';
import { isSkiffError } from '../../../shared/errors.js';
import { MESSAGE_SCHEMA } from '../../../shared/mqtt/messages.js';
import { decodeNodeRequest, decodeStreamChunk, type CancelRequest, type ExecRequest, type LogsRequest, type ResizeRequest, type StdinRequest, type StreamChunk } from '../../../shared/mqtt/node-requests.js';
import { requestsTopic, streamsTopic } from '../../../shared/mqtt/topics.js';

const REQUESTS = requestsTopic('pi-1');
const STREAMS = streamsTopic('pi-1');

function logsRequest(): LogsRequest {
  return {
    schema: MESSAGE_SCHEMA,
    node: 'pi-1',
    kind: 'logs',
    id: 'k3x-1a-0',
    pod: { namespace: 'default', name: 'web', uid: 'uid-web' },
    options: { container: 'main', follow: true, previous: false, timestamps: false, tailLines: 10, sinceSeconds: 60, limitBytes: 4096 },
  };
}

function execRequest(): ExecRequest {
  return {
    schema: MESSAGE_SCHEMA,
    node: 'pi-1',
    kind: 'exec',
    id: 'k3x-1a-1',
    pod: { namespace: 'default', name: 'web', uid: 'uid-web' },
    container: 'main',
    command: ['sh', '-c', 'echo hi'],
    stdin: true,
    tty: false,
  };
}

function stdinRequest(): StdinRequest {
  return { schema: MESSAGE_SCHEMA, node: 'pi-1', kind: 'stdin', id: 'k3x-1a-1', data: Buffer.from('hi\n').toString('base64') };
}

function resizeRequest(): ResizeRequest {
  return { schema: MESSAGE_SCHEMA, node: 'pi-1', kind: 'resize', id: 'k3x-1a-1', width: 80, height: 24 };
}

function chunk(): StreamChunk {
  return { schema: MESSAGE_SCHEMA, node: 'pi-1', id: 'k3x-1a-0', seq: 3, data: Buffer.from('hello\n').toString('base64') };
}

/** The JSON of `message` with `change` applied to a deep copy. */
function payload(message: object, change: (m: Record<string, any>) => void): string {
  const copy = JSON.parse(JSON.stringify(message)) as Record<string, any>;
  change(copy);
  return JSON.stringify(copy);
}

/** Asserts that `decode(text)` fails with SKIFF_ERR_BAD_MESSAGE naming `topic` and `field`. */
function rejects(t: Test, decode: (text: string, topic: string) => unknown, topic: string, text: string, field: string, why: string): void {
  try {
    decode(text, topic);
    t.fail(`${why}: decoded, expected an error naming ${field}`);
  } catch (err) {
    t.ok(isSkiffError(err, 'SKIFF_ERR_BAD_MESSAGE'), `${why}: a SKIFF_ERR_BAD_MESSAGE`);
    const message = (err as Error).message;
    t.ok(message.includes(`bad message on topic ${topic}: ${field}:`), `${why}: names the topic and ${field} (got: ${message})`);
  }
}

const rejectsRequest = (t: Test, text: string, field: string, why: string): void => rejects(t, decodeNodeRequest, REQUESTS, text, field, why);
const rejectsChunk = (t: Test, text: string, field: string, why: string): void => rejects(t, decodeStreamChunk, STREAMS, text, field, why);

t.test('a logs request and a cancel decode as they were sent, from a Buffer or a string', async (t) => {
  t.same(decodeNodeRequest(Buffer.from(JSON.stringify(logsRequest())), REQUESTS), logsRequest());
  const minimal = payload(logsRequest(), (m) => {
    m.options = { container: 'main', follow: false, previous: true, timestamps: true, sinceTime: '2030-01-01T00:00:00Z' };
  });
  t.same(decodeNodeRequest(minimal, REQUESTS), JSON.parse(minimal));
  const cancel: CancelRequest = { schema: MESSAGE_SCHEMA, node: 'pi-1', kind: 'cancel', id: 'k3x-1a-0' };
  t.same(decodeNodeRequest(JSON.stringify(cancel), REQUESTS), cancel);
});

t.test('zero counts are valid (tailLines=0 asks for no lines), and a 64-character id is', async (t) => {
  const zeros = payload(logsRequest(), (m) => {
    m.options.tailLines = 0;
    m.options.sinceSeconds = 0;
    m.options.limitBytes = 0;
    m.id = 'x'.repeat(64);
  });
  t.same(decodeNodeRequest(zeros, REQUESTS), JSON.parse(zeros));
});

t.test('a payload that is not JSON names the topic', async (t) => {
  for (const decode of [decodeNodeRequest, decodeStreamChunk]) {
    try {
      decode('{"schema":1,', REQUESTS);
      t.fail('decoded a truncated payload');
    } catch (err) {
      t.ok(isSkiffError(err, 'SKIFF_ERR_BAD_MESSAGE'), 'a SKIFF_ERR_BAD_MESSAGE');
      t.equal((err as Error).message, `bad message on topic ${REQUESTS}: not JSON`);
      t.ok((err as Error).cause instanceof SyntaxError, 'the parse error is the cause');
    }
  }
});

t.test('the envelope: root, schema, node and id are checked for requests and chunks alike', async (t) => {
  const cases: Array<[string, (m: Record<string, any>) => void, string]> = [
    ['the schema is missing', (m) => delete m.schema, 'schema'],
    ['the schema is a future one', (m) => (m.schema = MESSAGE_SCHEMA + 1), 'schema'],
    ['the schema is a string', (m) => (m.schema = String(MESSAGE_SCHEMA)), 'schema'],
    ['the node is missing', (m) => delete m.node, 'node'],
    ['the node is a number', (m) => (m.node = 7), 'node'],
    ['the id is missing', (m) => delete m.id, 'id'],
    ['the id is empty', (m) => (m.id = ''), 'id'],
    ['the id is longer than 64 characters', (m) => (m.id = 'x'.repeat(65)), 'id'],
    ['the id is a number', (m) => (m.id = 12), 'id'],
  ];
  for (const [why, change, field] of cases) {
    rejectsRequest(t, payload(logsRequest(), change), field, `request: ${why}`);
    rejectsChunk(t, payload(chunk(), change), field, `chunk: ${why}`);
  }
  for (const root of ['[]', 'null', '"logs"', '42']) {
    rejectsRequest(t, root, '(root)', `request: the root is ${root}`);
    rejectsChunk(t, root, '(root)', `chunk: the root is ${root}`);
  }
});

t.test('a cancel is checked for its envelope too', async (t) => {
  const cancel = { schema: MESSAGE_SCHEMA, node: 'pi-1', kind: 'cancel', id: 'k3x-1a-0' };
  rejectsRequest(t, payload(cancel, (m) => (m.id = '')), 'id', 'a cancel with an empty id');
  rejectsRequest(t, payload(cancel, (m) => (m.schema = 0)), 'schema', 'a cancel of another schema');
});

t.test('a request of an unknown kind is refused', async (t) => {
  rejectsRequest(t, payload(logsRequest(), (m) => (m.kind = 'attach')), 'kind', 'kind attach (not served)');
  rejectsRequest(t, payload(logsRequest(), (m) => (m.kind = 'Exec')), 'kind', 'kind Exec (case matters)');
  rejectsRequest(t, payload(logsRequest(), (m) => delete m.kind), 'kind', 'no kind');
  rejectsRequest(t, payload(logsRequest(), (m) => (m.kind = 'Logs')), 'kind', 'kind Logs (case matters)');
});

t.test('a logs request names its Pod by namespace, name and uid', async (t) => {
  const cases: Array<[string, (m: Record<string, any>) => void]> = [
    ['no pod', (m) => delete m.pod],
    ['a null pod', (m) => (m.pod = null)],
    ['a pod that is a string', (m) => (m.pod = 'default/web')],
    ['no namespace', (m) => delete m.pod.namespace],
    ['no name', (m) => delete m.pod.name],
    ['no uid', (m) => delete m.pod.uid],
    ['a numeric uid', (m) => (m.pod.uid = 5)],
  ];
  for (const [why, change] of cases) rejectsRequest(t, payload(logsRequest(), change), 'pod', why);
});

t.test('each of the options is checked, the error naming it', async (t) => {
  const cases: Array<[string, (m: Record<string, any>) => void, string]> = [
    ['no options', (m) => delete m.options, 'options'],
    ['null options', (m) => (m.options = null), 'options'],
    ['no container', (m) => delete m.options.container, 'options.container'],
    ['an empty container', (m) => (m.options.container = ''), 'options.container'],
    ['a numeric container', (m) => (m.options.container = 1), 'options.container'],
    ['no follow', (m) => delete m.options.follow, 'options.follow'],
    ['follow as a string', (m) => (m.options.follow = 'true'), 'options.follow'],
    ['previous as a number', (m) => (m.options.previous = 1), 'options.previous'],
    ['no timestamps', (m) => delete m.options.timestamps, 'options.timestamps'],
    ['negative tailLines', (m) => (m.options.tailLines = -1), 'options.tailLines'],
    ['fractional tailLines', (m) => (m.options.tailLines = 1.5), 'options.tailLines'],
    ['tailLines as a string', (m) => (m.options.tailLines = '10'), 'options.tailLines'],
    ['null tailLines', (m) => (m.options.tailLines = null), 'options.tailLines'],
    ['negative sinceSeconds', (m) => (m.options.sinceSeconds = -60), 'options.sinceSeconds'],
    ['unsafe sinceSeconds', (m) => (m.options.sinceSeconds = 2 ** 53), 'options.sinceSeconds'],
    ['fractional limitBytes', (m) => (m.options.limitBytes = 0.5), 'options.limitBytes'],
    ['limitBytes as a string', (m) => (m.options.limitBytes = '4096'), 'options.limitBytes'],
    ['sinceTime that is not a time', (m) => (m.options.sinceTime = 'yesterday'), 'options.sinceTime'],
    ['sinceTime as a number', (m) => (m.options.sinceTime = 1893456000), 'options.sinceTime'],
  ];
  for (const [why, change, field] of cases) rejectsRequest(t, payload(logsRequest(), change), field, why);
});

t.test('a chunk needs a sequence number and at most data, end and error of the right types', async (t) => {
  const end: StreamChunk = { schema: MESSAGE_SCHEMA, node: 'pi-1', id: 'k3x-1a-0', seq: 0, end: true, error: 'container "main" in pod "web" is waiting to start: ContainerCreating' };
  t.same(decodeStreamChunk(JSON.stringify(end), STREAMS), end, 'an error chunk with no data decodes');
  t.same(decodeStreamChunk(Buffer.from(JSON.stringify(chunk())), STREAMS), chunk(), 'a data chunk decodes');
  const cases: Array<[string, (m: Record<string, any>) => void, string]> = [
    ['no seq', (m) => delete m.seq, 'seq'],
    ['a negative seq', (m) => (m.seq = -1), 'seq'],
    ['a fractional seq', (m) => (m.seq = 1.5), 'seq'],
    ['seq as a string', (m) => (m.seq = '3'), 'seq'],
    ['data as a number', (m) => (m.data = 42), 'data'],
    ['data as bytes', (m) => (m.data = [104, 105]), 'data'],
    ['end false', (m) => (m.end = false), 'end'],
    ['end as a string', (m) => (m.end = 'true'), 'end'],
    ['error as an object', (m) => (m.error = { message: 'boom' }), 'error'],
  ];
  for (const [why, change, field] of cases) rejectsChunk(t, payload(chunk(), change), field, why);
});

t.test('an exec, its stdin and its resizes decode as they were sent', async (t) => {
  t.same(decodeNodeRequest(Buffer.from(JSON.stringify(execRequest())), REQUESTS), execRequest());
  const tty = payload(execRequest(), (m) => {
    m.stdin = false;
    m.tty = true;
    m.command = ['ls'];
  });
  t.same(decodeNodeRequest(tty, REQUESTS), JSON.parse(tty), 'one argument, no stdin, a terminal');
  t.same(decodeNodeRequest(JSON.stringify(stdinRequest()), REQUESTS), stdinRequest());
  const eof: StdinRequest = { schema: MESSAGE_SCHEMA, node: 'pi-1', kind: 'stdin', id: 'k3x-1a-1', eof: true };
  t.same(decodeNodeRequest(JSON.stringify(eof), REQUESTS), eof, 'an eof with no data');
  const last = payload(stdinRequest(), (m) => (m.eof = true));
  t.same(decodeNodeRequest(last, REQUESTS), JSON.parse(last), 'the last data with the eof');
  t.same(decodeNodeRequest(JSON.stringify(resizeRequest()), REQUESTS), resizeRequest());
  for (const [width, height] of [
    [1, 1],
    [10_000, 10_000],
  ]) {
    const edge = payload(resizeRequest(), (m) => Object.assign(m, { width, height }));
    t.same(decodeNodeRequest(edge, REQUESTS), JSON.parse(edge), `a ${width}x${height} terminal`);
  }
});

t.test('an exec request is checked field by field, the error naming the field', async (t) => {
  const cases: Array<[string, (m: Record<string, any>) => void, string]> = [
    ['no pod', (m) => delete m.pod, 'pod'],
    ['a pod without uid', (m) => delete m.pod.uid, 'pod'],
    ['no container', (m) => delete m.container, 'container'],
    ['an empty container', (m) => (m.container = ''), 'container'],
    ['a numeric container', (m) => (m.container = 0), 'container'],
    ['no command', (m) => delete m.command, 'command'],
    ['an empty command', (m) => (m.command = []), 'command'],
    ['a command that is a string', (m) => (m.command = 'echo hi'), 'command'],
    ['a command with a number', (m) => (m.command = ['sleep', 5]), 'command'],
    ['no stdin', (m) => delete m.stdin, 'stdin'],
    ['stdin as a string', (m) => (m.stdin = 'true'), 'stdin'],
    ['no tty', (m) => delete m.tty, 'tty'],
    ['tty as a number', (m) => (m.tty = 1), 'tty'],
    ['an empty id', (m) => (m.id = ''), 'id'],
  ];
  for (const [why, change, field] of cases) rejectsRequest(t, payload(execRequest(), change), field, why);
});

t.test('stdin and resize requests are checked, the error naming the field', async (t) => {
  const stdinCases: Array<[string, (m: Record<string, any>) => void, string]> = [
    ['data as a number', (m) => (m.data = 42), 'data'],
    ['data as bytes', (m) => (m.data = [104, 105]), 'data'],
    ['eof false', (m) => (m.eof = false), 'eof'],
    ['eof as a string', (m) => (m.eof = 'true'), 'eof'],
    ['no id', (m) => delete m.id, 'id'],
  ];
  for (const [why, change, field] of stdinCases) rejectsRequest(t, payload(stdinRequest(), change), field, `stdin: ${why}`);
  const resizeCases: Array<[string, (m: Record<string, any>) => void, string]> = [
    ['no width', (m) => delete m.width, 'width'],
    ['a zero width', (m) => (m.width = 0), 'width'],
    ['a negative width', (m) => (m.width = -80), 'width'],
    ['a fractional width', (m) => (m.width = 80.5), 'width'],
    ['a width as a string', (m) => (m.width = '80'), 'width'],
    ['a width over 10000', (m) => (m.width = 10_001), 'width'],
    ['no height', (m) => delete m.height, 'height'],
    ['a zero height', (m) => (m.height = 0), 'height'],
    ['a height over 10000', (m) => (m.height = 10_001), 'height'],
  ];
  for (const [why, change, field] of resizeCases) rejectsRequest(t, payload(resizeRequest(), change), field, `resize: ${why}`);
});

t.test('an exec chunk carries its channel, and the last one its exit code', async (t) => {
  const stdout: StreamChunk = { ...chunk(), channel: 1 };
  const stderr: StreamChunk = { ...chunk(), channel: 2 };
  const exited: StreamChunk = { schema: MESSAGE_SCHEMA, node: 'pi-1', id: 'k3x-1a-1', seq: 9, end: true, exitCode: 0 };
  const failed: StreamChunk = { ...exited, exitCode: 137 };
  const negative: StreamChunk = { ...exited, exitCode: -1 };
  for (const [why, message] of [
    ['stdout', stdout],
    ['stderr', stderr],
    ['exit code 0', exited],
    ['exit code 137', failed],
    ['exit code -1 (unknown)', negative],
  ] as const) {
    t.same(decodeStreamChunk(JSON.stringify(message), STREAMS), message, why);
  }
  const cases: Array<[string, (m: Record<string, any>) => void, string]> = [
    ['channel 0 (stdin is not an answer)', (m) => (m.channel = 0), 'channel'],
    ['channel 3', (m) => (m.channel = 3), 'channel'],
    ['channel as a string', (m) => (m.channel = '1'), 'channel'],
    ['a fractional exit code', (m) => (m.exitCode = 1.5), 'exitCode'],
    ['an exit code as a string', (m) => (m.exitCode = '0'), 'exitCode'],
    ['a null exit code', (m) => (m.exitCode = null), 'exitCode'],
  ];
  for (const [why, change, field] of cases) rejectsChunk(t, payload(stdout, change), field, why);
});
