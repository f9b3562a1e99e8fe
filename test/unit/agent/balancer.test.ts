/**
 * The proxy's Balancer (issue #8), pure with the clock passed in: round-robin, ClientIP affinity
 * with its idle timeout, the endpoints one connection already tried, the backoff of failed
 * endpoints with the fallback when every endpoint backs off, and what update() and expire() keep.
 */
import t from 'tap';
import { Balancer, endpointId } from '../../../agent/services/balancer.js';
import type { ViewEndpoint } from '../../../shared/mqtt/services-view.js';

const A: ViewEndpoint = { ip: '172.17.0.2', port: 8080, node: 'pi-1' };
const B: ViewEndpoint = { ip: '172.17.0.3', port: 8080, node: 'pi-1' };
const C: ViewEndpoint = { ip: '172.17.0.2', port: 8080, node: 'pi-2' };

const BACKOFF = 1_000;
const AFFINITY = 10_000;

function balancer(endpoints: ViewEndpoint[], affinityTimeoutMs?: number): Balancer {
  const options = { backoffMs: BACKOFF, ...(affinityTimeoutMs !== undefined ? { affinityTimeoutMs } : {}) };
  const b = new Balancer(options);
  b.update(endpoints, options);
  return b;
}

/** The ids of `count` picks for `client` at `nowMs`. */
function picks(b: Balancer, count: number, client = '10.0.0.1', nowMs = 0): string[] {
  return Array.from({ length: count }, () => {
    const e = b.pick(client, nowMs);
    return e ? endpointId(e) : 'none';
  });
}

/** The number of client affinities held (the memory expire() exists to bound). */
const affinities = (b: Balancer): number => (b as unknown as { affinity: Map<string, unknown> }).affinity.size;

const id = endpointId;

t.test('endpointId tells apart the same ip:port on two nodes', async (t) => {
  t.equal(id(A), 'pi-1/172.17.0.2:8080');
  t.not(id(A), id(C));
});

t.test('round-robin over the endpoints, in their order, whoever the client', async (t) => {
  const b = balancer([A, B, C]);
  t.equal(b.size, 3);
  t.strictSame(picks(b, 4), [id(A), id(B), id(C), id(A)]);
  t.strictSame([b.pick('10.0.0.7', 0), b.pick('10.0.0.8', 0)].map((e) => id(e!)), [id(B), id(C)], 'without affinity a client does not keep its endpoint');
  t.equal(balancer([]).pick('10.0.0.1', 0), undefined, 'no endpoint: nothing to pick');
});

t.test('ClientIP affinity keeps a client on its endpoint until idle past the timeout', async (t) => {
  const b = balancer([A, B, C], AFFINITY);
  t.equal(id(b.pick('client-x', 0)!), id(A));
  t.equal(id(b.pick('client-y', 0)!), id(B));
  t.strictSame(picks(b, 3, 'client-x', 5_000), [id(A), id(A), id(A)], 'x stays on A');
  t.equal(id(b.pick('client-x', 5_000 + AFFINITY)!), id(A), 'idle exactly the timeout: still A (and the use refreshes it)');
  t.equal(id(b.pick('client-x', 5_000 + 2 * AFFINITY + 1)!), id(C), 'idle past the timeout: the next in turn');
  t.equal(id(b.pick('client-x', 5_000 + 2 * AFFINITY + 2)!), id(C), 'and now sticks to that one');
  t.equal(id(b.pick('client-y', 9_000)!), id(B), 'y kept B all along');
});

t.test('never an endpoint this connection already tried; undefined when all were', async (t) => {
  const b = balancer([A, B, C]);
  t.equal(id(b.pick('c', 0, new Set([id(A)]))!), id(B), 'A is skipped');
  t.equal(id(b.pick('c', 0, new Set([id(C), id(A)]))!), id(B), 'C and A are skipped, B wraps around');
  t.equal(b.pick('c', 0, new Set([id(A), id(B), id(C)])), undefined);

  const sticky = balancer([A, B], AFFINITY);
  t.equal(id(sticky.pick('x', 0)!), id(A));
  t.equal(id(sticky.pick('x', 1, new Set([id(A)]))!), id(B), 'a tried sticky endpoint is not returned');
  t.equal(id(sticky.pick('x', 2)!), id(B), 'the client now sticks to the one that worked');
});

