/**
 * DroppedReportLog and ThrottledNotice (hub/ingest/dropped-report-log.ts, hub/throttled-notice.ts):
 * the first of a node's dropped messages is logged at once; repeats within the interval are only
 * counted, and the next line says how many; other nodes and other problems have their own lines.
 */
import t from 'tap';
import { DroppedReportLog } from '../../../hub/ingest/dropped-report-log.js';
import type { Logger } from '../../../shared/log.js';

t.test('one line per node and problem per interval, with the count since the last', async (t) => {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const log = { warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) } as unknown as Logger;
  let now = 0;
  const dropped = new DroppedReportLog(log, () => now);
  for (let i = 0; i < 2000; i++) dropped.warn('n1', { topic: 't' }, 'undecodable status report dropped');
  t.same(lines, [{ fields: { topic: 't', dropped: 1 }, message: 'undecodable status report dropped' }], 'a flood within one interval: one line');
  dropped.warn('n2', { topic: 'u' }, 'undecodable status report dropped');
  dropped.warn('n1', { topic: 't' }, 'status report names another node; dropped');
  t.equal(lines.length, 3, 'another node, another problem: their own lines');
  now = 10_000;
  dropped.warn('n1', { topic: 't' }, 'undecodable status report dropped');
  t.same(lines[3], { fields: { topic: 't', dropped: 2000 }, message: 'undecodable status report dropped' }, 'the next interval says how many were dropped meanwhile');
});
