/**
 * Numbered schema migrations for the hub's PostgreSQL store (postgres-store.ts), the same facts
 * as sqlite-migrations.ts in PostgreSQL's types, plus the change log that other hubs read their
 * watch events from. Append only: a released migration is never edited. They run in one
 * transaction under an advisory lock, so hubs starting together migrate once.
 *
 * Names and namespaces sort by bytes (COLLATE "C"), as in SQLite and as Kubernetes lists them,
 * whatever locale the database was created with.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  // 1: objects, the global revision, the change log, and the hub's other records.
  `CREATE TABLE objects (
     resource TEXT COLLATE "C" NOT NULL,   -- "apps/deployments", "/pods" (group/plural)
     namespace TEXT COLLATE "C" NOT NULL,  -- '' for cluster-scoped objects
     name TEXT COLLATE "C" NOT NULL,
     uid TEXT NOT NULL,
     resource_version BIGINT NOT NULL,
     data TEXT NOT NULL,                   -- the object as JSON (sealed for Secrets)
     PRIMARY KEY (resource, namespace, name)
   );
   CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL);
   INSERT INTO revision (id, value) VALUES (1, 0);
   -- Every committed write, in revision order: each hub emits its change events from here.
   CREATE TABLE changes (
     revision BIGINT PRIMARY KEY,
     type TEXT NOT NULL,                   -- ADDED, MODIFIED, DELETED
     resource TEXT NOT NULL,
     namespace TEXT NOT NULL,
     name TEXT NOT NULL,
     data TEXT NOT NULL,                   -- the object as written (as deleted, for DELETED)
     previous TEXT,                        -- MODIFIED: the object before the write
     committed_at TIMESTAMPTZ NOT NULL DEFAULT now()
   );
   CREATE TABLE node_credentials (
     node TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT,
     previous_password_hash TEXT,
     previous_expires_at TEXT
   );
   CREATE TABLE bootstrap_tokens (
     id TEXT PRIMARY KEY,
     secret_hash TEXT NOT NULL,
     description TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT,
     usage_count INTEGER NOT NULL DEFAULT 0,
     last_used_at TEXT
   );
   CREATE TABLE service_account_tokens (
     token_hash TEXT PRIMARY KEY,
     namespace TEXT NOT NULL,
     name TEXT NOT NULL,
     uid TEXT NOT NULL,
     expires_at TEXT NOT NULL
   );
   CREATE INDEX service_account_tokens_expiry ON service_account_tokens (expires_at);
   CREATE TABLE dispatch (
     node TEXT PRIMARY KEY,
     generation BIGINT NOT NULL,
     content_hash TEXT NOT NULL
   );`,
  // 2: the leader lease several hubs on one database elect their leader with (hub/leader/).
  `CREATE TABLE leader_leases (
     name TEXT PRIMARY KEY,                -- what is led: 'controllers'
     holder TEXT NOT NULL,                 -- the hub holding it (hostname, pid and a random part)
     fencing BIGINT NOT NULL,              -- +1 at every change of holder; leader-only writes carry it
     acquired_at TIMESTAMPTZ NOT NULL,
     renewed_at TIMESTAMPTZ NOT NULL,
     expires_at TIMESTAMPTZ NOT NULL       -- the database's clock: hubs' clocks may disagree
   );`,
];
