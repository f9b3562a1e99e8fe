/**
 * Writes issued close together, committed as one Store.writeBatch. With synchronous=FULL every
 * commit waits for an fsync (~5 ms on the reference machine: at most ~200 commits a second), so a
 * writer with many writes at once (the scheduler binding a burst of Pods, as kube-scheduler binds
 * asynchronously) shares one commit among them. A write joins the batch being gathered, which
 * commits on the next turn of the event loop, once every caller that was ready has added its own,
 * or at once when it is full. Each caller gets its own outcome as `store.update` or
 * `store.create` alone would give it (the stored object, or that write's error), and its change
 * event has been emitted, i.e. the write is durable, before its promise resolves.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';
import type { BatchWrite, Store } from './store.js';

interface Waiting {
  write: BatchWrite;
  resolve: (object: KubeObject) => void;
  reject: (err: unknown) => void;
}

export class BatchedWrites {
  private gathering: Waiting[] | undefined;

  constructor(
    private readonly store: Store,
    /** The most writes in one transaction (a bound on how long one commit holds the thread). */
    private readonly maxBatch = 256,
  ) {}

  update(resource: ResourceType, object: KubeObject): Promise<KubeObject> {
    return this.add({ type: 'update', resource, object });
  }

  create(resource: ResourceType, object: KubeObject): Promise<KubeObject> {
    return this.add({ type: 'create', resource, object });
  }

  private add(write: BatchWrite): Promise<KubeObject> {
    return new Promise((resolve, reject) => {
      if (!this.gathering) {
        const batch: Waiting[] = [];
        this.gathering = batch;
        setImmediate(() => this.commit(batch));
      }
      this.gathering.push({ write, resolve, reject });
      if (this.gathering.length >= this.maxBatch) this.commit(this.gathering);
    });
  }

  private commit(batch: Waiting[]): void {
    if (this.gathering === batch) this.gathering = undefined;
    if (batch.length === 0) return;
    const writes = batch.splice(0, batch.length);
    this.store.writeBatch(writes.map((w) => w.write)).then(
      (outcomes) => outcomes.forEach((outcome, i) => (outcome.error ? writes[i]!.reject(outcome.error) : writes[i]!.resolve(outcome.object))),
      (err: unknown) => writes.forEach((w) => w.reject(err)),
    );
  }
}
