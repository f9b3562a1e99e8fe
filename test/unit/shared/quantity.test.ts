import t from 'tap';
import { bytes, cpuMillicores, formatBytes, isQuantity, parseQuantity } from '../../../shared/api/quantity.js';

t.test('parses Kubernetes quantities into base units', async (t) => {
  const table: Array<[string, number]> = [
    ['128Mi', 134217728],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['250m', 0.25],
    ['0.5', 0.5],
    ['1e3', 1000],
    ['1.5Ki', 1536],
    ['100', 100],
  ];
  for (const [text, value] of table) t.equal(parseQuantity(text), value, text);
});

t.test('rejects strings that are not quantities', async (t) => {
  for (const text of ['', 'abc', '12 Mi', '1MB', 'Mi', ' 1', '1..2', '--1']) t.notOk(isQuantity(text), JSON.stringify(text));
});

t.test('rounds CPU up to millicores and memory up to bytes', async (t) => {
  t.equal(cpuMillicores('250m'), 250);
  t.equal(cpuMillicores('0.1'), 100);
  t.equal(cpuMillicores('1'), 1000);
  t.equal(cpuMillicores('0.0001'), 1);
  t.equal(bytes('128Mi'), 134217728);
  t.equal(bytes('0.5Ki'), 512);
  t.throws(() => bytes('lots'), RangeError);
});

t.test('formats exact binary sizes with suffixes', async (t) => {
  t.equal(formatBytes(2 ** 30), '1Gi');
  t.equal(formatBytes(3 * 2 ** 20), '3Mi');
  t.equal(formatBytes(1000), '1000');
});
