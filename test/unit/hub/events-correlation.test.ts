import t from 'tap';
import {
  EventCorrelator,
  MAX_MESSAGE_LENGTH,
  eventName,
  eventNamespace,
  eventTimestamp,
  occurrenceTime,
  referenceTo,
  type Occurrence,
} from '../../../hub/events/correlation.js';
import { LruMap } from '../../../hub/events/lru-map.js';
import { SPAM_BURST, SpamFilter } from '../../../hub/events/spam-filter.js';
import type { Event } from '../../../shared/api/schema/event.js';
import { node, pod } from './fixtures.js';

const AT = new Date('2026-01-01T00:00:00.000Z');
const later = (seconds: number) => new Date(AT.getTime() + seconds * 1000);

function pulled(overrides: Partial<Occurrence> = {}): Occurrence {
  return {
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'uid-web-1', fieldPath: 'spec.containers{web}' },
    type: 'Normal',
    reason: 'Pulled',
    message: 'Container image "web:1" already present on machine',
    source: { component: 'kubelet', host: 'pi-1' },
    ...overrides,
  };
}

t.test('a first occurrence is a new Event with every field Kubernetes fills', async (t) => {
  const c = new EventCorrelator();
  const result = c.correlate(pulled(), AT);
  t.equal(result.action, 'create');
  t.same(result.event, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `web-1.${(BigInt(AT.getTime()) * 1_000_000n).toString(16)}`, namespace: 'default' },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'uid-web-1', fieldPath: 'spec.containers{web}' },
    reason: 'Pulled',
    message: 'Container image "web:1" already present on machine',
    source: { component: 'kubelet', host: 'pi-1' },
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:00:00Z',
    count: 1,
    type: 'Normal',
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: 'pi-1',
  });
});

t.test('a repeat folds into the same Event: count rises, lastTimestamp moves, firstTimestamp and name stay', async (t) => {
  const c = new EventCorrelator();
  const first = c.correlate(pulled(), AT).event;
  const second = c.correlate(pulled(), later(30));
  const third = c.correlate(pulled(), later(95));
  t.equal(second.action, 'update');
  t.equal(third.action, 'update');
  t.equal(third.event.metadata.name, first.metadata.name);
  t.equal(third.event.count, 3);
  t.equal(third.event.firstTimestamp, '2026-01-01T00:00:00Z');
  t.equal(third.event.lastTimestamp, '2026-01-01T00:01:35Z');
});

t.test('an occurrence reported out of order never moves lastTimestamp back nor firstTimestamp forward', async (t) => {
  const c = new EventCorrelator();
  c.correlate(pulled(), later(60));
  const late = c.correlate(pulled(), AT).event;
  t.equal(late.firstTimestamp, '2026-01-01T00:00:00Z');
  t.equal(late.lastTimestamp, '2026-01-01T00:01:00Z');
});

t.test('any difference in object, fieldPath, uid, source, type, reason or message starts a new Event', async (t) => {
  const variants: Array<[string, Partial<Occurrence>]> = [
    ['another pod', { involvedObject: { ...pulled().involvedObject, name: 'web-2', uid: 'uid-web-2' } }],
    ['a recreated pod of the same name', { involvedObject: { ...pulled().involvedObject, uid: 'uid-web-1-new' } }],
    ['another container', { involvedObject: { ...pulled().involvedObject, fieldPath: 'spec.containers{sidecar}' } }],
    ['another node', { source: { component: 'kubelet', host: 'pi-2' } }],
    ['another component', { source: { component: 'default-scheduler' } }],
    ['another type', { type: 'Warning' }],
    ['another reason', { reason: 'Pulling' }],
    ['another message', { message: 'Container image "web:2" already present on machine' }],
  ];
  for (const [what, overrides] of variants) {
    const c = new EventCorrelator();
    const first = c.correlate(pulled(), AT).event;
    const other = c.correlate(pulled(overrides), later(1));
    t.equal(other.action, 'create', what);
    t.not(other.event.metadata.name, first.metadata.name, what);
    t.equal(other.event.count, 1, what);
  }
});

t.test('Event names are unique even within one millisecond', async (t) => {
  const c = new EventCorrelator();
  const a = c.correlate(pulled({ reason: 'Created' }), AT).event.metadata.name!;
  const b = c.correlate(pulled({ reason: 'Started' }), AT).event.metadata.name!;
  t.not(a, b);
  t.match(a, /^web-1\.[0-9a-f]{16}$/);
  t.match(b, /^web-1\.[0-9a-f]{16}$/);
});

