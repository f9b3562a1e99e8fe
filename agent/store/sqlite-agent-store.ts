/**
 * The agent's SQLite file (better-sqlite3, synchronous): WAL for crash safety without blocking
 * readers, synchronous=FULL so that an accepted desired state survives a power cut (a Pi's usual
 * way to stop). History and evicted Pods are cached in memory and written through; a history
 * write the disk refuses (full, read-only) stays in memory and goes out with the next write, so a
 * full disk never stops the agent restarting containers (SQLite rolls the failed transaction
 * back: the file stays consistent). The report sequence is reserved in blocks so that heartbeats
 * do not fsync the SD card every few seconds.
 * The outbox of events and metrics (agent/outbox/outbox.ts) lives in the same file.
 * Secret data in the desired state is stored sealed under the key in `secret.key` beside the file
 * (config/secret-box.ts): the database alone gives no Secret away.
 */
import type Database from 'better-sqlite3';
import { dirname, join } from 'node:path';
import { AGENT_FILES } from '../../shared/defaults.js';
import { SecretBox } from '../config/secret-box.js';
import { openDesired, sealDesired } from './sealed-config.js';
import { openDurableDatabase } from '../../shared/sqlite.js';
import type { ContainerStateTerminated } from '../../shared/api/status-types.js';
import type { DesiredState } from '../../shared/mqtt/messages.js';
import type { ServicesView } from '../../shared/mqtt/services-view.js';
import type { ContainerHistory } from '../reconcile/history.js';
import type { EvictedPod, EvictionStore } from '../eviction/evicted-pods.js';
import type { AgentStore } from './agent-store.js';
import { MIGRATIONS } from './migrations.js';
import { Outbox, type OutboxOptions } from '../outbox/outbox.js';

const SEQ_COUNTER = 'report_seq';
const SEQ_BLOCK = 1000;

interface HistoryRow {
  pod_uid: string;
  container: string;
  attempts: number;
  last_container_id: string | null;
  last_hash: string | null;
  started_at_ms: number | null;
  last_terminated: string | null;
  backoff_streak: number;
  last_killed_by_probe: number;
  previous_terminated: string | null;
}

