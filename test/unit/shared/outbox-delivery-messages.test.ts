/**
 * The outbox fields of EventReport and MetricsReport (issue #7): optional, so reports of older
 * agents still decode; when present, `seqs` match the entries one to one, are positive and
 * increase, come with a stream, and `outboxDropped` holds non-negative counts.
 */
import t from 'tap';
import { MESSAGE_SCHEMA, decodeEventReport, decodeMetricsReport, encode, type EventReport, type MetricsReport } from '../../../shared/mqtt/messages.js';
import { eventsTopic, metricsTopic } from '../../../shared/mqtt/topics.js';

const event = { involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u' }, type: 'Normal', reason: 'Started', message: 'm', timestamp: '2030-01-01T00:00:00.000Z' } as const;
const sample = { timestamp: '2030-01-01T00:00:00.000Z', node: { cpuSeconds: [], memoryTotalBytes: 1, memoryAvailableBytes: 1, filesystems: [], network: [] }, pods: [] };
const events = (extra: Record<string, unknown>) => encode({ schema: MESSAGE_SCHEMA, node: 'pi-1', events: [event, event], ...extra } as unknown as EventReport);
const metrics = (extra: Record<string, unknown>) => encode({ schema: MESSAGE_SCHEMA, node: 'pi-1', samples: [sample], ...extra } as unknown as MetricsReport);

t.test('reports with and without outbox fields decode', async (t) => {
  t.same(decodeEventReport(events({}), eventsTopic('pi-1')).seqs, undefined);
  t.same(decodeEventReport(events({ stream: 'a', seqs: [4, 9] }), eventsTopic('pi-1')).seqs, [4, 9]);
  t.same(decodeMetricsReport(metrics({ stream: 'a', seqs: [1], outboxDropped: { events: 0, metrics: 3 } }), metricsTopic('pi-1')).outboxDropped, { events: 0, metrics: 3 });
});

t.test('malformed outbox fields are refused, naming the field', async (t) => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an empty stream', { stream: '' }, /stream: expected a non-empty string/],
    ['seqs without a stream', { seqs: [1, 2] }, /seqs: expected with a stream/],
    ['one seq too few', { stream: 'a', seqs: [1] }, /seqs: expected an array of 2 seqs/],
    ['seqs not increasing', { stream: 'a', seqs: [2, 2] }, /seqs\[1\]: expected seqs in increasing order/],
    ['a seq that is not a positive integer', { stream: 'a', seqs: [0, 1] }, /seqs\[0\]: expected a positive integer/],
  ];
  for (const [name, extra, message] of cases) t.throws(() => decodeEventReport(events(extra), eventsTopic('pi-1')), { code: 'SKIFF_ERR_BAD_MESSAGE', message }, name);
  t.throws(() => decodeMetricsReport(metrics({ outboxDropped: { events: -1, metrics: 0 } }), metricsTopic('pi-1')), { message: /outboxDropped\.events: expected a non-negative integer/ });
  t.throws(() => decodeMetricsReport(metrics({ outboxDropped: null }), metricsTopic('pi-1')), { message: /outboxDropped\.events/ });
});
