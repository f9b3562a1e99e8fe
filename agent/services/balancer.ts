/**
 * Which endpoint a new connection to one Service port goes to: the userspace kube-proxy's
 * LoadBalancerRR, pure (the clock is passed in). Round-robin over the Ready endpoints; with
 * sessionAffinity ClientIP a client keeps the endpoint it last reached until it has been idle for
 * the affinity timeout. An endpoint that refused a connection or did not answer in time is
 * skipped for a while (the backoff), unless every endpoint is, in which case they are all tried
 * again: a Service whose endpoints all failed once must not go dark for the backoff period.
 */
import type { ViewEndpoint } from '../../shared/mqtt/services-view.js';

export const endpointId = (e: ViewEndpoint): string => `${e.node}/${e.ip}:${e.port}`;

interface Affinity {
  endpoint: string;
  lastUsedMs: number;
}

export interface BalancerOptions {
  /** sessionAffinity ClientIP's timeout; absent: no affinity. */
  affinityTimeoutMs?: number;
  /** How long a failed endpoint is skipped. */
  backoffMs: number;
}

export class Balancer {
  private endpoints: ViewEndpoint[] = [];
  private cursor = 0;
  private readonly failedUntil = new Map<string, number>();
  private readonly affinity = new Map<string, Affinity>();

  constructor(private options: BalancerOptions) {}

  /**
   * A new endpoint list (the Service's Endpoints changed). Keeps the affinities and failure marks
   * of the endpoints that stay, and the cursor's position when it still points into the list.
   */
  update(endpoints: readonly ViewEndpoint[], options: BalancerOptions): void {
    this.options = options;
    this.endpoints = [...endpoints];
    const ids = new Set(this.endpoints.map(endpointId));
    for (const id of this.failedUntil.keys()) if (!ids.has(id)) this.failedUntil.delete(id);
    for (const [client, entry] of this.affinity) if (!ids.has(entry.endpoint) || options.affinityTimeoutMs === undefined) this.affinity.delete(client);
    if (this.cursor >= this.endpoints.length) this.cursor = 0;
  }

  get size(): number {
    return this.endpoints.length;
  }

  /**
   * The endpoint for a connection from `clientIp`, never one of `tried` (the ones this connection
   * already failed on); undefined when none is left.
   */
  pick(clientIp: string, nowMs: number, tried: ReadonlySet<string> = new Set()): ViewEndpoint | undefined {
    const timeout = this.options.affinityTimeoutMs;
    if (timeout !== undefined) {
      const sticky = this.affinity.get(clientIp);
      if (sticky && nowMs - sticky.lastUsedMs <= timeout && !tried.has(sticky.endpoint) && !this.backingOff(sticky.endpoint, nowMs)) {
        const endpoint = this.endpoints.find((e) => endpointId(e) === sticky.endpoint);
        if (endpoint) {
          sticky.lastUsedMs = nowMs;
          return endpoint;
        }
      }
    }
    const candidates = this.endpoints.length;
    let fallback: number | undefined;
    for (let step = 0; step < candidates; step++) {
      const index = (this.cursor + step) % candidates;
      const id = endpointId(this.endpoints[index]!);
      if (tried.has(id)) continue;
      if (this.backingOff(id, nowMs)) {
        fallback ??= index;
        continue;
      }
      return this.choose(index, clientIp, nowMs);
    }
    return fallback === undefined ? undefined : this.choose(fallback, clientIp, nowMs);
  }

  /** The endpoint refused or timed out: skip it for the backoff, and unpin clients from it. */
  failed(endpoint: ViewEndpoint, nowMs: number): void {
    const id = endpointId(endpoint);
    this.failedUntil.set(id, nowMs + this.options.backoffMs);
    for (const [client, entry] of this.affinity) if (entry.endpoint === id) this.affinity.delete(client);
  }

  /** The endpoint answered: it is no longer skipped. */
  succeeded(endpoint: ViewEndpoint): void {
    this.failedUntil.delete(endpointId(endpoint));
  }

  /** Drops affinities idle past their timeout (called now and then, so the map stays small). */
  expire(nowMs: number): void {
    const timeout = this.options.affinityTimeoutMs;
    for (const [client, entry] of this.affinity) if (timeout === undefined || nowMs - entry.lastUsedMs > timeout) this.affinity.delete(client);
  }

  private choose(index: number, clientIp: string, nowMs: number): ViewEndpoint {
    const endpoint = this.endpoints[index]!;
    this.cursor = (index + 1) % this.endpoints.length;
    if (this.options.affinityTimeoutMs !== undefined) this.affinity.set(clientIp, { endpoint: endpointId(endpoint), lastUsedMs: nowMs });
    return endpoint;
  }

  private backingOff(id: string, nowMs: number): boolean {
    const until = this.failedUntil.get(id);
    return until !== undefined && until > nowMs;
  }
}
