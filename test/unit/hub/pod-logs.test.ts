/**
 * The pods/{name}/log handler (issue #9): podLogOptions checks the query as kube-apiserver does,
 * in its words; servePodLogs, driven by a fake NodeStreams through a real HTTP server on
 * 127.0.0.1 (errors mapped to Statuses as the API server maps them), answers an unscheduled Pod
 * and an unconnected node at once, turns an error before the first byte into a 400 Status,
 * streams data as text/plain, and cancels the node's stream when the client goes away.
 */
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { podLogOptions, servePodLogs } from '../../../hub/api/pod-logs.js';
import { statusFromError } from '../../../hub/api/status.js';
import type { NodeStreams, StreamHandlers } from '../../../hub/ingest/node-streams.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { isSkiffError, type ErrorCode } from '../../../shared/errors.js';
import type { LogOptions, LogsRequest } from '../../../shared/mqtt/node-requests.js';

/** A Pod named web; `nodeName` null for one the scheduler has not placed yet. */
function pod(containers: string[] = ['main'], nodeName: string | null = 'pi-1'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web' },
    spec: { containers: containers.map((name) => ({ name, image: 'skiff-test/web:1' })), ...(nodeName ? { nodeName } : {}) },
  };
}

const query = (text: string): URLSearchParams => new URLSearchParams(text);

/** Asserts that podLogOptions refuses `text` for `p` with `code` and exactly `message`. */
function refuses(t: Test, p: KubeObject, text: string, code: ErrorCode, message: string): void {
  try {
    podLogOptions(p, query(text));
    t.fail(`?${text}: accepted, expected ${code}`);
  } catch (err) {
    t.ok(isSkiffError(err, code), `?${text}: ${code}`);
    t.equal((err as Error).message, message, `?${text}: kube-apiserver's message`);
  }
}

