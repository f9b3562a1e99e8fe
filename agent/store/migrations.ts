/**
 * Numbered migrations of the agent's SQLite file; PRAGMA user_version holds the last one applied.
 * Append only: never edit a migration that has shipped, add the next number instead.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the last accepted desired state, per-container history, counters.
  `CREATE TABLE desired_state (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     generation INTEGER NOT NULL,
     payload TEXT NOT NULL,
     stored_at TEXT NOT NULL
   );
   CREATE TABLE container_history (
     pod_uid TEXT NOT NULL,
     container TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     last_container_id TEXT,
     last_hash TEXT,
     started_at_ms INTEGER,
     last_terminated TEXT,
     backoff_streak INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (pod_uid, container)
   );
   CREATE TABLE counters (
     name TEXT PRIMARY KEY,
     value INTEGER NOT NULL
   );`,
  // 2: whether the latest attempt was killed by a failed liveness/startup probe (restarts even under
  // OnFailure), and how the attempt before it ended (lastState while the latest one still shows).
  `ALTER TABLE container_history ADD COLUMN last_killed_by_probe INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE container_history ADD COLUMN previous_terminated TEXT;`,
  // 3: Pods this node evicted (agent/eviction): never run again, reported Failed until the hub
  // deletes them, also after an agent restart. `record` is the EvictedPod as JSON.
  `CREATE TABLE evicted_pods (
     pod_uid TEXT PRIMARY KEY,
     evicted_at TEXT NOT NULL,
     record TEXT NOT NULL
   );`,
  // 4: the outbox of reports (agent/outbox/): events and metrics samples not yet acknowledged by the
  // broker, one row each, oldest seq first. `bytes` is what the row counts against --outbox-max-bytes.
  `CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY,
     channel TEXT NOT NULL,
     bytes INTEGER NOT NULL,
     body TEXT NOT NULL
   );
   CREATE INDEX outbox_by_channel ON outbox (channel, seq);`,
  // 5: the last Services view from the hub (shared/mqtt/services-view.ts), so the proxy keeps its
  // endpoints across a restart without the hub. One row, replaced only by a newer generation.
  `CREATE TABLE services_view (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     generation INTEGER NOT NULL,
     payload TEXT NOT NULL,
     stored_at TEXT NOT NULL
   );`,
];
