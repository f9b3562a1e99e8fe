import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import t from 'tap';
import type { DesiredState } from '../../../shared/mqtt/messages.js';
import { SqliteAgentStore } from '../../../agent/store/sqlite-agent-store.js';
import { MIGRATIONS } from '../../../agent/store/migrations.js';
import { pod } from './fixtures/builders.js';

function tempFile(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-agent-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'agent.db');
}

const state = (generation: number, pods = [pod('web')]): DesiredState => ({ schema: 1, node: 'n', generation, pods });

t.test('the file is WAL with synchronous=FULL and migrated to the latest version', async (t) => {
  const file = tempFile(t);
  new SqliteAgentStore(file).close();
  const db = new Database(file);
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  db.close();
  new SqliteAgentStore(file).close(); // migrating an up-to-date file is a no-op
  t.pass('reopened');
});

t.test('a desired state is stored only if its generation is newer, and survives a reopen', async (t) => {
  const file = tempFile(t);
  const store = new SqliteAgentStore(file);
  t.equal(store.loadDesired(), undefined);
  t.ok(store.saveDesired(state(3)));
  t.notOk(store.saveDesired(state(3, [])), 'same generation ignored');
  t.notOk(store.saveDesired(state(2, [])), 'older generation ignored');
  t.ok(store.saveDesired(state(4, [pod('a'), pod('b')])));
  store.close();
  const reopened = new SqliteAgentStore(file);
  t.same(reopened.loadDesired(), state(4, [pod('a'), pod('b')]));
  reopened.close();
});

t.test('container history round-trips and is pruned by pod uid', async (t) => {
  const file = tempFile(t);
  const store = new SqliteAgentStore(file);
  const terminated = { exitCode: 137, reason: 'OOMKilled', containerID: 'docker://x' };
  store.putHistory('uid-a/main', { attempts: 3, backoffStreak: 2, lastContainerId: 'x', lastHash: 'h', lastStartedAtMs: 5, lastTerminated: terminated });
  store.putHistory('uid-a/side', { attempts: 1, backoffStreak: 0 });
  store.putHistory('uid-b/main', { attempts: 1, backoffStreak: 0 });
  const killed = { attempts: 2, backoffStreak: 1, lastTerminated: terminated, previousTerminated: { ...terminated, containerID: 'docker://w' }, lastKilledByProbe: true };
  store.putHistory('uid-c/main', killed);
  store.close();
  const reopened = new SqliteAgentStore(file);
  t.same(reopened.history().get('uid-a/main'), { attempts: 3, backoffStreak: 2, lastContainerId: 'x', lastHash: 'h', lastStartedAtMs: 5, lastTerminated: terminated });
  t.same(reopened.history().get('uid-a/side'), { attempts: 1, backoffStreak: 0 });
  t.same(reopened.history().get('uid-c/main'), killed, 'the probe kill and the attempt before the last survive a restart');
  t.equal(reopened.pruneHistory(new Set(['uid-a'])), 2);
  t.same([...reopened.history().keys()].sort(), ['uid-a/main', 'uid-a/side']);
  reopened.close();
  const again = new SqliteAgentStore(file);
  t.equal(again.history().size, 2, 'pruning is persistent');
  again.close();
});

t.test('report sequence numbers keep increasing across restarts', async (t) => {
  const file = tempFile(t);
  let store = new SqliteAgentStore(file);
  const first = [store.nextSeq(), store.nextSeq(), store.nextSeq()];
  t.same(first, [1, 2, 3]);
  store.close();
  store = new SqliteAgentStore(file);
  const next = store.nextSeq();
  t.ok(next > 3, `after a restart: ${next}`);
  store.close();
});

t.test('evicted pods survive a restart until forgotten', async (t) => {
  const file = tempFile(t);
  const store = new SqliteAgentStore(file);
  t.equal(store.evictedPods().size, 0);
  const evicted = {
    uid: 'uid-a',
    namespace: 'default',
    name: 'a',
    message: 'The node was low on resource: memory. ',
    evictedAt: '2030-01-01T00:00:00.000Z',
    containers: [{ name: 'web', terminated: { exitCode: 137, reason: 'Error' }, restartCount: 0, imageID: 'sha256:x' }],
  };
  store.putEvictedPod({ ...evicted, containers: [] });
  store.putEvictedPod(evicted); // the same Pod again: its containers, once stopped
  store.putEvictedPod({ ...evicted, uid: 'uid-b', name: 'b' });
  store.close();
  const reopened = new SqliteAgentStore(file);
  t.same(reopened.evictedPods().get('uid-a'), evicted);
  t.same([...reopened.evictedPods().keys()].sort(), ['uid-a', 'uid-b']);
  t.equal(reopened.forgetEvictedPods(new Set(['uid-b'])), 1);
  t.equal(reopened.forgetEvictedPods(new Set(['uid-b'])), 0);
  reopened.close();
  const again = new SqliteAgentStore(file);
  t.same([...again.evictedPods().keys()], ['uid-b'], 'forgetting is persistent');
  again.close();
});

t.test('a file from before evictions (schema 2) is migrated and keeps its desired state', async (t) => {
  const file = tempFile(t);
  const db = new Database(file);
  for (const migration of MIGRATIONS.slice(0, 2)) db.exec(migration);
  db.pragma('user_version = 2');
  db.prepare('INSERT INTO desired_state (id, generation, payload, stored_at) VALUES (1, ?, ?, ?)').run(5, JSON.stringify(state(5)), '2030-01-01T00:00:00Z');
  db.close();
  const store = new SqliteAgentStore(file);
  t.same(store.loadDesired(), state(5));
  t.equal(store.evictedPods().size, 0);
  store.putEvictedPod({ uid: 'u', namespace: 'default', name: 'p', message: 'm', evictedAt: '2030-01-01T00:00:00.000Z', containers: [] });
  store.close();
  const check = new Database(file);
  t.equal(check.pragma('user_version', { simple: true }), MIGRATIONS.length);
  check.close();
});

t.test('the outbox lives in the same file, and what it holds survives a reopen of the store', async (t) => {
  const file = tempFile(t);
  const log = pino({ level: 'silent' });
  const store = new SqliteAgentStore(file);
  const outbox = store.openOutbox({ maxBytes: 1024 * 1024, flushIntervalMs: 60_000, log });
  outbox.enqueue('events', { reason: 'Started' });
  outbox.stop();
  store.close();
  const reopened = new SqliteAgentStore(file);
  t.teardown(() => reopened.close());
  const again = reopened.openOutbox({ maxBytes: 1024 * 1024, flushIntervalMs: 60_000, log });
  t.equal(again.stream, outbox.stream);
  const sent: unknown[] = [];
  await again.deliver('events', 10, async (items) => void sent.push(...items));
  t.same(sent, [{ seq: 1, value: { reason: 'Started' } }]);
});
