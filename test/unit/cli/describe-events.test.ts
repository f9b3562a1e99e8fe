/**
 * The Events section (kubectl's DescribeEvents) and how describe picks an object's events
 * (kubectl's searchEvents field selector, and the same test applied client-side).
 */
import t from 'tap';
import { describeEvents, eventAge, eventTargets, involvedObjectSelector, involves } from '../../../hub/cli/describe/events.js';
import { LEVEL_0, tabbedString } from '../../../hub/cli/describe/prefix-writer.js';
import type { DescribeClock } from '../../../hub/cli/describe/time-format.js';
import type { Event } from '../../../shared/api/schema/event.js';
import { DESCRIBE_NOW, describeFixtures } from './fixtures/describe-objects.js';

const clock: DescribeClock = { now: DESCRIBE_NOW, utcOffsetMinutes: 0 };
const ago = (seconds: number): string => new Date(DESCRIBE_NOW.getTime() - seconds * 1000).toISOString();
const ref = { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u1' };
const event = (fields: Partial<Event>): Event => ({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: ref, ...fields });

t.test('no events: one line, aligned with the fields above it', async (t) => {
  const text = tabbedString((w) => {
    w.write(LEVEL_0, 'QoS Class:\tBestEffort\n');
    describeEvents([], w, clock);
  });
  t.equal(text, 'QoS Class:  BestEffort\nEvents:     <none>\n');
});

t.test('events: a table of its own, oldest first, counted events with their span', async (t) => {
  const text = tabbedString((w) => {
    w.write(LEVEL_0, 'A rather long field name:\tvalue\n');
    describeEvents(describeFixtures().webEvents, w, clock);
  });
  t.equal(
    text,
    [
      'A rather long field name:  value',
      'Events:',
      '  Type     Reason     Age                    From               Message',
      '  ----     ------     ----                   ----               -------',
      '  Normal   Scheduled  5m30s                  default-scheduler  Successfully assigned default/web-5d8c7b9f4d-2xkqp to pi-1',
      '  Normal   Pulled     5m25s                  kubelet            Container image "skiff-test/web:1" already present on machine',
      '  Warning  Unhealthy  2m10s (x4 over 5m10s)  kubelet            Readiness probe failed: HTTP probe failed with statuscode: 503',
      '',
    ].join('\n'),
  );
});

t.test('the AGE cell: first seen, last seen with a count, or an event series', async (t) => {
  t.equal(eventAge(event({ firstTimestamp: ago(42), lastTimestamp: ago(42), count: 1 }), clock), '42s');
  t.equal(eventAge(event({ firstTimestamp: ago(600), lastTimestamp: ago(65), count: 7 }), clock), '65s (x7 over 10m)');
  t.equal(eventAge(event({ eventTime: ago(300), series: { count: 3, lastObservedTime: ago(20) } }), clock), '20s (x3 over 5m)');
  t.equal(eventAge(event({}), clock), '<unknown>', 'no time at all');
});

t.test('events sort by last time seen, eventTime when that is missing, unknown times first', async (t) => {
  const events = [
    event({ type: 'Normal', reason: 'Third', lastTimestamp: ago(10) }),
    event({ type: 'Normal', reason: 'First' }),
    event({ type: 'Normal', reason: 'Second', eventTime: ago(100) }),
  ];
  const text = tabbedString((w) => describeEvents(events, w, clock));
  t.same(
    text.split('\n').slice(3, 6).map((line) => line.trim().split(/\s+/)[1]),
    ['First', 'Second', 'Third'],
  );
});

t.test('FROM falls back to the reporting component; messages are trimmed', async (t) => {
  const text = tabbedString((w) => describeEvents([event({ type: 'Normal', reason: 'R', reportingComponent: 'skiff-hub', message: '  spaced out \n', count: 1, firstTimestamp: ago(5) })], w, clock));
  t.match(text, /\n  Normal  R       5s    skiff-hub  spaced out\n$/);
});

t.test('the field selector kubectl sends, and the same test client-side', async (t) => {
  t.equal(involvedObjectSelector({ name: 'web-1', namespace: 'default', uid: 'u1' }), 'involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=u1');
  t.equal(involvedObjectSelector({ name: 'a,b=c\\', namespace: '', uid: 'x' }), 'involvedObject.name=a\\,b\\=c\\\\,involvedObject.namespace=,involvedObject.uid=x', 'separators escaped');
  const target = { name: 'web-1', namespace: 'default', uid: 'u1' };
  t.ok(involves(event({}), target));
  t.notOk(involves(event({ involvedObject: { ...ref, uid: 'u2' } }), target), 'a former object of the same name');
  t.notOk(involves(event({ involvedObject: { ...ref, namespace: 'edge' } }), target));
  t.ok(involves(event({ involvedObject: { kind: 'Node', name: 'pi-1', uid: 'pi-1' } }), { name: 'pi-1', namespace: '', uid: 'pi-1' }), 'no namespace reads as ""');
});

t.test('what is searched: the object itself; for a node, its uid and its name as uid', async (t) => {
  const { webPod, node, deployment } = describeFixtures();
  t.same(eventTargets(webPod), [{ name: 'web-5d8c7b9f4d-2xkqp', namespace: 'default', uid: 'uid-pod-web' }]);
  t.same(eventTargets(deployment), [{ name: 'web', namespace: 'default', uid: 'uid-deploy-web' }]);
  t.same(eventTargets(node), [
    { name: 'pi-1', namespace: '', uid: 'uid-node-pi-1' },
    { name: 'pi-1', namespace: '', uid: 'pi-1' },
  ]);
});
