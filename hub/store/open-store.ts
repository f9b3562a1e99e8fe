/**
 * Opens the hub's store on the datastore its endpoint names (datastore-endpoint.ts). Each
 * backend is imported only when chosen: a SQLite hub never loads the PostgreSQL client.
 */
import type { Logger } from '../../shared/log.js';
import type { Datastore } from './datastore-endpoint.js';
import type { ChangeFeedOptions } from './postgres-change-feed.js';
import type { SecretEncryption } from './secret-encryption.js';
import type { Store, WriteAdmission } from './store.js';
import { SoleLeader, type Leadership } from '../leader/leadership.js';
import type { LeaseLog, LeaseTiming, PostgresLeaderLease, WriteFence } from '../leader/postgres-lease.js';

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

interface ElectingStore extends Store {
  leaderLease(log: LeaseLog, timing?: LeaseTiming): PostgresLeaderLease;
  fenced(fence: WriteFence): Store;
}

function isElectingStore(store: Store): store is ElectingStore {
  return typeof (store as Partial<ElectingStore>).leaderLease === 'function';
}

/**
 * The leadership of this hub, and the store its leader-only parts write through: on PostgreSQL
 * an election among every hub on the database, with writes fenced by the lease; on SQLite this
 * hub alone, unfenced.
 */
export function electLeader(store: Store, log: LeaseLog, timing?: LeaseTiming): { leadership: Leadership; leaderStore: Store } {
  if (!isElectingStore(store)) return { leadership: new SoleLeader(), leaderStore: store };
  const lease = store.leaderLease(log, timing);
  return { leadership: lease, leaderStore: store.fenced(lease) };
}
