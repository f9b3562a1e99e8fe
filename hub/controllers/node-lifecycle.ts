/**
 * Marks a node Ready=Unknown when its heartbeats stop for longer than the grace period, as
 * Kubernetes' node-lifecycle controller does. (The MQTT last will usually says so sooner.)
 * TODO(#4): taints, eviction after tolerationSeconds, configurable grace.
 */
import { resolveResource } from '../../shared/api/resources.js';
import type { NodeStatus } from '../../shared/api/status-types.js';
import type { Logger } from '../../shared/log.js';
import { markNodeUnknown } from '../ingest/node-conditions.js';
import type { Store } from '../store/store.js';

const nodes = resolveResource('nodes')!;

export class NodeLifecycle {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly gracePeriodMs: number,
  ) {}

  start(checkEveryMs = 2_000): void {
    this.timer = setInterval(() => {
      this.check(Date.now()).catch((err: unknown) => this.logger.error({ component: 'node-lifecycle', err }, 'node check failed'));
    }, checkEveryMs);
    this.timer.unref();
  }

  async check(nowMs: number): Promise<void> {
    for (const node of await this.store.list(nodes)) {
      const ready = (node.status as NodeStatus | undefined)?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True' || !ready.lastHeartbeatTime) continue;
      if (nowMs - Date.parse(ready.lastHeartbeatTime) > this.gracePeriodMs) {
        this.logger.info({ component: 'node-lifecycle', node: node.metadata.name }, 'node heartbeat overdue; marking Unknown');
        await markNodeUnknown(this.store, node.metadata.name!, 'Kubelet stopped posting node status.', new Date(nowMs));
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
