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
];
