/**
 * Slow work that must not hold up the loop (image pulls, graceful stops of up to the pod's grace
 * period) runs here in the background, at most once per key. The planner sees the keys in flight
 * through PlanContext and leaves them alone; completion triggers the next pass.
 */
export class InFlight {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly onSettled: (key: string, ok: boolean) => void) {}

  keys(): ReadonlySet<string> {
    return new Set(this.running.keys());
  }

  has(key: string): boolean {
    return this.running.has(key);
  }

  /** Starts `work` unless `key` is already running. `work` should handle its own errors; a throw counts as not ok. */
  run(key: string, work: () => Promise<void>): void {
    if (this.running.has(key)) return;
    const done = work().then(
      () => true,
      () => false,
    );
    this.running.set(
      key,
      done.then((ok) => {
        this.running.delete(key);
        this.onSettled(key, ok);
      }),
    );
  }

  /** Resolves when everything started so far has finished (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }
}