t.test('a failed endpoint is skipped for the backoff, then tried again', async (t) => {
  const b = balancer([A, B, C]);
  b.failed(A, 100);
  t.strictSame(picks(b, 3, 'c', 100), [id(B), id(C), id(B)], 'A is skipped while backing off');
  t.strictSame(picks(b, 1, 'c', 100 + BACKOFF - 1), [id(C)]);
  t.strictSame(picks(b, 3, 'c', 100 + BACKOFF), [id(A), id(B), id(C)], 'back in turn once the backoff is over');

  b.failed(B, 5_000);
  b.succeeded(B);
  t.strictSame(picks(b, 3, 'c', 5_000), [id(A), id(B), id(C)], 'an endpoint that answered is no longer skipped');
});

t.test('when every endpoint backs off, one is tried anyway, in turn', async (t) => {
  const b = balancer([A, B, C]);
  for (const e of [A, B, C]) b.failed(e, 0);
  t.strictSame(picks(b, 4, 'c', 10), [id(A), id(B), id(C), id(A)], 'the Service does not go dark for the backoff');
  t.equal(id(b.pick('c', 10, new Set([id(A)]))!), id(B), 'still never a tried one');
  t.equal(b.pick('c', 10, new Set([id(A), id(B), id(C)])), undefined);

  const mixed = balancer([A, B]);
  mixed.failed(A, 0);
  t.equal(id(mixed.pick('c', 10, new Set([id(B)]))!), id(A), 'the one left backs off: it is tried rather than none');
});

t.test('a failed endpoint loses its clients, for good', async (t) => {
  const b = balancer([A, B, C], AFFINITY);
  t.equal(id(b.pick('x', 0)!), id(A));
  t.equal(id(b.pick('y', 0)!), id(B));
  b.failed(A, 10);
  t.equal(id(b.pick('x', 10 + BACKOFF + 1)!), id(C), 'after the backoff x is not sent back to A: it takes its turn');
  t.equal(id(b.pick('y', 10 + BACKOFF + 1)!), id(B), 'the clients of other endpoints keep theirs');
});

t.test('update keeps the affinities and failure marks of the endpoints that stay', async (t) => {
  const options = { backoffMs: BACKOFF, affinityTimeoutMs: AFFINITY };
  const b = balancer([A, B, C], AFFINITY);
  t.equal(id(b.pick('on-a', 0)!), id(A));
  t.equal(id(b.pick('on-b', 0)!), id(B));
  t.equal(id(b.pick('on-c', 0)!), id(C));
  b.update([B, C], options);
  t.equal(id(b.pick('on-c', 1)!), id(C), 'a client of an endpoint that stays keeps it (its turn would be B)');
  t.equal(id(b.pick('on-a', 2)!), id(B), 'a client of a removed endpoint moves');

  const marks = balancer([A, B, C]);
  marks.failed(A, 0);
  marks.update([A, B, C], { backoffMs: BACKOFF });
  t.notOk(picks(marks, 2, 'c', 1).includes(id(A)), 'A still backs off after an update that keeps it');
  marks.update([B, C], { backoffMs: BACKOFF });
  marks.update([A, B, C], { backoffMs: BACKOFF });
  t.ok(picks(marks, 3, 'c', 2).includes(id(A)), 'A removed and added again starts with a clean slate');
});

t.test('update without affinity drops every affinity; the cursor keeps its place', async (t) => {
  const b = balancer([A, B, C], AFFINITY);
  b.pick('x', 0);
  b.pick('y', 0);
  t.equal(affinities(b), 2);
  b.update([A, B, C], { backoffMs: BACKOFF });
  t.equal(affinities(b), 0, 'affinity turned off');
  t.strictSame(picks(b, 2, 'x', 1), [id(C), id(A)], 'the cursor kept its place in a list that still has it');

  const c = balancer([A, B, C]);
  picks(c, 2);
  c.update([B], { backoffMs: BACKOFF });
  t.strictSame(picks(c, 2), [id(B), id(B)], 'a shorter list picks from what is left');
});

t.test('expire drops the affinities idle past the timeout and keeps the others', async (t) => {
  const b = balancer([A, B, C], AFFINITY);
  b.pick('old', 0);
  b.pick('fresh', 5_000);
  b.expire(AFFINITY + 1);
  t.equal(affinities(b), 1, 'the idle one is gone');
  t.equal(id(b.pick('fresh', AFFINITY + 2)!), id(B), 'the fresh one still sticks');
  b.expire(AFFINITY + 2 + AFFINITY);
  t.equal(affinities(b), 1, 'idle exactly the timeout is kept');
  b.expire(AFFINITY + 2 + AFFINITY + 1);
  t.equal(affinities(b), 0);
});
