/**
 * A watch on Pods (`?watch=1`) that stamps every event with the wall-clock time it arrived, so a
 * benchmark learns when the hub reported a state without a poll interval padding the figure.
 * Times are Date.now() (CLOCK_REALTIME), the clock dockerd stamps its events with, so they compare
 * with DockerEventLog's on the same machine.
 */
import { watchEvents } from '../../hub/cli/watch-stream.js';
import type { TestCluster } from '../helpers/cluster.js';
import type { PodView } from '../helpers/pods.js';

export interface StampedPod {
  atMs: number;
  pod: PodView;
}

export type PodPredicate = (pod: PodView) => boolean | undefined;

export class PodWatch {
  /** Every ADDED or MODIFIED Pod seen, in arrival order. */
  private readonly seen: StampedPod[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly abort = new AbortController();
  private failure: Error | undefined;

  private constructor() {}

  /** Watches the Pods of `namespace` matching `labelSelector`; resolves once the hub answered. */
  static async open(cluster: TestCluster, labelSelector: string, namespace = 'default'): Promise<PodWatch> {
    const watch = new PodWatch();
    const path = `/api/v1/namespaces/${namespace}/pods?watch=1&labelSelector=${encodeURIComponent(labelSelector)}`;
    const res = await cluster.fetch(path, { signal: watch.abort.signal });
    if (!res.ok || !res.body) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    void watch.read(res.body as unknown as AsyncIterable<Uint8Array>);
    return watch;
  }

  /** A position in the history: `first` and `firstPerPod` look only at events after it. */
  mark(): number {
    return this.seen.length;
  }

  /** When the first Pod after `since` satisfying `predicate` arrived (waits for it). */
  async first(predicate: PodPredicate, since: number, timeoutMs = 60_000): Promise<StampedPod> {
    return this.wait(timeoutMs, 'a pod event matching the condition', () => this.seen.slice(since).find((s) => predicate(s.pod)));
  }

  /**
   * When each of `count` Pods first satisfied `predicate` after `since`, by Pod name: waits until
   * that many have, or until the timeout, when it returns those that have (a benchmark reports a
   * straggler rather than losing the run).
   */
  async firstPerPod(predicate: PodPredicate, count: number, since: number, timeoutMs = 300_000): Promise<Map<string, number>> {
    const firsts = (): Map<string, number> => {
      const found = new Map<string, number>();
      for (const s of this.seen.slice(since)) {
        const name = s.pod.metadata.name!;
        if (!found.has(name) && predicate(s.pod)) found.set(name, s.atMs);
      }
      return found;
    };
    return this.wait(timeoutMs, `${count} pods matching the condition`, () => {
      const found = firsts();
      return found.size >= count ? found : undefined;
    }).catch((err: unknown) => {
      if (this.failure) throw err;
      return firsts();
    });
  }

  /** The latest state of each Pod seen after `since` (for saying what a straggler was doing). */
  latest(since: number): Map<string, PodView> {
    return new Map(this.seen.slice(since).map((s) => [s.pod.metadata.name!, s.pod]));
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const event of watchEvents(body)) {
        const atMs = Date.now();
        if (event.type === 'ERROR') throw new Error(`watch error: ${JSON.stringify(event.object)}`);
        if (event.type === 'ADDED' || event.type === 'MODIFIED') this.seen.push({ atMs, pod: event.object as unknown as PodView });
        for (const listener of this.listeners) listener();
      }
    } catch (err) {
      // close() aborts the body on purpose; anything else fails the waits in progress.
      if (!this.abort.signal.aborted) this.failure = err instanceof Error ? err : new Error(String(err));
    }
    if (!this.abort.signal.aborted) this.failure ??= new Error('the watch stream ended');
    for (const listener of this.listeners) listener();
  }

  private wait<T>(timeoutMs: number, what: string, probe: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = probe();
        if (found !== undefined) finish(() => resolve(found));
        else if (this.failure) finish(() => reject(this.failure!));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }
}