t.test('eventName is the object name and the time in unix nanoseconds as hex, as Kubernetes', async (t) => {
  t.equal(eventName('nginx-7c5ddbdf54-2xkqp', 1_700_000_000_123_456_789n), 'nginx-7c5ddbdf54-2xkqp.17979cfe3d85cd15');
});

t.test('cluster-scoped objects get their Events in "default"; namespaced ones in their own', async (t) => {
  t.equal(eventNamespace(referenceTo(node('pi-1'))), 'default');
  t.equal(eventNamespace(referenceTo(pod('db-1', { namespace: 'data' }))), 'data');
  const c = new EventCorrelator();
  t.equal(c.correlate({ ...pulled(), involvedObject: referenceTo(node('pi-1')) }, AT).event.metadata.namespace, 'default');
});

t.test('referenceTo takes apiVersion, kind, namespace, name, uid and resourceVersion of an object', async (t) => {
  const p = pod('web-1', { namespace: 'shop' });
  p.metadata.resourceVersion = '42';
  t.same(referenceTo(p), { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'uid-web-1', resourceVersion: '42' });
  t.same(referenceTo(node('pi-1')), { apiVersion: 'v1', kind: 'Node', name: 'pi-1', uid: 'uid-pi-1' });
  const ref = { kind: 'Pod', name: 'x', fieldPath: 'spec.containers{c}' };
  t.same(referenceTo(ref), ref);
  t.not(referenceTo(ref), ref, 'a copy, not the caller object');
});

t.test('a message longer than the schema allows is cut with "..."', async (t) => {
  const c = new EventCorrelator();
  const message = c.correlate(pulled({ message: 'x'.repeat(2000) }), AT).event.message!;
  t.equal(message.length, MAX_MESSAGE_LENGTH);
  t.ok(message.endsWith('...'));
  t.equal(c.correlate(pulled({ message: ' ok ' }), AT).event.message, ' ok ');
});

t.test('a source without a host leaves source.host out and reportingInstance empty', async (t) => {
  const event = new EventCorrelator().correlate(pulled({ source: { component: 'replicaset-controller' } }), AT).event;
  t.same(event.source, { component: 'replicaset-controller' });
  t.equal(event.reportingComponent, 'replicaset-controller');
  t.equal(event.reportingInstance, '');
});

t.test('eventTimestamp prints whole seconds in UTC', async (t) => {
  t.equal(eventTimestamp(new Date('2026-03-04T05:06:07.890Z')), '2026-03-04T05:06:07Z');
});

t.test('occurrenceTime trusts a reported time only within the retention window', async (t) => {
  const now = later(600);
  t.same(occurrenceTime(later(590), now, 3_600_000), later(590), 'ten seconds ago: as reported');
  t.same(occurrenceTime(undefined, now, 3_600_000), now, 'none reported: now');
  t.same(occurrenceTime(later(700), now, 3_600_000), now, 'in the future (clock ahead): now');
  t.same(occurrenceTime(new Date(0), now, 3_600_000), now, '1970 (no real-time clock yet): now');
  t.same(occurrenceTime(new Date('nonsense'), now, 3_600_000), now, 'unreadable: now');
});

t.test('the spam filter lets 25 writes per source and object through, then one per 5 minutes; repeats are still counted', async (t) => {
  const c = new EventCorrelator();
  const actions: string[] = [];
  for (let i = 0; i < SPAM_BURST + 3; i++) actions.push(c.correlate(pulled({ reason: 'BackOff', type: 'Warning' }), later(i)).action);
  t.same(actions.slice(0, SPAM_BURST), ['create', ...Array<string>(SPAM_BURST - 1).fill('update')]);
  t.same(actions.slice(SPAM_BURST), ['skip', 'skip', 'skip']);
  t.equal(c.correlate(pulled({ reason: 'Unhealthy' }), later(SPAM_BURST + 3)).action, 'skip', 'the budget is per object, not per reason');
  t.equal(c.correlate(pulled({ involvedObject: { ...pulled().involvedObject, name: 'web-2', uid: 'u2' } }), later(30)).action, 'create', 'other objects are not held back');
  const afterRefill = c.correlate(pulled({ reason: 'BackOff', type: 'Warning' }), later(SPAM_BURST + 3 + 300));
  t.equal(afterRefill.action, 'update', 'a token comes back after 5 minutes');
  t.equal(afterRefill.event.count, SPAM_BURST + 4, 'held-back repeats were counted');
});