t.test('podLogOptions', async (t) => {
  t.test('a one-container Pod needs no container name; every flag defaults to false', async (t) => {
    t.same(podLogOptions(pod(), query('')), { container: 'main', follow: false, previous: false, timestamps: false });
    t.same(podLogOptions(pod(), query('container=')), { container: 'main', follow: false, previous: false, timestamps: false }, 'an empty name is no name');
    t.same(podLogOptions(pod(), query('container=main')).container, 'main');
  });

  t.test('a two-container Pod needs one named, one of its own', async (t) => {
    refuses(t, pod(['main', 'side']), '', 'SKIFF_ERR_BAD_REQUEST', 'a container name must be specified for pod web, choose one of: [main side]');
    t.equal(podLogOptions(pod(['main', 'side']), query('container=side')).container, 'side');
    refuses(t, pod(['main', 'side']), 'container=db', 'SKIFF_ERR_BAD_REQUEST', 'container db is not valid for pod web');
    refuses(t, pod(), 'container=db', 'SKIFF_ERR_BAD_REQUEST', 'container db is not valid for pod web');
  });

  t.test('follow, previous and timestamps are true for "true" or "1" only', async (t) => {
    t.match(podLogOptions(pod(), query('follow=true&previous=1&timestamps=true')), { follow: true, previous: true, timestamps: true });
    t.match(podLogOptions(pod(), query('follow=false&previous=0&timestamps=yes')), { follow: false, previous: false, timestamps: false });
  });

  t.test('the counts are whole numbers: tailLines from 0, sinceSeconds and limitBytes from 1', async (t) => {
    t.same(podLogOptions(pod(), query('tailLines=0&sinceSeconds=1&limitBytes=1')), { container: 'main', follow: false, previous: false, timestamps: false, tailLines: 0, sinceSeconds: 1, limitBytes: 1 });
    t.same(podLogOptions(pod(), query('tailLines=&limitBytes=')), { container: 'main', follow: false, previous: false, timestamps: false }, 'empty counts are absent');
    const invalid = (name: string, value: string, min: number): string => `PodLogOptions "" is invalid: ${name}: Invalid value: ${JSON.stringify(value)}: must be greater than or equal to ${min}`;
    refuses(t, pod(), 'tailLines=-1', 'SKIFF_ERR_INVALID', invalid('tailLines', '-1', 0));
    refuses(t, pod(), 'tailLines=1.5', 'SKIFF_ERR_INVALID', invalid('tailLines', '1.5', 0));
    refuses(t, pod(), 'tailLines=ten', 'SKIFF_ERR_INVALID', invalid('tailLines', 'ten', 0));
    refuses(t, pod(), 'sinceSeconds=0', 'SKIFF_ERR_INVALID', invalid('sinceSeconds', '0', 1));
    refuses(t, pod(), 'sinceSeconds=9007199254740993', 'SKIFF_ERR_INVALID', invalid('sinceSeconds', '9007199254740993', 1));
    refuses(t, pod(), 'limitBytes=0', 'SKIFF_ERR_INVALID', invalid('limitBytes', '0', 1));
    refuses(t, pod(), 'limitBytes=-5', 'SKIFF_ERR_INVALID', invalid('limitBytes', '-5', 1));
  });

  t.test('sinceTime is an RFC 3339 time, and not given with sinceSeconds', async (t) => {
    t.same(podLogOptions(pod(), query('sinceTime=2030-01-01T00:00:00Z')), { container: 'main', follow: false, previous: false, timestamps: false, sinceTime: '2030-01-01T00:00:00Z' });
    refuses(t, pod(), 'sinceTime=yesterday', 'SKIFF_ERR_BAD_REQUEST', 'sinceTime: "yesterday" is not an RFC 3339 time');
    refuses(t, pod(), 'sinceTime=2030-01-01T00:00:00Z&sinceSeconds=60', 'SKIFF_ERR_INVALID', 'PodLogOptions "" is invalid: sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  });
});

/** A NodeStreams stand-in: records each request and lets the test play the node's answer. */
class FakeNodeStreams {
  readonly requests: Array<{ node: string; pod: LogsRequest['pod']; options: LogOptions; handlers: StreamHandlers }> = [];
  cancels = 0;
  private waiting: Array<() => void> = [];

  constructor(private readonly connected: readonly string[]) {}

  isConnected(node: string): boolean {
    return this.connected.includes(node);
  }

  requestLogs(node: string, pod: LogsRequest['pod'], options: LogOptions, handlers: StreamHandlers): { cancel(): void } {
    this.requests.push({ node, pod, options, handlers });
    for (const wake of this.waiting.splice(0)) wake();
    return { cancel: () => void this.cancels++ };
  }

  /** The handlers of the first request, once it has come. */
  async requested(): Promise<StreamHandlers> {
    if (this.requests.length === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.requests[0]!.handlers;
  }
}

/** A server whose only route is servePodLogs for `p`, errors answered as the API server answers them. */
async function serve(t: Test, p: KubeObject, streams: FakeNodeStreams) {
  const outcomes: Array<Promise<'resolved' | 'rejected'>> = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    const outcome = Promise.resolve()
      .then(() => servePodLogs(streams as unknown as NodeStreams, p, url.searchParams, res))
      .then(
        () => 'resolved' as const,
        (err: unknown) => {
          const status = statusFromError(err);
          res.writeHead(status.code, { 'content-type': 'application/json' }).end(JSON.stringify(status));
          return 'rejected' as const;
        },
      );
    outcomes.push(outcome);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const get = (search: string): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: `/api/v1/namespaces/default/pods/web/log${search}` }, resolve).on('error', reject).end();
    });
  /** The outcome of the handler for the first request, once it has settled. */
  const outcome = async (): Promise<'resolved' | 'rejected'> => {
    while (outcomes.length === 0) await new Promise((resolve) => setImmediate(resolve));
    return outcomes[0]!;
  };
  return { get, outcome, port };
}

async function body(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) text += (chunk as Buffer).toString();
  return text;
}

