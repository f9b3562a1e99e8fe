/**
 * The hub's store behind one small interface (style.md lesson 6): SQLite (sqlite-store.ts) or
 * PostgreSQL (postgres-store.ts, issue #11), both passing the same contract tests
 * (test/unit/hub/store-contract.ts). Methods are async so that a networked backend fits.
 *
 * Semantics follow Kubernetes' storage layer: one global, monotonically increasing revision;
 * every write gets the next one as its resourceVersion; optimistic concurrency on update.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';
import type { SkiffError } from '../../shared/errors.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  type: ChangeType;
  resource: ResourceType;
  object: KubeObject;
  /** For MODIFIED: the object before the write. */
  previous?: KubeObject;
}

export type ChangeListener = (change: Change) => void;

export interface NodeCredential {
  node: string;
  /** Hash of the node's MQTT password: "sha256:<hex>", or "salt:scrypt" in hex from hubs before issue #7 (verified until the next renewal). */
  passwordHash: string;
  createdAt: string;
  /** RFC 3339; absent: never expires (credentials issued before expiry existed). */
  expiresAt?: string;
  /** After a renewal, the replaced password's hash, accepted until previousExpiresAt (hub/identity/node-credentials.ts). */
  previousPasswordHash?: string;
  previousExpiresAt?: string;
}

/** A bootstrap join token (`skiff token create`); only a SHA-256 of its secret is kept. */
export interface BootstrapToken {
  id: string;
  /** sha256 hex of the secret. */
  secretHash: string;
  description: string;
  createdAt: string;
  /** RFC 3339; absent: never expires. */
  expiresAt?: string;
  usageCount: number;
  lastUsedAt?: string;
}

/** A ServiceAccount token issued by TokenRequest; the token itself is never stored. */
export interface ServiceAccountToken {
  /** SHA-256 hex of the bearer token. */
  tokenHash: string;
  namespace: string;
  name: string;
  /** uid of the ServiceAccount it was issued for. */
  uid: string;
  /** RFC 3339. */
  expiresAt: string;
}

/** What the hub last published on a retained topic: per node, or for a fleet topic (services-publisher.ts). */
export interface DispatchRecord {
  /** A node's name, or a key that can never be one (it holds a '/'), such as 'fleet/services'. */
  node: string;
  generation: number;
  contentHash: string;
}

/**
 * A step run inside the store's write transaction, before a create or update is written: it sees
 * the object as it will be stored (and the stored one, on update), may read other objects of the
 * same transaction, and returns the object to write or throws (nothing is written). This is where
 * values that must be unique across objects are chosen, as Services' clusterIPs and nodePorts
 * (hub/objects/service-allocation.ts): two writes at once can never pick the same one.
 * `admit` is synchronous, so that no other write interleaves; the resources it may list are
 * declared by `reads`, so that a networked store (PostgreSQL) reads them inside the transaction
 * first, after it has taken the write lock.
 */
export interface WriteAdmission {
  /** The resources `admit` may list when `resource` is written (none: it reads nothing). */
  reads(resource: ResourceType): readonly ResourceType[];
  admit(write: {
    resource: ResourceType;
    object: KubeObject;
    previous: KubeObject | undefined;
    /** Every stored object of a resource `reads` declared, as this transaction sees it. */
    list(resource: ResourceType): KubeObject[];
  }): KubeObject;
}

/** One write of a batch (Store.writeBatch): a create or an update, with the same checks as alone. */
export interface BatchWrite {
  type: 'create' | 'update';
  resource: ResourceType;
  object: KubeObject;
}

/** What one write of a batch came to: the stored object, or why it was not written. */
export type BatchOutcome = { object: KubeObject; error?: undefined } | { object?: undefined; error: SkiffError };

export interface Store {
  get(resource: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** All objects of a resource, in one namespace or (undefined) in all, ordered by namespace and name. */
  list(resource: ResourceType, namespace?: string): Promise<KubeObject[]>;
  /**
   * Stores a new object: sets uid, creationTimestamp, generation 1 and resourceVersion.
   * Throws SKIFF_ERR_ALREADY_EXISTS.
   */
  create(resource: ResourceType, object: KubeObject): Promise<KubeObject>;
  /**
   * Replaces an object. When `object.metadata.resourceVersion` is set it must match the stored
   * one (else SKIFF_ERR_CONFLICT). uid and creationTimestamp are kept from the stored object.
   * Throws SKIFF_ERR_NOT_FOUND.
   */
  update(resource: ResourceType, object: KubeObject): Promise<KubeObject>;
  /**
   * Several creates and updates committed together (one fsync instead of one each), for writers
   * that have many at once, as the scheduler's binds. Each write is checked as `create` or
   * `update` alone would check it; one that fails (SKIFF_ERR_ALREADY_EXISTS, _NOT_FOUND,
   * _CONFLICT, ...) writes nothing and has its error in its outcome, the others still commit.
   * Outcomes are in the order of `writes`; change events follow the commit, in that order.
   * Any other failure (the database itself) writes none of them and rejects.
   */
  writeBatch(writes: readonly BatchWrite[]): Promise<BatchOutcome[]>;
  /** Removes an object; returns it, or undefined when it was not there. */
  delete(resource: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** The newest revision written (the resourceVersion of a list). */
  revision(): Promise<number>;
  /** Called after each committed write, in commit order. Returns an unsubscribe function. */
  onChange(listener: ChangeListener): () => void;

  putNodeCredential(credential: NodeCredential): Promise<void>;
  getNodeCredential(node: string): Promise<NodeCredential | undefined>;
  deleteNodeCredential(node: string): Promise<void>;
  /**
   * Replaces a node's credential only if its current password hash is still `expectedPasswordHash`
   * (a renewal must not bring back a credential deleted, or replaced, meanwhile). False otherwise.
   */
  swapNodeCredential(credential: NodeCredential, expectedPasswordHash: string): Promise<boolean>;

  /** Inserts a bootstrap token; an id already taken throws SKIFF_ERR_ALREADY_EXISTS. */
  createBootstrapToken(token: BootstrapToken): Promise<void>;
  getBootstrapToken(id: string): Promise<BootstrapToken | undefined>;
  /** All bootstrap tokens, ordered by creation time. */
  listBootstrapTokens(): Promise<BootstrapToken[]>;
  /** Removes a token; false when there was none with that id. */
  deleteBootstrapToken(id: string): Promise<boolean>;
  /** Counts one successful join with the token. */
  recordBootstrapTokenUse(id: string, at: string): Promise<void>;

  putServiceAccountToken(token: ServiceAccountToken): Promise<void>;
  getServiceAccountToken(tokenHash: string): Promise<ServiceAccountToken | undefined>;
  /** Drops tokens expired at `now` (RFC 3339, as toISOString writes it); returns how many. */
  deleteExpiredServiceAccountTokens(now: string): Promise<number>;

  getDispatch(node: string): Promise<DispatchRecord | undefined>;
  putDispatch(record: DispatchRecord): Promise<void>;

  close(): Promise<void>;
}
