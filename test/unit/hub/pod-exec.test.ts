/**
 * pods/{name}/exec over WebSocket (issue #9, hub/api/pod-exec.ts). execParameters and exitStatus
 * as pure functions: the query checked as kube-apiserver checks it, and the final Status in the
 * shapes kubectl reads (Success; Failure with reason NonZeroExitCode and the exit code as its
 * cause; Failure with the node's error). PodExecServer on a real HTTP server on 127.0.0.1 whose
 * upgrades go straight to accept(), a `ws` client speaking v5.channel.k8s.io as kubectl 1.32 does,
 * and a fake NodeStreams that records the exec it was asked for and lets the test play the node:
 * output frames carry their channel, the client's stdin, stdin close and resizes reach the node,
 * the end is the Status on channel 3 then a close, a client that leaves cancels, and requests that
 * cannot run are refused before the upgrade with the right SkiffError.
 */
import t, { type Test } from 'tap';
import { CHANNEL, EXEC_PROTOCOLS, PodExecServer, execParameters, exitStatus } from '../../../hub/api/pod-exec.js';
import type { ExecStream, NodeStreams, StreamHandlers } from '../../../hub/ingest/node-streams.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { ErrorCode } from '../../../shared/errors.js';
import type { ExecRequest } from '../../../shared/mqtt/node-requests.js';
import { connectChannels, serveUpgrades, throwsSkiff, until } from './fixtures/ws-upgrade.js';

/** A Pod of `containers`, on node `nodeName` (null: not scheduled). */
function podOf(containers: string[], nodeName: string | null = 'pi-1'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web' },
    spec: { ...(nodeName !== null ? { nodeName } : {}), containers: containers.map((name) => ({ name, image: 'skiff-test/web:1' })) },
  };
}

const ONE = podOf(['main']);
const TWO = podOf(['main', 'sidecar']);

/** A query as kubectl builds it: `command` repeated, then the flags. */
function query(command: string[], flags: Record<string, string> = {}): URLSearchParams {
  const q = new URLSearchParams();
  for (const arg of command) q.append('command', arg);
  for (const [name, value] of Object.entries(flags)) q.set(name, value);
  return q;
}

t.test('execParameters: the command, the container (named or the only one) and the streams', async (t) => {
  t.same(execParameters(ONE, query(['sh', '-c', 'echo hi'], { stdout: 'true', stderr: 'true' })), {
    container: 'main',
    command: ['sh', '-c', 'echo hi'],
    stdin: false,
    stdout: true,
    stderr: true,
    tty: false,
  });
  t.same(execParameters(TWO, query(['cat'], { container: 'sidecar', stdin: '1', tty: 'true', stdout: 'true' })), {
    container: 'sidecar',
    command: ['cat'],
    stdin: true,
    stdout: true,
    stderr: false,
    tty: true,
  });
  t.match(execParameters(ONE, query(['cat'], { stdin: 'true' })), { stdin: true, stdout: false, stderr: false }, 'stdin alone is enough');
  t.match(execParameters(ONE, query(['ls'], { stdout: 'true', stderr: 'false', tty: 'yes' })), { stderr: false, tty: false }, 'only true and 1 are true');
});

t.test('execParameters refuses what kube-apiserver refuses, in its words', async (t) => {
  throwsSkiff(t, () => execParameters(ONE, query([], { stdout: 'true' })), 'SKIFF_ERR_BAD_REQUEST', 'you must specify at least 1 command', 'no command');
  throwsSkiff(t, () => execParameters(TWO, query(['ls'], { stdout: 'true' })), 'SKIFF_ERR_BAD_REQUEST', 'a container name must be specified for pod web, choose one of: [main sidecar]', 'no container in a Pod of two');
  throwsSkiff(t, () => execParameters(TWO, query(['ls'], { stdout: 'true', container: '' })), 'SKIFF_ERR_BAD_REQUEST', /a container name must be specified for pod web/, 'an empty container in a Pod of two');
  throwsSkiff(t, () => execParameters(ONE, query(['ls'], { stdout: 'true', container: 'nope' })), 'SKIFF_ERR_BAD_REQUEST', 'container nope is not valid for pod web', 'a container the Pod does not have');
  throwsSkiff(t, () => execParameters(ONE, query(['ls'])), 'SKIFF_ERR_BAD_REQUEST', 'you must specify at least 1 of stdin, stdout, stderr', 'none of stdin, stdout, stderr');
  throwsSkiff(t, () => execParameters(ONE, query(['ls'], { stdin: 'false', stdout: '0', stderr: 'no', tty: 'true' })), 'SKIFF_ERR_BAD_REQUEST', 'you must specify at least 1 of stdin, stdout, stderr', 'all three false, a tty alone');
});

