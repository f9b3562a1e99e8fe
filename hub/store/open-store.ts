/**
 * Opens the hub's store on the datastore its endpoint names (datastore-endpoint.ts). Each
 * backend is imported only when chosen: a SQLite hub never loads the PostgreSQL client.
 */
import type { Logger } from '../../shared/log.js';
import type { Datastore } from './datastore-endpoint.js';
import type { ChangeFeedOptions } from './postgres-change-feed.js';
import type { SecretEncryption } from './secret-encryption.js';
import type { Store, WriteAdmission } from './store.js';

export interface OpenStoreOptions {
  secretEncryption?: SecretEncryption;
  admission?: WriteAdmission;
  logger: Logger;
  /** PostgreSQL: the change log's settings, and what to do when this hub fell behind its compaction. */
  feed?: ChangeFeedOptions;
}

export async function openStore(datastore: Datastore, options: OpenStoreOptions): Promise<Store> {
  const common = {
    ...(options.secretEncryption ? { secretEncryption: options.secretEncryption } : {}),
    ...(options.admission ? { admission: options.admission } : {}),
  };
  if (datastore.kind === 'sqlite') {
    const { SqliteStore } = await import('./sqlite-store.js');
    return new SqliteStore(datastore.file, common);
  }
  const { PostgresStore } = await import('./postgres-store.js');
  const log = options.logger.child({ component: 'datastore' });
  return PostgresStore.open(datastore.url, { ...common, log, ...(options.feed ? { feed: options.feed } : {}) });
}
