/**
 * The hub's watch cache, after kube-apiserver's (k8s.io/apiserver/pkg/storage/cacher/watch_cache.go):
 * a bounded ring of the most recent committed changes, so that a watch can resume from a
 * resourceVersion: the changes after it are replayed from the ring, then live ones follow.
 * One ring serves every resource (the store has one global revision), and it is pure: the
 * store feeds it (`add`), watchers subscribe to it; no I/O, no clock.
 */
import { SkiffError } from '../../shared/errors.js';
import type { Change } from '../store/store.js';

/** A committed change with the revision it was committed at (its object's resourceVersion). */
export interface CachedChange extends Change {
  revision: number;
}

export type CachedChangeListener = (change: CachedChange) => void;

export type Replay = { ok: true; changes: CachedChange[] } | { ok: false; error: SkiffError };

/**
 * kube-apiserver keeps 100 events per resource by default; Skiff keeps one ring for all kinds,
 * so it is larger. Node heartbeats write about one change per node every 10 s: at 2,000 a
 * 30-node fleet still resumes a watch that was away for ~10 minutes.
 */
export const DEFAULT_WATCH_CACHE_CAPACITY = 2_000;

export function revisionOf(change: Change): number {
  return Number(change.object.metadata.resourceVersion);
}

export class WatchCache {
  private readonly ring: Array<CachedChange | undefined>;
  /** Index of the oldest change in the ring, and how many there are. */
  private start = 0;
  private size = 0;
  /**
   * Every change committed after this revision is in the ring. Unknown until the first change
   * arrives: until then nothing was committed since the cache started, so the store's current
   * revision is the floor.
   */
  private floor: number | undefined;
  /** The newest revision added: the next change must be the one after it, or some were missed. */
  private newest: number | undefined;
  private readonly listeners = new Map<CachedChangeListener, ((from: number, to: number) => void) | undefined>();

  constructor(readonly capacity: number = DEFAULT_WATCH_CACHE_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new SkiffError('SKIFF_ERR_CONFIG', `watch cache capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<CachedChange | undefined>(capacity);
  }

  /** Records one committed change (called in commit order) and hands it to every subscriber. */
  add(change: Change): void {
    const cached: CachedChange = { ...change, revision: revisionOf(change) };
    if (this.newest !== undefined && cached.revision > this.newest + 1) this.restartAfterGap(this.newest + 1, cached.revision);
    this.newest = Math.max(this.newest ?? 0, cached.revision);
    // Revisions have no gaps (every write bumps the global revision once), so the first change
    // seen tells which revision the cache started after.
    this.floor ??= cached.revision - 1;
    if (this.size === this.capacity) {
      // The oldest change leaves: a watch must now start after it to miss nothing.
      this.floor = this.ring[this.start]!.revision;
      this.ring[this.start] = cached;
      this.start = (this.start + 1) % this.capacity;
    } else {
      this.ring[(this.start + this.size) % this.capacity] = cached;
      this.size++;
    }
    for (const listener of [...this.listeners.keys()]) listener(cached);
  }

  /**
   * Changes from..to (exclusive) never came: a PostgreSQL hub that fell behind its change log's
   * compaction (hub/store/postgres-change-feed.ts). What the ring holds no longer tells a whole
   * history: it starts again after the gap, and every watch is told (kube-apiserver ends its
   * watches when its cache is re-initialized; clients list again).
   */
  private restartAfterGap(from: number, to: number): void {
    this.ring.fill(undefined);
    this.start = 0;
    this.size = 0;
    this.floor = to - 1;
    for (const onGap of [...this.listeners.values()]) onGap?.(from, to);
  }

  /**
   * The changes committed after `resourceVersion`, oldest first, or Expired when some of them
   * already left the ring. `currentRevision` is the store's revision now; it is the floor only
   * while the cache has seen no change at all.
   */
  since(resourceVersion: number, currentRevision: number): Replay {
    const floor = this.floor ?? currentRevision;
    if (resourceVersion < floor) {
      // Kubernetes' wording, which clients (client-go's reflector) match on.
      return { ok: false, error: new SkiffError('SKIFF_ERR_EXPIRED', `too old resource version: ${resourceVersion} (${floor})`) };
    }
    const changes: CachedChange[] = [];
    for (let i = 0; i < this.size; i++) {
      const change = this.ring[(this.start + i) % this.capacity]!;
      if (change.revision > resourceVersion) changes.push(change);
    }
    return { ok: true, changes };
  }

  /** `onGap`: some changes never reached the cache (restartAfterGap); the subscriber has missed them. */
  subscribe(listener: CachedChangeListener, onGap?: (from: number, to: number) => void): () => void {
    this.listeners.set(listener, onGap);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