t.test('exitStatus: Success, NonZeroExitCode with the exit code as its cause, or the node’s error', async (t) => {
  t.same(exitStatus(['true'], 0), { metadata: {}, status: 'Success' });
  t.same(exitStatus(['sleep', '1'], undefined), { metadata: {}, status: 'Success' }, 'cancelled: no exit code, no failure');
  t.same(exitStatus(['sh', '-c', 'exit 3'], 3), {
    metadata: {},
    status: 'Failure',
    message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
  t.match(exitStatus(['false'], -1), { reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '-1' }] } }, 'an unknown exit code (-1) is a failure too');
  const reason = 'unable to upgrade connection: container not found ("main")';
  t.same(exitStatus(['ls'], undefined, reason), { metadata: {}, status: 'Failure', message: reason, reason: 'InternalError', code: 500 });
  t.same(exitStatus(['ls'], 0, reason), { metadata: {}, status: 'Failure', message: reason, reason: 'InternalError', code: 500 }, 'an error wins over an exit code');
});

/** What one exec asked of the node, and the node's side of it for the test to play. */
interface RecordedExec {
  node: string;
  exec: Pick<ExecRequest, 'pod' | 'container' | 'command' | 'stdin' | 'tty'>;
  handlers: StreamHandlers;
  stdin: string[];
  stdinClosed: number;
  resizes: Array<[number, number]>;
  cancels: number;
}

/** NodeStreams as PodExecServer uses it: which nodes are connected, and requestExec recorded. */
class FakeNodeStreams {
  readonly execs: RecordedExec[] = [];

  constructor(private readonly connected: readonly string[]) {}

  isConnected(node: string): boolean {
    return this.connected.includes(node);
  }

  requestExec(node: string, exec: RecordedExec['exec'], handlers: StreamHandlers): ExecStream {
    const recorded: RecordedExec = { node, exec, handlers, stdin: [], stdinClosed: 0, resizes: [], cancels: 0 };
    this.execs.push(recorded);
    return {
      cancel: () => void recorded.cancels++,
      stdin: (data) => void recorded.stdin.push(data.toString()),
      closeStdin: () => void recorded.stdinClosed++,
      resize: (width, height) => void recorded.resizes.push([width, height]),
    };
  }
}

/** A real HTTP server whose upgrades go to PodExecServer.accept for `pod`, and the fake node side. */
async function serve(t: Test, pod: KubeObject, connected: readonly string[] = ['pi-1']) {
  const streams = new FakeNodeStreams(connected);
  // PodExecServer asks only isConnected and requestExec of its NodeStreams.
  const exec = new PodExecServer(streams as unknown as NodeStreams);
  const { refusals, url } = await serveUpgrades(t, { accept: (query, req, socket, head) => exec.accept(pod, query, req, socket, head), close: () => exec.close() }, 'exec');
  return { streams, refusals, url };
}

/** A kubectl-like client: the frames it received as [channel, text], and how the connection ended. */
async function connect(t: Test, url: string, protocols: string[] = [...EXEC_PROTOCOLS]) {
  const client = await connectChannels(t, url, protocols);
  return {
    ...client,
    get frames(): Array<[number, string]> {
      return client.messages.map((m): [number, string] => [m[0]!, m.subarray(1).toString()]);
    },
  };
}

t.test('an exec runs on the Pod’s node with the query’s parameters, over v5.channel.k8s.io', async (t) => {
  const { streams, url } = await serve(t, TWO);
  const client = await connect(t, url(query(['sh', '-c', 'cat'], { container: 'sidecar', stdin: 'true', stdout: 'true', stderr: 'true' })), ['v4.channel.k8s.io', 'v5.channel.k8s.io']);
  t.equal(client.ws.protocol, 'v5.channel.k8s.io', 'v5 is chosen when offered, whatever the order');
  await until(t, 'the exec is asked of the node', () => streams.execs.length === 1);
  t.same(
    { node: streams.execs[0]!.node, exec: streams.execs[0]!.exec },
    { node: 'pi-1', exec: { pod: { namespace: 'default', name: 'web', uid: 'uid-web' }, container: 'sidecar', command: ['sh', '-c', 'cat'], stdin: true, tty: false } },
  );
});

t.test('v4.channel.k8s.io is served to a client that offers only it', async (t) => {
  const { url } = await serve(t, ONE);
  const client = await connect(t, url(query(['ls'], { stdout: 'true' })), ['v4.channel.k8s.io']);
  t.equal(client.ws.protocol, 'v4.channel.k8s.io');
});

