import t from 'tap';
import {
  MESSAGE_SCHEMA,
  decodeDesiredState,
  decodeEventReport,
  decodeStatusReport,
  encode,
  type DesiredState,
  type EventReport,
  type StatusReport,
} from '../../../shared/mqtt/messages.js';
import { desiredTopic, eventsTopic, statusTopic } from '../../../shared/mqtt/topics.js';

const DESIRED_TOPIC = desiredTopic('pi-1');
const STATUS_TOPIC = statusTopic('pi-1');

function desiredState(): DesiredState {
  return {
    schema: MESSAGE_SCHEMA,
    node: 'pi-1',
    generation: 7,
    pods: [
      {
        metadata: { name: 'web-1', namespace: 'default', uid: 'u-1', labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
      },
    ],
  };
}

function statusReport(): StatusReport {
  return {
    schema: MESSAGE_SCHEMA,
    node: 'pi-1',
    seq: 42,
    sentAt: '2026-01-01T00:00:00.000Z',
    observedGeneration: 7,
    labels: { 'kubernetes.io/arch': 'arm64' },
    nodeStatus: { conditions: [{ type: 'Ready', status: 'True' }] },
    pods: [{ namespace: 'default', name: 'web-1', uid: 'u-1', status: { phase: 'Running' } }],
  };
}

/** The payload of `message` with `change` applied to its parsed JSON. */
function payload<T>(message: T, change: (m: Record<string, any>) => void): string {
  const copy = JSON.parse(JSON.stringify(message)) as Record<string, any>;
  change(copy);
  return JSON.stringify(copy);
}

t.test('encode and decode round-trip both message kinds, from a Buffer or a string', async (t) => {
  t.same(decodeDesiredState(encode(desiredState()), DESIRED_TOPIC), desiredState());
  t.same(decodeDesiredState(encode(desiredState()).toString(), DESIRED_TOPIC), desiredState());
  t.same(decodeStatusReport(encode(statusReport()), STATUS_TOPIC), statusReport());
  t.same(decodeDesiredState(encode({ ...desiredState(), generation: 0, pods: [] }), DESIRED_TOPIC).pods, [], 'an empty node is a valid state');
  const withTerminating = { ...desiredState(), terminating: [{ uid: 'u1', gracePeriodSeconds: 0 }] };
  t.same(decodeDesiredState(encode(withTerminating), DESIRED_TOPIC), withTerminating);
});

t.test('terminating entries are checked', async (t) => {
  const bad: Array<[unknown, string]> = [
    [{}, 'terminating'],
    [[{ uid: 'u1' }], 'terminating[0]'],
    [[{ uid: 'u1', gracePeriodSeconds: -1 }], 'terminating[0]'],
    [[null], 'terminating[0]'],
  ];
  for (const [terminating, field] of bad) {
    t.throws(() => decodeDesiredState(JSON.stringify({ ...desiredState(), terminating }), DESIRED_TOPIC), { code: 'SKIFF_ERR_BAD_MESSAGE', message: new RegExp(`: ${field.replace(/[[\]]/g, '\\$&')}`) }, JSON.stringify(terminating));
  }
});

t.test('config objects round-trip and malformed ones name the field without echoing a value', async (t) => {
  const config: DesiredState['config'] = [
    { kind: 'ConfigMap', namespace: 'default', name: 'settings', data: { 'app.conf': 'cG9ydD04MA==' } },
    { kind: 'Secret', namespace: 'default', name: 'creds', type: 'Opaque', data: {} },
  ];
  t.same(decodeDesiredState(encode({ ...desiredState(), config }), DESIRED_TOPIC).config, config);
  const bad: Array<[unknown, string]> = [
    [{}, 'config'],
    [[null], 'config[0]'],
    [[['ConfigMap']], 'config[0]'],
    [[{ kind: 'Pod', namespace: 'default', name: 'x', data: {} }], 'config[0].kind'],
    [[{ kind: 'ConfigMap', name: 'x', data: {} }], 'config[0].namespace'],
    [[{ kind: 'ConfigMap', namespace: 'default', name: '', data: {} }], 'config[0].name'],
    [[{ kind: 'Secret', namespace: 'default', name: 'x', type: 3, data: {} }], 'config[0].type'],
    [[{ kind: 'Secret', namespace: 'default', name: 'x' }], 'config[0].data'],
    [[{ kind: 'Secret', namespace: 'default', name: 'x', data: ['c2VjcmV0'] }], 'config[0].data'],
    [[config[0], { kind: 'Secret', namespace: 'default', name: 'x', data: { password: 12345 } }], 'config[1].data[password]'],
  ];
  for (const [entries, field] of bad) {
    const message = `bad message on topic ${DESIRED_TOPIC}: ${field}: `;
    t.throws(() => decodeDesiredState(JSON.stringify({ ...desiredState(), config: entries }), DESIRED_TOPIC), { code: 'SKIFF_ERR_BAD_MESSAGE', message: new RegExp(`^${message.replace(/[[\].]/g, '\\$&')}`) }, JSON.stringify(entries));
  }
  t.throws(() => decodeDesiredState(JSON.stringify({ ...desiredState(), config: [{ kind: 'Secret', namespace: 'd', name: 'x', data: { k: 12345 } }] }), DESIRED_TOPIC), { message: /^(?!.*12345)/ }, 'the bad value is not in the error');
});

t.test('a malformed desired state throws SKIFF_ERR_BAD_MESSAGE naming the topic and field', async (t) => {
  const table: Array<[string, string | Buffer, string]> = [
    ['not JSON', '{"schema": 1,', 'not JSON'],
    ['JSON that is not an object', '[1,2]', '(root)'],
    ['wrong schema', payload(desiredState(), (m) => (m.schema = 2)), 'schema'],
    ['no schema', payload(desiredState(), (m) => delete m.schema), 'schema'],
    ['node not a string', payload(desiredState(), (m) => (m.node = 7)), 'node'],
    ['missing generation', payload(desiredState(), (m) => delete m.generation), 'generation'],
    ['negative generation', payload(desiredState(), (m) => (m.generation = -1)), 'generation'],
    ['fractional generation', payload(desiredState(), (m) => (m.generation = 1.5)), 'generation'],
    ['pods not an array', payload(desiredState(), (m) => (m.pods = { 'web-1': {} })), 'pods'],
    ['pod without uid', payload(desiredState(), (m) => delete m.pods[0].metadata.uid), 'pods[0].metadata'],
    ['pod that is null', payload(desiredState(), (m) => (m.pods = [null])), 'pods[0].metadata'],
    ['pod without containers', payload(desiredState(), (m) => (m.pods[0].spec.containers = [])), 'pods[0].spec.containers'],
  ];
  for (const [what, bytes, field] of table) {
    t.throws(
      () => decodeDesiredState(bytes, DESIRED_TOPIC),
      { name: 'SkiffError', code: 'SKIFF_ERR_BAD_MESSAGE', message: `bad message on topic ${DESIRED_TOPIC}: ${field}` },
      what,
    );
  }
});

t.test('a malformed status report throws SKIFF_ERR_BAD_MESSAGE naming the topic and field', async (t) => {
  const table: Array<[string, string, string]> = [
    ['not JSON', 'status: ok', 'not JSON'],
    ['wrong schema', payload(statusReport(), (m) => (m.schema = '1')), 'schema'],
    ['status report without seq', payload(statusReport(), (m) => delete m.seq), 'seq'],
    ['observedGeneration not a number', payload(statusReport(), (m) => (m.observedGeneration = '7')), 'observedGeneration'],
    ['nodeStatus null', payload(statusReport(), (m) => (m.nodeStatus = null)), 'nodeStatus'],
    ['labels missing', payload(statusReport(), (m) => delete m.labels), 'labels'],
    ['pods not an array', payload(statusReport(), (m) => (m.pods = 'none')), 'pods'],
    ['pod without uid', payload(statusReport(), (m) => delete m.pods[0].uid), 'pods[0]'],
    ['pod without status', payload(statusReport(), (m) => delete m.pods[0].status), 'pods[0].status'],
  ];
  for (const [what, bytes, field] of table) {
    t.throws(
      () => decodeStatusReport(bytes, STATUS_TOPIC),
      { name: 'SkiffError', code: 'SKIFF_ERR_BAD_MESSAGE', message: `bad message on topic ${STATUS_TOPIC}: ${field}` },
      what,
    );
  }
});

t.test('the field in a pod error names the missing key', async (t) => {
  t.throws(() => decodeDesiredState(payload(desiredState(), (m) => delete m.pods[0].metadata.uid), DESIRED_TOPIC), { message: /uid/ });
  t.throws(() => decodeStatusReport(payload(statusReport(), (m) => delete m.pods[0].uid), STATUS_TOPIC), { message: /uid/ });
});

t.test('a JSON syntax error keeps the parser error as the cause', async (t) => {
  t.throws(() => decodeStatusReport('{', STATUS_TOPIC), { cause: SyntaxError });
});

t.test('event reports round-trip; malformed ones name the topic and field', async (t) => {
  const topic = eventsTopic('pi-1');
  const report: EventReport = {
    schema: MESSAGE_SCHEMA,
    node: 'pi-1',
    events: [{ involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u-1', fieldPath: 'spec.containers{web}' }, type: 'Warning', reason: 'BackOff', message: 'm', timestamp: '2026-01-01T00:00:00.000Z' }],
  };
  t.same(decodeEventReport(encode(report), topic), report);
  const table: Array<[string, string, string]> = [
    ['events missing', payload(report, (m) => delete m.events), 'events'],
    ['not about a Pod', payload(report, (m) => (m.events[0].involvedObject.kind = 'Node')), 'events[0].involvedObject'],
    ['no uid', payload(report, (m) => delete m.events[0].involvedObject.uid), 'events[0].involvedObject'],
    ['an event that is null', payload(report, (m) => (m.events[0] = null)), 'events[0].involvedObject'],
    ['a made-up type', payload(report, (m) => (m.events[0].type = 'Error')), 'events[0].type'],
    ['an empty reason', payload(report, (m) => (m.events[0].reason = '')), 'events[0].reason'],
    ['a message that is not text', payload(report, (m) => (m.events[0].message = 3)), 'events[0].message'],
    ['a timestamp that is not a time', payload(report, (m) => (m.events[0].timestamp = 'yesterday')), 'events[0].timestamp'],
  ];
  for (const [what, bytes, field] of table) {
    t.throws(() => decodeEventReport(bytes, topic), { name: 'SkiffError', code: 'SKIFF_ERR_BAD_MESSAGE', message: `bad message on topic ${topic}: ${field}` }, what);
  }
});
