/**
 * The hub's store behind one small interface (style.md lesson 6): SQLite now, PostgreSQL later
 * (issue #11) as another implementation passing the same contract tests
 * (test/unit/hub/store-contract.ts). Methods are async so that a networked backend fits.
 *
 * Semantics follow Kubernetes' storage layer: one global, monotonically increasing revision;
 * every write gets the next one as its resourceVersion; optimistic concurrency on update.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';

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
  /** scrypt hash of the node's MQTT password, "salt:hash" in hex. */
  passwordHash: string;
  createdAt: string;
}

export interface DispatchRecord {
  node: string;
  generation: number;
  contentHash: string;
}

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
  /** Removes an object; returns it, or undefined when it was not there. */
  delete(resource: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** The newest revision written (the resourceVersion of a list). */
  revision(): Promise<number>;
  /** Called after each committed write, in commit order. Returns an unsubscribe function. */
  onChange(listener: ChangeListener): () => void;

  putNodeCredential(credential: NodeCredential): Promise<void>;
  getNodeCredential(node: string): Promise<NodeCredential | undefined>;
  deleteNodeCredential(node: string): Promise<void>;

  getDispatch(node: string): Promise<DispatchRecord | undefined>;
  putDispatch(record: DispatchRecord): Promise<void>;

  close(): Promise<void>;
}