t.test('stdout and stderr reach the client on channels 1 and 2; the end is the Status on channel 3, then a close', async (t) => {
  const { streams, url } = await serve(t, ONE);
  const client = await connect(t, url(query(['sh', '-c', 'exit 3'], { stdout: 'true', stderr: 'true' })));
  await until(t, 'the exec is asked of the node', () => streams.execs.length === 1);
  const { handlers } = streams.execs[0]!;
  handlers.onData(Buffer.from('out\n'), 1);
  handlers.onData(Buffer.from('err\n'), 2);
  handlers.onData(Buffer.from('no channel is stdout\n'));
  handlers.onEnd(undefined, 3);
  await until(t, 'the connection closes', () => client.state.closeCode !== undefined);
  t.same(client.frames.slice(0, 3), [
    [CHANNEL.stdout, 'out\n'],
    [CHANNEL.stderr, 'err\n'],
    [CHANNEL.stdout, 'no channel is stdout\n'],
  ]);
  t.equal(client.frames.length, 4, 'then one more frame');
  const [channel, status] = client.frames[3]!;
  t.equal(channel, CHANNEL.error, 'the Status is on channel 3');
  t.same(JSON.parse(status), exitStatus(['sh', '-c', 'exit 3'], 3));
  t.equal(client.state.closeCode, 1000, 'a normal close');
  t.equal(streams.execs[0]!.cancels, 0, 'a stream that ended is not cancelled');
});

t.test('a successful exec ends with the Success Status, and a failed one with its error', async (t) => {
  const { streams, url } = await serve(t, ONE);
  const ok = await connect(t, url(query(['true'], { stdout: 'true' })));
  const failed = await connect(t, url(query(['true'], { stdout: 'true' })));
  await until(t, 'both execs are asked of the node', () => streams.execs.length === 2);
  streams.execs[0]!.handlers.onEnd(undefined, 0);
  const reason = 'unable to upgrade connection: container not found ("main")';
  streams.execs[1]!.handlers.onEnd(reason);
  await until(t, 'both connections close', () => ok.state.closeCode !== undefined && failed.state.closeCode !== undefined);
  t.same(
    ok.frames.map(([channel, body]) => [channel, JSON.parse(body)]),
    [[CHANNEL.error, { metadata: {}, status: 'Success' }]],
  );
  t.same(
    failed.frames.map(([channel, body]) => [channel, JSON.parse(body)]),
    [[CHANNEL.error, { metadata: {}, status: 'Failure', message: reason, reason: 'InternalError', code: 500 }]],
  );
});

t.test('output of a stream the client did not ask for is not sent', async (t) => {
  const { streams, url } = await serve(t, ONE);
  const client = await connect(t, url(query(['sh'], { stdout: 'true', stderr: 'false', tty: 'true', stdin: 'true' })));
  await until(t, 'the exec is asked of the node', () => streams.execs.length === 1);
  const { handlers } = streams.execs[0]!;
  handlers.onData(Buffer.from('dropped'), 2);
  handlers.onData(Buffer.from('$ '), 1);
  handlers.onEnd(undefined, 0);
  await until(t, 'the connection closes', () => client.state.closeCode !== undefined);
  t.same(
    client.frames.map(([channel]) => channel),
    [CHANNEL.stdout, CHANNEL.error],
  );
  t.equal(client.frames[0]![1], '$ ');
});

t.test('the client’s channel 0 reaches stdin in order, [255, 0] closes it, and channel 4 resizes', async (t) => {
  const { streams, url } = await serve(t, ONE);
  const client = await connect(t, url(query(['cat'], { stdin: 'true', stdout: 'true', tty: 'true' })));
  await until(t, 'the exec is asked of the node', () => streams.execs.length === 1);
  const recorded = streams.execs[0]!;
  client.send(CHANNEL.resize, JSON.stringify({ Width: 80, Height: 24 }));
  client.send(CHANNEL.stdin, 'one\n');
  client.send(CHANNEL.stdin); // an empty stdin frame carries nothing
  client.send(CHANNEL.stdin, 'two\n');
  client.send(CHANNEL.resize, JSON.stringify({ Width: 0, Height: 24 })); // not a size
  client.send(CHANNEL.resize, JSON.stringify({ Width: 120, Height: 40 }));
  client.send(CHANNEL.close, Buffer.from([CHANNEL.stdin]));
  await until(t, 'stdin is closed', () => recorded.stdinClosed === 1);
  await until(t, 'the second size arrives', () => recorded.resizes.length === 2);
  t.same(recorded.stdin, ['one\n', 'two\n']);
  t.same(recorded.resizes, [
    [80, 24],
    [120, 40],
  ]);
  t.same(client.frames, [], 'nothing sent back for good messages');
});

