/**
 * NodeRequestRouter (issue #9): what the agent does with a message on its requests topic. Every
 * kind (logs, exec, portforward, stdin, resize, cancel, report) reaches its own handler, decoded; a request for another node, or one that does not decode,
 * reaches no handler and is logged with the topic, so a hub bug or a forged message is visible
 * instead of silently running something.
 */
import { pino } from 'pino';
import t from 'tap';
import { NodeRequestRouter, type RequestHandlers } from '../../../agent/requests/node-request-router.js';
import { MESSAGE_SCHEMA } from '../../../shared/mqtt/messages.js';
import type { NodeRequest } from '../../../shared/mqtt/node-requests.js';
import { requestsTopic } from '../../../shared/mqtt/topics.js';

const NODE = 'pi-1';
const TOPIC = requestsTopic(NODE);
const POD = { namespace: 'default', name: 'web', uid: 'uid-web' };

const REQUESTS: Record<NodeRequest['kind'], NodeRequest> = {
  logs: { schema: MESSAGE_SCHEMA, node: NODE, kind: 'logs', id: 'r-logs', pod: POD, options: { container: 'main', follow: true, previous: false, timestamps: false } },
  exec: { schema: MESSAGE_SCHEMA, node: NODE, kind: 'exec', id: 'r-exec', pod: POD, container: 'main', command: ['sh', '-c', 'echo hi'], stdin: true, tty: false },
  portforward: { schema: MESSAGE_SCHEMA, node: NODE, kind: 'portforward', id: 'r-pf', pod: POD, port: 8080 },
  stdin: { schema: MESSAGE_SCHEMA, node: NODE, kind: 'stdin', id: 'r-exec', data: Buffer.from('hi\n').toString('base64') },
  resize: { schema: MESSAGE_SCHEMA, node: NODE, kind: 'resize', id: 'r-exec', width: 80, height: 24 },
  cancel: { schema: MESSAGE_SCHEMA, node: NODE, kind: 'cancel', id: 'r-exec' },
  report: { schema: MESSAGE_SCHEMA, node: NODE, kind: 'report', id: 'r-report' },
};

/** The handler each kind goes to. */
const HANDLER: Record<NodeRequest['kind'], keyof RequestHandlers> = { logs: 'logs', exec: 'exec', portforward: 'portForward', stdin: 'stdin', resize: 'resize', cancel: 'cancel', report: 'report' };

/** A router whose handlers record what reached them, and whose log records its warnings. */
function setup() {
  const calls: Array<[keyof RequestHandlers, unknown]> = [];
  const handlers: RequestHandlers = {
    logs: (request) => void calls.push(['logs', request]),
    exec: (request) => void calls.push(['exec', request]),
    portForward: (request) => void calls.push(['portForward', request]),
    stdin: (request) => void calls.push(['stdin', request]),
    resize: (request) => void calls.push(['resize', request]),
    cancel: (id) => void calls.push(['cancel', id]),
    report: () => void calls.push(['report', undefined]),
  };
  const warnings: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
  const router = new NodeRequestRouter(NODE, handlers, log);
  const deliver = (message: object | string, topic = TOPIC): void => router.onMessage(Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)), topic);
  return { calls, warnings, deliver };
}

t.test('every kind of request reaches its own handler, decoded', async (t) => {
  for (const request of Object.values(REQUESTS)) {
    const { kind } = request;
    const { calls, warnings, deliver } = setup();
    deliver(request);
    t.same(calls, [[HANDLER[kind], kind === 'cancel' ? request.id : kind === 'report' ? undefined : request]], `${kind} goes to the ${HANDLER[kind]} handler only`);
    t.same(warnings, [], `${kind}: nothing logged`);
  }
});

t.test('requests reach the handlers in the order they came', async (t) => {
  const { calls, deliver } = setup();
  for (const kind of ['exec', 'stdin', 'resize', 'portforward', 'stdin', 'cancel'] as const) deliver(REQUESTS[kind]);
  t.same(
    calls.map(([handler]) => handler),
    ['exec', 'stdin', 'resize', 'portForward', 'stdin', 'cancel'],
  );
});

t.test('a request addressed to another node reaches no handler and is logged', async (t) => {
  for (const request of Object.values(REQUESTS)) {
    const { calls, warnings, deliver } = setup();
    deliver({ ...request, node: 'pi-2' });
    t.same(calls, [], `${request.kind}: no handler called`);
    t.match(warnings, [{ msg: 'ignored a request addressed to another node', topic: TOPIC, node: 'pi-2' }], `${request.kind}: logged with the node it named`);
  }
});

t.test('a request that does not decode reaches no handler and is logged with the reason', async (t) => {
  const cases: Array<[string, object | string, RegExp]> = [
    ['not JSON', '{"schema":', /not JSON/],
    ['an unknown kind', { ...REQUESTS.logs, kind: 'attach' }, /kind/],
    ['an exec without a command', { ...REQUESTS.exec, command: [] }, /command/],
    ['an exec whose tty is a string', { ...REQUESTS.exec, tty: 'true' }, /tty/],
    ['stdin data that is not text', { ...REQUESTS.stdin, data: 42 }, /data/],
    ['a resize of zero width', { ...REQUESTS.resize, width: 0 }, /width/],
    ['a port-forward to port 0', { ...REQUESTS.portforward, port: 0 }, /port/],
    ['another schema', { ...REQUESTS.cancel, schema: MESSAGE_SCHEMA + 1 }, /schema/],
  ];
  for (const [why, message, reason] of cases) {
    const { calls, warnings, deliver } = setup();
    deliver(message);
    t.same(calls, [], `${why}: no handler called`);
    t.match(warnings, [{ msg: 'ignored a request that does not decode', topic: TOPIC, err: reason }], `${why}: logged with the reason`);
  }
});
