/**
 * The words of a pull in progress (issue #9): what the agent writes in a waiting container's
 * message and the CLI reads back, so both sides must agree on every form of it.
 */
import t from 'tap';
import { formatBytes, formatPullProgressMessage, parsePullProgressMessage, pullProgressDetail, type PullProgress } from '../../../shared/pull-progress-message.js';

const progress = (p: Partial<PullProgress>): PullProgress => ({ layersDone: 0, layersTotal: 7, bytesDone: 0, bytesTotal: 0, bytesTotalKnown: true, ...p });

t.test('sizes in decimal units, as Docker prints them', async (t) => {
  const table: Array<[number, string]> = [
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [36_445, '36.4 kB'],
    [999_960, '1.0 MB'],
    [12_345_678, '12.3 MB'],
    [45_600_000, '45.6 MB'],
    [1_500_000_000, '1.5 GB'],
    [3_200_000_000_000, '3.2 TB'],
    [5_000_000_000_000_000, '5000.0 TB'],
  ];
  for (const [bytes, text] of table) t.equal(formatBytes(bytes), text, `${bytes}`);
});

t.test('the detail: known total, partly known, not known yet, no layers yet', async (t) => {
  t.equal(pullProgressDetail(progress({ layersDone: 3, bytesDone: 12_300_000, bytesTotal: 45_600_000 })), '12.3 MB of 45.6 MB, 3 of 7 layers');
  t.equal(pullProgressDetail(progress({ layersDone: 1, bytesDone: 2_000_000, bytesTotal: 6_000_000, bytesTotalKnown: false })), '2.0 MB of at least 6.0 MB, 1 of 7 layers');
  t.equal(pullProgressDetail(progress({ layersDone: 1, bytesTotalKnown: false })), '0 B downloaded, 1 of 7 layers');
  t.equal(pullProgressDetail(progress({ layersTotal: 0 })), undefined);
});

t.test('the message round-trips through the parser', async (t) => {
  const message = formatPullProgressMessage('127.0.0.1:5000/x:2', progress({ layersDone: 3, bytesDone: 12_300_000, bytesTotal: 45_600_000 }));
  t.equal(message, 'Pulling image "127.0.0.1:5000/x:2": 12.3 MB of 45.6 MB, 3 of 7 layers');
  t.same(parsePullProgressMessage(message), { image: '127.0.0.1:5000/x:2', detail: '12.3 MB of 45.6 MB, 3 of 7 layers' });
  t.equal(formatPullProgressMessage('x:1', undefined), 'Pulling image "x:1"', "kubelet's Pulling event's words, before any layer is known");
  t.equal(formatPullProgressMessage('x:1', progress({ layersTotal: 0 })), 'Pulling image "x:1"');
  t.same(parsePullProgressMessage('Pulling image "x:1"'), { image: 'x:1' });
});

t.test('other waiting messages are not a pull', async (t) => {
  for (const message of [undefined, '', 'Back-off pulling image "x:1"', 'manifest for x:1 not found', 'Pulling image x:1', 'Pulling image "x:1" now']) {
    t.equal(parsePullProgressMessage(message), undefined, String(message));
  }
});