function splitKey(key: string): [string, string] {
  const slash = key.lastIndexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

export class SqliteAgentStore implements AgentStore, EvictionStore {
  private readonly db: Database.Database;
  private readonly cache = new Map<string, ContainerHistory>();
  private readonly evicted = new Map<string, EvictedPod>();
  private seq = 0;
  private seqReservedUpTo = 0;
  /** History keys whose row (or its deletion) the disk has not taken yet. */
  private readonly unwrittenHistory = new Set<string>();
  private historyWriteFailing = false;
  /**
   * Told when history writes start failing (with the error) and when they work again (undefined):
   * once per change, for the agent's log.
   */
  onHistoryWrite: ((err: unknown) => void) | undefined;

  /** `secrets`: the sealing key; by default the one in secret.key beside `file` (created when absent). */
  constructor(
    file: string,
    private readonly secrets: SecretBox = SecretBox.fromKeyFile(join(dirname(file), AGENT_FILES.secretKey)),
  ) {
    this.db = openDurableDatabase(file, MIGRATIONS);
    for (const row of this.db.prepare('SELECT * FROM container_history').all() as HistoryRow[]) {
      this.cache.set(`${row.pod_uid}/${row.container}`, {
        attempts: row.attempts,
        backoffStreak: row.backoff_streak,
        ...(row.last_container_id !== null ? { lastContainerId: row.last_container_id } : {}),
        ...(row.last_hash !== null ? { lastHash: row.last_hash } : {}),
        ...(row.started_at_ms !== null ? { lastStartedAtMs: row.started_at_ms } : {}),
        ...(row.last_terminated !== null ? { lastTerminated: JSON.parse(row.last_terminated) as ContainerStateTerminated } : {}),
        ...(row.last_killed_by_probe ? { lastKilledByProbe: true } : {}),
        ...(row.previous_terminated !== null ? { previousTerminated: JSON.parse(row.previous_terminated) as ContainerStateTerminated } : {}),
      });
    }
    for (const row of this.db.prepare('SELECT record FROM evicted_pods').all() as Array<{ record: string }>) {
      const pod = JSON.parse(row.record) as EvictedPod;
      this.evicted.set(pod.uid, pod);
    }
    const stored = this.db.prepare('SELECT value FROM counters WHERE name = ?').get(SEQ_COUNTER) as { value: number } | undefined;
    this.seq = stored?.value ?? 0;
    this.seqReservedUpTo = this.seq;
  }

  loadDesired(): DesiredState | undefined {
    const row = this.db.prepare('SELECT payload FROM desired_state WHERE id = 1').get() as { payload: string } | undefined;
    return row ? openDesired(JSON.parse(row.payload) as DesiredState, this.secrets) : undefined;
  }

  saveDesired(state: DesiredState): boolean {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT generation FROM desired_state WHERE id = 1').get() as { generation: number } | undefined;
      if (row && state.generation <= row.generation) return false;
      this.db
        .prepare('INSERT OR REPLACE INTO desired_state (id, generation, payload, stored_at) VALUES (1, ?, ?, ?)')
        .run(state.generation, JSON.stringify(sealDesired(state, this.secrets)), new Date().toISOString());
      return true;
    })();
  }

  /** The last stored Services view, or undefined before the first. */
  loadServicesView(): ServicesView | undefined {
    const row = this.db.prepare('SELECT payload FROM services_view WHERE id = 1').get() as { payload: string } | undefined;
    return row ? (JSON.parse(row.payload) as ServicesView) : undefined;
  }

  /** Stores `view` if its generation is newer than the stored one; false when it is not. */
  saveServicesView(view: ServicesView): boolean {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT generation FROM services_view WHERE id = 1').get() as { generation: number } | undefined;
      if (row && view.generation <= row.generation) return false;
      this.db.prepare('INSERT OR REPLACE INTO services_view (id, generation, payload, stored_at) VALUES (1, ?, ?, ?)').run(view.generation, JSON.stringify(view), new Date().toISOString());
      return true;
    })();
  }

  history(): ReadonlyMap<string, ContainerHistory> {
    return this.cache;
  }

  putHistory(key: string, history: ContainerHistory): void {
    this.cache.set(key, history);
    this.unwrittenHistory.add(key);
    this.writeHistory();
  }

  pruneHistory(keepPodUids: ReadonlySet<string>): number {
    const gone = [...this.cache.keys()].filter((key) => !keepPodUids.has(splitKey(key)[0]));
    if (gone.length === 0) return 0;
    for (const key of gone) {
      this.cache.delete(key);
      this.unwrittenHistory.add(key);
    }
    this.writeHistory();
    return gone.length;
  }

  /** Writes every history row (and deletion) not on disk yet, in one transaction; keeps them on failure. */
  private writeHistory(): void {
    const upsert = this.db.prepare(
      `INSERT OR REPLACE INTO container_history
         (pod_uid, container, attempts, last_container_id, last_hash, started_at_ms, last_terminated, backoff_streak, last_killed_by_probe, previous_terminated)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const remove = this.db.prepare('DELETE FROM container_history WHERE pod_uid = ? AND container = ?');
    try {
      this.db.transaction(() => {
        for (const key of this.unwrittenHistory) {
          const [podUid, container] = splitKey(key);
          const history = this.cache.get(key);
          if (!history) {
            remove.run(podUid, container);
            continue;
          }
          upsert.run(
            podUid,
            container,
            history.attempts,
            history.lastContainerId ?? null,
            history.lastHash ?? null,
            history.lastStartedAtMs ?? null,
            history.lastTerminated ? JSON.stringify(history.lastTerminated) : null,
            history.backoffStreak,
            history.lastKilledByProbe ? 1 : 0,
            history.previousTerminated ? JSON.stringify(history.previousTerminated) : null,
          );
        }
      })();
      this.unwrittenHistory.clear();
      if (this.historyWriteFailing) {
        this.historyWriteFailing = false;
        this.onHistoryWrite?.(undefined);
      }
    } catch (err) {
      // Kept in memory (the agent goes on restarting containers); written with the next change.
      if (!this.historyWriteFailing) {
        this.historyWriteFailing = true;
        this.onHistoryWrite?.(err);
      }
    }
  }

  evictedPods(): ReadonlyMap<string, EvictedPod> {
    return this.evicted;
  }

  putEvictedPod(pod: EvictedPod): void {
    this.db.prepare('INSERT OR REPLACE INTO evicted_pods (pod_uid, evicted_at, record) VALUES (?, ?, ?)').run(pod.uid, pod.evictedAt, JSON.stringify(pod));
    this.evicted.set(pod.uid, pod);
  }

  forgetEvictedPods(keepUids: ReadonlySet<string>): number {
    const gone = [...this.evicted.keys()].filter((uid) => !keepUids.has(uid));
    if (gone.length === 0) return 0;
    const del = this.db.prepare('DELETE FROM evicted_pods WHERE pod_uid = ?');
    this.db.transaction(() => {
      for (const uid of gone) del.run(uid);
    })();
    for (const uid of gone) this.evicted.delete(uid);
    return gone.length;
  }

  nextSeq(): number {
    this.seq += 1;
    if (this.seq > this.seqReservedUpTo) {
      this.seqReservedUpTo = this.seq + SEQ_BLOCK - 1;
      // Reserve a block: after a crash the agent resumes above it, so seq never goes backwards.
      this.db.prepare('INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)').run(SEQ_COUNTER, this.seqReservedUpTo);
    }
    return this.seq;
  }

  /** The outbox of reports, in this same file (one fsync path, one file to back up). */
  openOutbox(options: OutboxOptions): Outbox {
    return new Outbox(this.db, options);
  }

  close(): void {
    this.db.close();
  }
}