t.test('a first occurrence held back is created by the next write (as an update the recorder turns into a create)', async (t) => {
  const c = new EventCorrelator({ spamBurst: 1 });
  t.equal(c.correlate(pulled({ reason: 'A' }), AT).action, 'create');
  const held = c.correlate(pulled({ reason: 'B' }), later(1));
  t.equal(held.action, 'skip');
  t.equal(held.event.count, 1);
});

function stored(overrides: Partial<Event> = {}): Event {
  return {
    ...new EventCorrelator().correlate(pulled(), AT).event,
    metadata: { name: 'web-1.stored', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    count: 7,
    firstTimestamp: '2025-12-31T23:00:00Z',
    lastTimestamp: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

t.test('remember() makes a stored Event the one its repeats fold into (after a hub restart)', async (t) => {
  const c = new EventCorrelator();
  c.remember(stored());
  const repeat = c.correlate(pulled(), later(10));
  t.equal(repeat.action, 'update');
  t.equal(repeat.event.metadata.name, 'web-1.stored');
  t.equal(repeat.event.count, 8);
  t.equal(repeat.event.firstTimestamp, '2025-12-31T23:00:00Z');
});

t.test('remember() keeps the most recently seen of equal Events and ignores incomplete ones', async (t) => {
  const c = new EventCorrelator();
  c.remember(stored({ metadata: { name: 'newer', namespace: 'default' }, lastTimestamp: '2026-01-01T00:00:05Z' }));
  c.remember(stored({ metadata: { name: 'older', namespace: 'default' }, lastTimestamp: '2026-01-01T00:00:01Z' }));
  t.equal(c.correlate(pulled(), later(10)).event.metadata.name, 'newer');

  const fresh = new EventCorrelator();
  fresh.remember({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'bare' }, involvedObject: {} });
  fresh.remember(stored({ source: undefined }));
  t.equal(fresh.correlate(pulled(), later(10)).action, 'create');
});

t.test('remember() falls back to firstTimestamp and the creation time, and to a count of 1', async (t) => {
  const c = new EventCorrelator();
  c.remember(stored({ lastTimestamp: null, firstTimestamp: null, count: undefined, metadata: { name: 'old', creationTimestamp: '2026-01-01T00:00:00Z' } }));
  const repeat = c.correlate(pulled(), later(10)).event;
  t.equal(repeat.metadata.name, 'old');
  t.equal(repeat.metadata.namespace, 'default', 'from the involved object when the Event has none');
  t.equal(repeat.count, 2);
  t.equal(repeat.firstTimestamp, '2026-01-01T00:00:00Z');
});

t.test('the correlator forgets the least recently used Events beyond its cache size', async (t) => {
  const c = new EventCorrelator({ cacheSize: 2 });
  c.correlate(pulled({ reason: 'A' }), AT);
  c.correlate(pulled({ reason: 'B' }), AT);
  c.correlate(pulled({ reason: 'A' }), later(1)); // A is now the most recently used
  c.correlate(pulled({ reason: 'C' }), later(2)); // evicts B
  t.equal(c.correlate(pulled({ reason: 'A' }), later(3)).action, 'update');
  t.equal(c.correlate(pulled({ reason: 'B' }), later(4)).action, 'create');
});

t.test('LruMap evicts the least recently used entry and refuses a useless capacity', async (t) => {
  const m = new LruMap<string, number>(2);
  m.set('a', 1);
  m.set('b', 2);
  t.equal(m.get('a'), 1);
  m.set('c', 3);
  t.equal(m.get('b'), undefined);
  t.equal(m.get('a'), 1);
  t.equal(m.size, 2);
  m.set('a', 10);
  t.equal(m.get('a'), 10);
  t.throws(() => new LruMap(0), RangeError);
});

t.test('SpamFilter refills at its rate up to the burst', async (t) => {
  const f = new SpamFilter(10, 2, 1 / 1000);
  t.same([f.allow('k', 0), f.allow('k', 0), f.allow('k', 0)], [true, true, false]);
  t.equal(f.allow('k', 999), false, 'not yet a whole token');
  t.equal(f.allow('k', 1000), true);
  t.same([f.allow('k', 100_000), f.allow('k', 100_000), f.allow('k', 100_000)], [true, true, false], 'never more than the burst');
});
