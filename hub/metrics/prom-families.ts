/**
 * Metric families computed at scrape time: each family is a pure function from one snapshot of
 * what the hub knows to a list of series, registered in a prom-client Registry as a Gauge or a
 * Counter whose `collect` replaces every value (prom-client's documented way to export values
 * owned elsewhere). The values are cumulative counters kept by agents, the store and the broker,
 * so /metrics re-exports them as they are; Prometheus computes the rates.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface Series {
  labels: Record<string, string>;
  value: number;
}

export interface Family<S> {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  labelNames: readonly string[];
  series(snapshot: S): Series[];
}

/**
 * One load of `load` shared by every collector of the same scrape: prom-client starts all
 * collectors of one `registry.metrics()` call in the same tick, so they all get the promise of
 * the first, and the next scrape (after it settled) loads afresh.
 */
export function perScrape<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (pending) return pending;
    const current = load();
    pending = current;
    const forget = (): void => {
      if (pending === current) pending = undefined;
    };
    current.then(forget, forget);
    return current;
  };
}

/** A value Prometheus can take for this type: finite, and never negative for a counter. */
function exportable(type: Family<unknown>['type'], value: number): boolean {
  return Number.isFinite(value) && (type === 'gauge' || value >= 0);
}

export function registerFamilies<S>(registry: Registry, families: ReadonlyArray<Family<S>>, snapshot: () => Promise<S>): void {
  for (const family of families) {
    const config = { name: family.name, help: family.help, labelNames: [...family.labelNames], registers: [registry] };
    if (family.type === 'counter') {
      new Counter({
        ...config,
        async collect() {
          const series = family.series(await snapshot()).filter((s) => exportable('counter', s.value));
          this.reset();
          for (const s of series) this.inc(s.labels, s.value);
        },
      });
    } else {
      new Gauge({
        ...config,
        async collect() {
          const series = family.series(await snapshot()).filter((s) => exportable('gauge', s.value));
          this.reset();
          for (const s of series) this.set(s.labels, s.value);
        },
      });
    }
  }
}
