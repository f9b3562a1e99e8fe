import t from 'tap';
import { eventCells, eventColumns, eventObject, eventSource } from '../../../hub/printers/event.js';
import { printTable } from '../../../hub/printers/registry.js';
import { renderTable } from '../../../hub/cli/render-table.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { Event } from '../../../shared/api/schema/event.js';
import { NOW, ago } from './fixtures/objects.js';

function event(fields: Partial<Event> = {}): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web-7c5d-2xkqp.17979cfe3d85cd15', namespace: 'default', creationTimestamp: ago(300) },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-7c5d-2xkqp', uid: 'u1', fieldPath: 'spec.containers{web}' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container web in pod web-7c5d-2xkqp_default(u1)',
    source: { component: 'kubelet', host: 'pi-1' },
    firstTimestamp: ago(300),
    lastTimestamp: ago(12),
    count: 7,
    type: 'Warning',
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: 'pi-1',
    ...fields,
  };
}

t.test('columns: LAST SEEN TYPE REASON OBJECT MESSAGE; wide adds SUBOBJECT SOURCE, FIRST SEEN COUNT NAME', async (t) => {
  t.same(
    eventColumns.map((c) => [c.name.toUpperCase(), c.priority]),
    [
      ['LAST SEEN', 0],
      ['TYPE', 0],
      ['REASON', 0],
      ['OBJECT', 0],
      ['SUBOBJECT', 1],
      ['SOURCE', 1],
      ['MESSAGE', 0],
      ['FIRST SEEN', 1],
      ['COUNT', 1],
      ['NAME', 1],
    ],
  );
  t.equal(eventColumns.find((c) => c.name === 'Name')!.format, 'name');
});

t.test('cells read as kubectl prints them', async (t) => {
  t.same(eventCells(event(), NOW), [
    '12s',
    'Warning',
    'BackOff',
    'pod/web-7c5d-2xkqp',
    'spec.containers{web}',
    'kubelet, pi-1',
    'Back-off restarting failed container web in pod web-7c5d-2xkqp_default(u1)',
    '5m',
    7,
    'web-7c5d-2xkqp.17979cfe3d85cd15',
  ]);
});

t.test('a table renders like `kubectl get events` and `-o wide`', async (t) => {
  const events = resolveResource('events')!;
  const scheduled = event({
    metadata: { name: 'web-7c5d-2xkqp.17979cfe30000000', namespace: 'default' },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-7c5d-2xkqp', uid: 'u1' },
    reason: 'Scheduled',
    message: 'Successfully assigned default/web-7c5d-2xkqp to pi-1',
    source: { component: 'default-scheduler' },
    firstTimestamp: ago(300),
    lastTimestamp: ago(300),
    count: 1,
    type: 'Normal',
    reportingInstance: '',
  });
  const table = printTable(events, [scheduled, event()] as unknown as KubeObject[], NOW);
  t.same(renderTable(table), [
    'LAST SEEN   TYPE      REASON      OBJECT               MESSAGE',
    '5m          Normal    Scheduled   pod/web-7c5d-2xkqp   Successfully assigned default/web-7c5d-2xkqp to pi-1',
    '12s         Warning   BackOff     pod/web-7c5d-2xkqp   Back-off restarting failed container web in pod web-7c5d-2xkqp_default(u1)',
  ]);
  const wide = renderTable(table, { wide: true });
  t.match(wide[0], /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+SUBOBJECT\s+SOURCE\s+MESSAGE\s+FIRST SEEN\s+COUNT\s+NAME$/);
  t.match(wide[2], /^12s\s+Warning\s+BackOff\s+pod\/web-7c5d-2xkqp\s+spec\.containers\{web\}\s+kubelet, pi-1\s+Back-off .*\s+5m\s+7\s+web-7c5d-2xkqp\.17979cfe3d85cd15$/);
});

t.test('OBJECT is the lower-cased kind and name, or the kind alone', async (t) => {
  t.equal(eventObject(event({ involvedObject: { kind: 'ReplicaSet', name: 'web-7c5d' } })), 'replicaset/web-7c5d');
  t.equal(eventObject(event({ involvedObject: { kind: 'Node', name: 'pi-1' } })), 'node/pi-1');
  t.equal(eventObject(event({ involvedObject: { kind: 'Node' } })), 'node');
});

t.test('SOURCE falls back to reportingComponent and reportingInstance, and drops an empty host', async (t) => {
  t.equal(eventSource(event({ source: { component: 'deployment-controller' }, reportingInstance: '' })), 'deployment-controller');
  t.equal(eventSource(event({ source: {}, reportingComponent: 'default-scheduler', reportingInstance: 'default-scheduler-hub' })), 'default-scheduler, default-scheduler-hub');
  t.equal(eventSource(event({ source: undefined, reportingComponent: undefined, reportingInstance: undefined })), '');
});

t.test('times fall back as kubectl: first seen to eventTime, last seen to first seen; none reads <unknown>', async (t) => {
  const newApi = event({ firstTimestamp: null, lastTimestamp: null, eventTime: ago(90), count: 0 });
  const cells = eventCells(newApi, NOW);
  t.equal(cells[0], '90s', 'LAST SEEN from eventTime');
  t.equal(cells[7], '90s', 'FIRST SEEN from eventTime');
  t.equal(cells[8], 1, 'a singleton of the new API counts 1');
  const timeless = eventCells(event({ firstTimestamp: undefined, lastTimestamp: undefined, eventTime: undefined }), NOW);
  t.equal(timeless[0], '<unknown>');
  t.equal(timeless[7], '<unknown>');
  t.equal(eventCells(event({ lastTimestamp: null }), NOW)[0], '5m', 'LAST SEEN from firstTimestamp');
});

t.test('a series gives LAST SEEN and COUNT', async (t) => {
  const cells = eventCells(event({ series: { count: 42, lastObservedTime: ago(3) } }), NOW);
  t.equal(cells[0], '3s');
  t.equal(cells[8], 42);
});

t.test('MESSAGE is trimmed; missing reason, type and fieldPath read empty', async (t) => {
  const cells = eventCells(event({ message: '  spaced out \n', reason: undefined, type: undefined, involvedObject: { kind: 'Pod', name: 'p' } }), NOW);
  t.equal(cells[6], 'spaced out');
  t.same([cells[1], cells[2], cells[4]], ['', '', '']);
});
