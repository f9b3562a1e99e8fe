/**
 * Numbered schema migrations for the hub's SQLite store. Append only: a released migration is
 * never edited, so that every older database file upgrades along the same path.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: objects with a global revision counter, node credentials, per-node dispatch generations.
  `CREATE TABLE objects (
     resource TEXT NOT NULL,          -- "apps/deployments", "/pods" (group/plural)
     namespace TEXT NOT NULL,         -- '' for cluster-scoped objects
     name TEXT NOT NULL,
     uid TEXT NOT NULL,
     resource_version INTEGER NOT NULL,
     data TEXT NOT NULL,              -- the object as JSON
     PRIMARY KEY (resource, namespace, name)
   ) WITHOUT ROWID;
   CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
   INSERT INTO revision (id, value) VALUES (1, 0);
   CREATE TABLE node_credentials (
     node TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE dispatch (
     node TEXT PRIMARY KEY,
     generation INTEGER NOT NULL,
     content_hash TEXT NOT NULL
   );`,
  // 2: expiring node credentials (with the previous password's overlap) and bootstrap join tokens.
  `ALTER TABLE node_credentials ADD COLUMN expires_at TEXT;
   ALTER TABLE node_credentials ADD COLUMN previous_password_hash TEXT;
   ALTER TABLE node_credentials ADD COLUMN previous_expires_at TEXT;
   CREATE TABLE bootstrap_tokens (
     id TEXT PRIMARY KEY,
     secret_hash TEXT NOT NULL,       -- sha256 hex of the secret (high entropy: a fast hash is right)
     description TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT,                 -- NULL: never expires (--ttl 0)
     usage_count INTEGER NOT NULL DEFAULT 0,
     last_used_at TEXT
   );`,
  // 3: ServiceAccount tokens from TokenRequest, kept only as SHA-256 (high-entropy tokens).
  `CREATE TABLE service_account_tokens (
     token_hash TEXT PRIMARY KEY,     -- sha256 hex of the bearer token
     namespace TEXT NOT NULL,
     name TEXT NOT NULL,
     uid TEXT NOT NULL,               -- the ServiceAccount's uid: a recreated account does not inherit tokens
     expires_at TEXT NOT NULL
   );
   CREATE INDEX service_account_tokens_expiry ON service_account_tokens (expires_at);`,
];
