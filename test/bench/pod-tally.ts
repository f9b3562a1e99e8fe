/**
 * What the hub knows of a set of Pods, kept from one watch (GET ...?watch=true&labelSelector=):
 * a synthetic ADDED for each Pod at the start, then every change. Counting from a watch costs the
 * hub one encoding per change; polling a 10,000-Pod list every second would cost it a 10,000-Pod
 * list every second and distort the figures being measured.
 */
import { watchEvents } from '../../hub/cli/watch-stream.js';
import type { BenchHub } from './bench-hub.js';

interface PodFacts {
  terminating: boolean;
  running: boolean;
  /** The images the node reports (containerStatuses), in container order. */
  images: string;
}

interface PodView {
  metadata: { uid: string; deletionTimestamp?: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ image: string }> };
}

export class PodTally {
  private readonly pods = new Map<string, PodFacts>();
  private readonly abort = new AbortController();
  /** Why the watch ended early, if it did (the counts are then stale). */
  private failure: unknown;

  private constructor() {}

  static async start(hub: BenchHub, namespace: string, labelSelector: string): Promise<PodTally> {
    const tally = new PodTally();
    const res = await fetch(`${hub.apiUrl}/api/v1/namespaces/${namespace}/pods?watch=true&labelSelector=${encodeURIComponent(labelSelector)}`, {
      headers: { Authorization: hub.authorization },
      signal: tally.abort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`watch pods: ${res.status}`);
    void tally.follow(res.body);
    return tally;
  }

  private async follow(body: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const event of watchEvents(body)) {
        if (event.type === 'ERROR') throw new Error(`watch ERROR event: ${JSON.stringify(event.object)}`);
        if (event.type === 'BOOKMARK') continue;
        const pod = event.object as unknown as PodView;
        if (event.type === 'DELETED') this.pods.delete(pod.metadata.uid);
        else this.pods.set(pod.metadata.uid, factsOf(pod));
      }
    } catch (err) {
      if (!this.abort.signal.aborted) this.failure = err;
    }
  }

  /** Pods present, terminating ones included. */
  get total(): number {
    this.check();
    return this.pods.size;
  }

  /** Pods not terminating that run and are Ready with every container on `image`. */
  runningWith(image: string): number {
    this.check();
    let count = 0;
    for (const pod of this.pods.values()) if (!pod.terminating && pod.running && pod.images === image) count++;
    return count;
  }

  stop(): void {
    this.abort.abort();
  }

  private check(): void {
    if (this.failure !== undefined) throw new Error(`the pod watch ended: ${String(this.failure)}`);
  }
}

function factsOf(pod: PodView): PodFacts {
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return {
    terminating: pod.metadata.deletionTimestamp !== undefined,
    running: pod.status?.phase === 'Running' && ready,
    images: (pod.status?.containerStatuses ?? []).map((c) => c.image).join(','),
  };
}
