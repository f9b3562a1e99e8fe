import t from 'tap';
import { exponentialBackoffMs, fullJitterMs } from '../../../shared/backoff.js';
import { randomInt, seededRandom } from '../../helpers/seeded-random.js';

const SECOND = 1000;

t.test("exponential backoff follows Kubernetes' 10 s doubling to 5 min curve", async (t) => {
  const want = [0, 10, 20, 40, 80, 160, 300, 300].map((s) => s * SECOND);
  t.same(want.map((_, attempt) => exponentialBackoffMs(attempt, 10 * SECOND, 300 * SECOND)), want);
});

t.test('exponential backoff: negative attempts wait nothing, huge attempts stay at the cap', async (t) => {
  t.equal(exponentialBackoffMs(-3, 10 * SECOND, 300 * SECOND), 0);
  t.equal(exponentialBackoffMs(1_000, 10 * SECOND, 300 * SECOND), 300 * SECOND);
  t.equal(exponentialBackoffMs(Number.MAX_SAFE_INTEGER, 1, 5), 5);
});

t.test('full jitter spans the whole window: random 0 gives 0, random just below 1 gives just below the ceiling', async (t) => {
  t.equal(fullJitterMs(3, 1000, 30_000, 0), 0);
  t.equal(fullJitterMs(3, 1000, 30_000, 0.5), 4000);
  t.equal(fullJitterMs(3, 1000, 30_000, 0.999999), 7999);
  t.equal(fullJitterMs(10, 1000, 30_000, 0.5), 15_000, 'capped at max');
  t.equal(fullJitterMs(0, 1000, 30_000, 0.5), 500, 'attempt 0 waits up to base');
});

t.test('the seeded generator is reproducible and stays in [0, 1)', async (t) => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const first = Array.from({ length: 5 }, a);
  t.same(first, Array.from({ length: 5 }, b));
  t.not(first[0], first[1]);
  const c = seededRandom(1);
  for (let i = 0; i < 10_000; i++) {
    const x = c();
    if (!(x >= 0 && x < 1)) return t.fail(`value ${x} at ${i}`);
  }
  t.pass('10,000 values in [0, 1)');
});

t.test('property: full jitter stays within [0, min(max, base * 2^attempt)) and is an integer', async (t) => {
  const random = seededRandom(0x5eed);
  const failures: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const attempt = randomInt(random, 40);
    const baseMs = 1 + randomInt(random, 5_000);
    const maxMs = baseMs + randomInt(random, 600_000);
    const r = i % 1000 === 0 ? 0 : random();
    const wait = fullJitterMs(attempt, baseMs, maxMs, r);
    const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
    if (!(Number.isInteger(wait) && wait >= 0 && wait < ceiling)) failures.push(`attempt=${attempt} base=${baseMs} max=${maxMs} r=${r} -> ${wait}`);
  }
  t.same(failures.slice(0, 5), [], `${failures.length} of 20,000 out of range`);
});
