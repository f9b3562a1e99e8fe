import t from 'tap';
import { humanDuration, timestampSince } from '../../../hub/printers/human-duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

t.test('formats durations like apimachinery HumanDuration', async (t) => {
  const table: Array<[number, string]> = [
    [-2 * S, '<invalid>'],
    [-1500, '0s'], // up to 2s of clock skew reads as now
    [0, '0s'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 20 * S, '3m20s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [5 * H + 30 * M, '5h30m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [8 * D, '8d'],
    [400 * D, '400d'],
    [2 * 365 * D, '2y'],
    [3 * 365 * D + 12 * D, '3y12d'],
    [9 * 365 * D, '9y'],
  ];
  for (const [ms, text] of table) t.equal(humanDuration(ms), text, `${ms} ms`);
});

t.test('AGE of a timestamp is measured from the injected now', async (t) => {
  const now = new Date('2024-01-01T12:00:00Z');
  t.equal(timestampSince('2024-01-01T11:55:00Z', now), '5m');
  t.equal(timestampSince(undefined, now), '<unknown>');
  t.equal(timestampSince(null, now), '<unknown>');
  t.equal(timestampSince('not a date', now), '<unknown>');
});