t.test('a resize that is not JSON is answered with a BadRequest Status, and the exec goes on', async (t) => {
  const { streams, url } = await serve(t, ONE);
  const client = await connect(t, url(query(['sh'], { stdin: 'true', stdout: 'true', tty: 'true' })));
  await until(t, 'the exec is asked of the node', () => streams.execs.length === 1);
  client.send(CHANNEL.resize, '{"Width":');
  await until(t, 'an answer comes', () => client.frames.length === 1);
  const [channel, body] = client.frames[0]!;
  t.equal(channel, CHANNEL.error);
  t.match(JSON.parse(body), { status: 'Failure', reason: 'BadRequest', code: 400, message: /^bad resize message: / });
  client.send(CHANNEL.stdin, 'still here\n');
  await until(t, 'stdin goes on', () => streams.execs[0]!.stdin.length === 1);
  t.equal(streams.execs[0]!.cancels, 0);
});

t.test('stdin from a client that did not ask for stdin is not passed on', async (t) => {
  const { streams, url } = await serve(t, ONE);
  const client = await connect(t, url(query(['ls'], { stdout: 'true' })));
  await until(t, 'the exec is asked of the node', () => streams.execs.length === 1);
  client.send(CHANNEL.stdin, 'ignored\n');
  client.send(CHANNEL.resize, JSON.stringify({ Width: 80, Height: 24 }));
  await until(t, 'a later message arrives', () => streams.execs[0]!.resizes.length === 1);
  t.same(streams.execs[0]!.stdin, []);
});

t.test('a client that closes before the end cancels the exec, once', async (t) => {
  const { streams, url } = await serve(t, ONE);
  const client = await connect(t, url(query(['sleep', '3600'], { stdout: 'true' })));
  await until(t, 'the exec is asked of the node', () => streams.execs.length === 1);
  client.ws.close();
  await until(t, 'the exec is cancelled', () => streams.execs[0]!.cancels > 0);
  t.equal(streams.execs[0]!.cancels, 1);
});

t.test('refused before the upgrade: no acceptable subprotocol, a disconnected or missing node, a bad query', async (t) => {
  const cases: Array<{ why: string; pod: KubeObject; connected: string[]; q: URLSearchParams; protocols: string[]; code: ErrorCode; message: string | RegExp }> = [
    {
      why: 'only channel.k8s.io (v1) offered',
      pod: ONE,
      connected: ['pi-1'],
      q: query(['ls'], { stdout: 'true' }),
      protocols: ['channel.k8s.io', 'base64.channel.k8s.io'],
      code: 'SKIFF_ERR_BAD_REQUEST',
      message: 'unable to upgrade connection: none of the offered subprotocols (channel.k8s.io, base64.channel.k8s.io) is one of v5.channel.k8s.io, v4.channel.k8s.io',
    },
    {
      why: 'no subprotocol offered',
      pod: ONE,
      connected: ['pi-1'],
      q: query(['ls'], { stdout: 'true' }),
      protocols: [],
      code: 'SKIFF_ERR_BAD_REQUEST',
      message: /none of the offered subprotocols \(none\)/,
    },
    {
      why: 'the node is not connected',
      pod: ONE,
      connected: ['pi-2'],
      q: query(['ls'], { stdout: 'true' }),
      protocols: [...EXEC_PROTOCOLS],
      code: 'SKIFF_ERR_UNREACHABLE',
      message: 'node "pi-1" is not connected to the hub: cannot exec in pod "web"',
    },
    {
      why: 'the Pod is not scheduled',
      pod: podOf(['main'], null),
      connected: ['pi-1'],
      q: query(['ls'], { stdout: 'true' }),
      protocols: [...EXEC_PROTOCOLS],
      code: 'SKIFF_ERR_BAD_REQUEST',
      message: 'pod web does not have a host assigned',
    },
    {
      why: 'no command',
      pod: ONE,
      connected: ['pi-1'],
      q: query([], { stdout: 'true' }),
      protocols: [...EXEC_PROTOCOLS],
      code: 'SKIFF_ERR_BAD_REQUEST',
      message: 'you must specify at least 1 command',
    },
  ];
  for (const c of cases) {
    await t.test(c.why, async (t) => {
      const { streams, refusals, url } = await serve(t, c.pod, c.connected);
      const client = await connect(t, url(c.q), c.protocols);
      t.ok(client.state.refused, 'the upgrade is refused');
      t.equal(refusals.length, 1);
      throwsSkiff(
        t,
        () => {
          throw refusals[0];
        },
        c.code,
        c.message,
        c.why,
      );
      t.equal(streams.execs.length, 0, 'nothing asked of the node');
    });
  }
});
