/**
 * pods/{name}/portforward over WebSocket (hub/api/pod-portforward.ts). forwardedPort as a pure
 * function: exactly one port, a number from 1 to 65535. PodPortForwardServer on a real HTTP server
 * on 127.0.0.1 whose upgrades go straight to accept(), a `ws` client speaking v4.channel.k8s.io
 * as `skiff port-forward` does, and a fake NodeStreams that records the forward it was asked for
 * and lets the test play the node: the two port-prefix messages first ([0,lo,hi] then [1,lo,hi]),
 * data both ways on channel 0, the node's error as text on channel 1 then a close, a client that
 * leaves cancels, and requests that cannot run are refused before the upgrade with the right
 * SkiffError.
 */
import t, { type Test } from 'tap';
import { PORT_FORWARD_PROTOCOL, PodPortForwardServer, forwardedPort } from '../../../hub/api/pod-portforward.js';
import type { StreamHandlers } from '../../../hub/ingest/node-streams.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { ErrorCode } from '../../../shared/errors.js';
import type { PortForwardRequest } from '../../../shared/mqtt/node-requests.js';
import { connectChannels, serveUpgrades, throwsSkiff, until } from './fixtures/ws-upgrade.js';

/** A Pod on node `nodeName` (null: not scheduled). */
function podOn(nodeName: string | null = 'pi-1'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web' },
    spec: { ...(nodeName !== null ? { nodeName } : {}), containers: [{ name: 'main', image: 'skiff-test/web:1' }] },
  };
}

const WEB = podOn();

const ports = (value?: string): URLSearchParams => new URLSearchParams(value === undefined ? {} : { ports: value });

t.test('forwardedPort: the one port asked for', async (t) => {
  t.equal(forwardedPort(ports('8080')), 8080);
  t.equal(forwardedPort(ports('1')), 1);
  t.equal(forwardedPort(ports('65535')), 65535);
});

t.test('forwardedPort refuses anything but exactly one port from 1 to 65535', async (t) => {
  const one = 'exactly one port must be given (?ports=N): one WebSocket per connection';
  throwsSkiff(t, () => forwardedPort(ports()), 'SKIFF_ERR_BAD_REQUEST', one, 'no ports');
  throwsSkiff(t, () => forwardedPort(ports('')), 'SKIFF_ERR_BAD_REQUEST', one, 'an empty ports');
  throwsSkiff(t, () => forwardedPort(ports('80,443')), 'SKIFF_ERR_BAD_REQUEST', one, 'two ports');
  for (const bad of ['0', '65536', '-1', 'http', '80.5', ' 80', '0x50', '1e3']) {
    throwsSkiff(t, () => forwardedPort(ports(bad)), 'SKIFF_ERR_BAD_REQUEST', `invalid port "${bad}": must be a number from 1 to 65535`, `"${bad}"`);
  }
});

/** What one forward asked of the node, and the node's side of it for the test to play. */
interface RecordedForward {
  node: string;
  pod: PortForwardRequest['pod'];
  port: number;
  handlers: StreamHandlers;
  stdin: Buffer[];
  stdinClosed: number;
  cancels: number;
}

/** NodeStreams as PodPortForwardServer uses it: which nodes are connected, and requestPortForward recorded. */
class FakeNodeStreams {
  readonly forwards: RecordedForward[] = [];

  constructor(private readonly connected: readonly string[]) {}

  isConnected(node: string): boolean {
    return this.connected.includes(node);
  }

  requestPortForward(node: string, pod: PortForwardRequest['pod'], port: number, handlers: StreamHandlers) {
    const recorded: RecordedForward = { node, pod, port, handlers, stdin: [], stdinClosed: 0, cancels: 0 };
    this.forwards.push(recorded);
    return {
      cancel: () => void recorded.cancels++,
      stdin: (data: Buffer) => void recorded.stdin.push(Buffer.from(data)),
      closeStdin: () => void recorded.stdinClosed++,
    };
  }
}

/** A real HTTP server whose upgrades go to PodPortForwardServer.accept for `pod`, and the fake node side. */
async function serve(t: Test, pod: KubeObject, connected: readonly string[] = ['pi-1']) {
  const streams = new FakeNodeStreams(connected);
  const forward = new PodPortForwardServer(streams);
  const { refusals, url } = await serveUpgrades(t, { accept: (query, req, socket, head) => forward.accept(pod, query, req, socket, head), close: () => forward.close() }, 'portforward');
  return { streams, refusals, url };
}

/** A `skiff port-forward`-like client: the messages it received (raw), and how the connection ended. */
const connect = (t: Test, url: string, protocols: string[] = [PORT_FORWARD_PROTOCOL]) => connectChannels(t, url, protocols);

/** The messages as [channel, rest]. */
const split = (messages: readonly Buffer[]): Array<[number, Buffer]> => messages.map((m) => [m[0]!, m.subarray(1)]);

t.test('the forward goes to the Pod’s node for the asked port, and the first messages are the port on channels 0 and 1', async (t) => {
  const { streams, url } = await serve(t, WEB);
  const client = await connect(t, url(ports('8080')), ['v5.channel.k8s.io', PORT_FORWARD_PROTOCOL]);
  t.equal(client.ws.protocol, PORT_FORWARD_PROTOCOL, 'v4.channel.k8s.io is chosen among those offered');
  await until(t, 'the forward is asked of the node', () => streams.forwards.length === 1);
  t.same(
    { node: streams.forwards[0]!.node, pod: streams.forwards[0]!.pod, port: streams.forwards[0]!.port },
    { node: 'pi-1', pod: { namespace: 'default', name: 'web', uid: 'uid-web' }, port: 8080 },
  );
  await until(t, 'both port messages came', () => client.messages.length === 2);
  // 8080 = 0x1f90, little-endian.
  t.same(
    client.messages.map((m) => [...m]),
    [
      [0, 0x90, 0x1f],
      [1, 0x90, 0x1f],
    ],
  );
});