t.test('servePodLogs', async (t) => {
  t.test('a Pod not scheduled yet is waiting to start (400), and no node is asked', async (t) => {
    const streams = new FakeNodeStreams(['pi-1']);
    const { get } = await serve(t, pod(['main'], null), streams);
    const res = await get('');
    t.equal(res.statusCode, 400);
    t.match(JSON.parse(await body(res)), { kind: 'Status', reason: 'BadRequest', code: 400, message: 'container "main" in pod "web" is waiting to start: ContainerCreating' });
    t.equal(streams.requests.length, 0);
  });

  t.test('a bad query is answered before any node is asked', async (t) => {
    const streams = new FakeNodeStreams(['pi-1']);
    const { get } = await serve(t, pod(['main', 'side']), streams);
    const res = await get('');
    t.equal(res.statusCode, 400);
    t.match(JSON.parse(await body(res)), { message: 'a container name must be specified for pod web, choose one of: [main side]' });
    t.equal(streams.requests.length, 0);
  });

  t.test('a node that is not connected is 503, and is not asked', async (t) => {
    const streams = new FakeNodeStreams([]);
    const { get } = await serve(t, pod(), streams);
    const res = await get('');
    t.equal(res.statusCode, 503);
    t.match(JSON.parse(await body(res)), { reason: 'ServiceUnavailable', message: 'node "pi-1" is not connected to the hub: the logs of pod "web" cannot be read until it is back' });
    t.equal(streams.requests.length, 0);
  });

  t.test('the node is asked for the Pod with the query’s options', async (t) => {
    const streams = new FakeNodeStreams(['pi-1']);
    const { get } = await serve(t, pod(['main', 'side']), streams);
    const response = get('?container=side&follow=true&tailLines=5');
    const handlers = await streams.requested();
    t.same(
      { node: streams.requests[0]!.node, pod: streams.requests[0]!.pod, options: streams.requests[0]!.options },
      { node: 'pi-1', pod: { namespace: 'default', name: 'web', uid: 'uid-web' }, options: { container: 'side', follow: true, previous: false, timestamps: false, tailLines: 5 } },
    );
    handlers.onEnd();
    t.equal((await response).statusCode, 200);
  });

  t.test('an error before the first byte is a 400 Status in the node’s words', async (t) => {
    const streams = new FakeNodeStreams(['pi-1']);
    const { get, outcome } = await serve(t, pod(), streams);
    const response = get('?previous=true');
    const handlers = await streams.requested();
    handlers.onEnd('previous terminated container "main" in pod "web" not found');
    const res = await response;
    t.equal(res.statusCode, 400);
    t.match(JSON.parse(await body(res)), { kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400, message: 'previous terminated container "main" in pod "web" not found' });
    t.equal(await outcome(), 'rejected');
    t.equal(streams.cancels, 0, 'a stream that ended needs no cancel');
  });

  t.test('data then the end is a 200 text/plain body with the data in order', async (t) => {
    const streams = new FakeNodeStreams(['pi-1']);
    const { get, outcome } = await serve(t, pod(), streams);
    const response = get('?follow=true');
    const handlers = await streams.requested();
    handlers.onData(Buffer.from('one\n'));
    const res = await response;
    t.equal(res.statusCode, 200, 'the status is sent with the first byte');
    t.equal(res.headers['content-type'], 'text/plain');
    handlers.onData(Buffer.from('two\n'));
    handlers.onEnd();
    t.equal(await body(res), 'one\ntwo\n');
    t.equal(await outcome(), 'resolved');
    t.equal(streams.cancels, 0);
  });

  t.test('an empty log is a 200 with an empty body', async (t) => {
    const streams = new FakeNodeStreams(['pi-1']);
    const { get } = await serve(t, pod(), streams);
    const response = get('');
    (await streams.requested()).onEnd();
    const res = await response;
    t.equal(res.statusCode, 200);
    t.equal(await body(res), '');
  });

  t.test('an error after data has been sent ends the 200 body (the status cannot change)', async (t) => {
    const streams = new FakeNodeStreams(['pi-1']);
    const { get, outcome } = await serve(t, pod(), streams);
    const response = get('?follow=true');
    const handlers = await streams.requested();
    handlers.onData(Buffer.from('partial\n'));
    const res = await response;
    handlers.onEnd('the stream from node pi-1 lost data (chunk 3 came when 2 was due)');
    t.equal(res.statusCode, 200);
    t.equal(await body(res), 'partial\n');
    t.equal(await outcome(), 'resolved');
  });

  t.test('a client that goes away cancels the node’s stream', async (t) => {
    const streams = new FakeNodeStreams(['pi-1']);
    const { get, outcome } = await serve(t, pod(), streams);
    const response = get('?follow=true');
    const handlers = await streams.requested();
    handlers.onData(Buffer.from('one\n'));
    const res = await response;
    res.destroy();
    t.equal(await outcome(), 'resolved', 'the handler is done');
    t.ok(streams.cancels >= 1, 'the node was told to stop');
  });

  t.test('a client that goes away before the first byte cancels too', async (t) => {
    const streams = new FakeNodeStreams(['pi-1']);
    const { port, outcome } = await serve(t, pod(), streams);
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/namespaces/default/pods/web/log?follow=true' });
    req.on('error', () => undefined); // the socket we destroy ourselves
    req.end();
    await streams.requested();
    req.destroy();
    t.equal(await outcome(), 'resolved');
    t.ok(streams.cancels >= 1, 'the node was told to stop');
  });
});