t.test('data flows both ways on channel 0, after the port messages', async (t) => {
  const { streams, url } = await serve(t, WEB);
  const client = await connect(t, url(ports('80')));
  await until(t, 'the forward is asked of the node', () => streams.forwards.length === 1);
  const recorded = streams.forwards[0]!;
  client.send(0, 'GET / HTTP/1.0\r\n\r\n');
  client.send(0, Buffer.from([0, 255]));
  client.send(0); // just the channel byte: carries nothing
  client.send(1, 'not data'); // the error channel is the server's to send on
  client.send(0, 'last');
  await until(t, 'the client’s data reached the node', () => recorded.stdin.length === 3);
  t.same(
    recorded.stdin.map((b) => [...b]),
    [[...Buffer.from('GET / HTTP/1.0\r\n\r\n')], [0, 255], [...Buffer.from('last')]],
    'channel-0 bodies in order, without the channel byte',
  );
  recorded.handlers.onData(Buffer.from('HTTP/1.0 200 OK\r\n'));
  recorded.handlers.onData(Buffer.from([1, 2, 3]), 1);
  await until(t, 'the node’s data reached the client', () => client.messages.length === 4);
  t.same(
    split(client.messages).map(([channel, body]) => [channel, [...body]]),
    [
      [0, [80, 0]],
      [1, [80, 0]],
      [0, [...Buffer.from('HTTP/1.0 200 OK\r\n')]],
      [0, [1, 2, 3]],
    ],
  );
  t.equal(recorded.cancels, 0);
});

t.test('the node’s end closes the WebSocket: its error as text on channel 1 first, when there is one', async (t) => {
  const { streams, url } = await serve(t, WEB);
  const clean = await connect(t, url(ports('80')));
  const failed = await connect(t, url(ports('81')));
  await until(t, 'both forwards are asked of the node', () => streams.forwards.length === 2);
  const [cleanForward, failedForward] = [...streams.forwards].sort((a, b) => a.port - b.port);
  await until(t, 'the port messages came', () => clean.messages.length === 2 && failed.messages.length === 2);
  cleanForward!.handlers.onEnd();
  const reason = 'error forwarding port 81 to pod uid-web, uid : failed to connect to 172.17.0.9:81: connect ECONNREFUSED 172.17.0.9:81';
  failedForward!.handlers.onEnd(reason);
  await until(t, 'both connections close', () => clean.state.closeCode !== undefined && failed.state.closeCode !== undefined);
  t.equal(clean.messages.length, 2, 'a clean end sends nothing more');
  t.same(
    split(failed.messages.slice(2)).map(([channel, body]) => [channel, body.toString()]),
    [[1, reason]],
  );
  t.equal(clean.state.closeCode, 1000, 'a normal close');
  t.equal(failed.state.closeCode, 1000, 'a normal close after the error');
  t.equal(cleanForward!.cancels + failedForward!.cancels, 0, 'a forward that ended is not cancelled');
});

t.test('a client that closes first cancels the forward, once', async (t) => {
  const { streams, url } = await serve(t, WEB);
  const client = await connect(t, url(ports('80')));
  await until(t, 'the forward is asked of the node', () => streams.forwards.length === 1);
  client.ws.close();
  await until(t, 'the forward is cancelled', () => streams.forwards[0]!.cancels > 0);
  await until(t, 'the client sees the close', () => client.state.closeCode !== undefined);
  t.equal(streams.forwards[0]!.cancels, 1);
});

t.test('refused before the upgrade: no v4.channel.k8s.io, a disconnected or missing node, a bad port', async (t) => {
  const cases: Array<{ why: string; pod: KubeObject; connected: string[]; q: URLSearchParams; protocols: string[]; code: ErrorCode; message: string }> = [
    {
      why: 'only other subprotocols offered',
      pod: WEB,
      connected: ['pi-1'],
      q: ports('80'),
      protocols: ['v5.channel.k8s.io', 'portforward.k8s.io'],
      code: 'SKIFF_ERR_BAD_REQUEST',
      message: 'unable to upgrade connection: port-forward speaks v4.channel.k8s.io only',
    },
    {
      why: 'no subprotocol offered',
      pod: WEB,
      connected: ['pi-1'],
      q: ports('80'),
      protocols: [],
      code: 'SKIFF_ERR_BAD_REQUEST',
      message: 'unable to upgrade connection: port-forward speaks v4.channel.k8s.io only',
    },
    {
      why: 'the node is not connected',
      pod: WEB,
      connected: ['pi-2'],
      q: ports('80'),
      protocols: [PORT_FORWARD_PROTOCOL],
      code: 'SKIFF_ERR_UNREACHABLE',
      message: 'node "pi-1" is not connected to the hub: cannot forward to pod "web"',
    },
    {
      why: 'the Pod is not scheduled',
      pod: podOn(null),
      connected: ['pi-1'],
      q: ports('80'),
      protocols: [PORT_FORWARD_PROTOCOL],
      code: 'SKIFF_ERR_BAD_REQUEST',
      message: 'pod web does not have a host assigned',
    },
    {
      why: 'no port',
      pod: WEB,
      connected: ['pi-1'],
      q: ports(),
      protocols: [PORT_FORWARD_PROTOCOL],
      code: 'SKIFF_ERR_BAD_REQUEST',
      message: 'exactly one port must be given (?ports=N): one WebSocket per connection',
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
      t.equal(streams.forwards.length, 0, 'nothing asked of the node');
    });
  }
});
