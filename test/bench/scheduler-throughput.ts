/**
 * Issue #10 target 7: Pods bound per second with 1,000 nodes (target >= 3,750/s, Nomad's C1M
 * rate). Two figures from one run, so that the cost of persistence shows:
 *
 * - the pure decision rate: the controller's decision (`scheduleOnto` on its NodeInfoSet) alone,
 *   no store;
 * - end to end: the real SchedulerController on a real SQLite store (WAL, synchronous=FULL) in a
 *   temporary directory, fed by the store's change events as hub/server/run.ts feeds it. The
 *   Nodes (as agents register them) and the pending Pods of one ReplicaSet are stored first; the
 *   clock runs from the scheduler's resync (which enqueues every pending Pod) until its queue is
 *   idle, then every Pod is checked bound in the store (spec.nodeName and PodScheduled=True).
 *   Per-bind time is the scheduler's sync duration (the work queue's own observation).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { observeSyncs } from '../../hub/controllers/work-queue.js';
import { StoreEventRecorder, type EventRecorder } from '../../hub/events/event-recorder.js';
import { SchedulerController } from '../../hub/scheduler/scheduler-controller.js';
import { NodeInfoSet } from '../../hub/scheduler/node-info.js';
import { scheduleOnto } from '../../hub/scheduler/schedule.js';
import { SqliteStore } from '../../hub/store/sqlite-store.js';
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { PodStatus } from '../../shared/api/status-types.js';
import { HUB_FILES } from '../../shared/defaults.js';
import { createLogger } from '../../shared/log.js';
import { agentNode, benchPod, createAll } from './fleet-objects.js';
import { percentile } from './stats.js';

const nodesResource = resolveResource('nodes')!;
const podsResource = resolveResource('pods')!;
const eventsResource = resolveResource('events')!;

export interface SchedulerThroughputOptions {
  nodes: number;
  pods: number;
  quick: boolean;
}

const rate = (count: number, ms: number): string => `${Math.round(count / (ms / 1000)).toLocaleString('en-US')}/s`;
const ms = (value: number): string => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;

/**
 * The decision as the controller makes it, without the store: scheduleOnto on the node infos the
 * controller's cache keeps, each Pod counted on its node before the next is decided.
 */
function pureDecisions(nodes: KubeObject[], pending: KubeObject[]): { elapsedMs: number; perDecisionMs: number[] } {
  const infos = new NodeInfoSet();
  for (const node of nodes) infos.setNode(node);
  const perDecisionMs: number[] = [];
  const start = performance.now();
  for (const pod of pending) {
    const before = performance.now();
    const result = scheduleOnto(pod, infos.infos());
    if (result.node === undefined) throw new Error(`pure run: ${pod.metadata.name} unschedulable: ${result.message}`);
    infos.setPod(pod.metadata.name!, { ...pod, spec: { ...(pod.spec as object), nodeName: result.node } });
    perDecisionMs.push(performance.now() - before);
  }
  return { elapsedMs: performance.now() - start, perDecisionMs };
}

function isBound(pod: KubeObject): boolean {
  const scheduled = (pod.status as PodStatus | undefined)?.conditions?.find((c) => c.type === 'PodScheduled');
  return Boolean((pod.spec as { nodeName?: string }).nodeName) && scheduled?.status === 'True';
}

interface EndToEnd {
  seedMs: number;
  boundMs: number;
  eventsMs: number;
  syncMs: number[];
  bound: number;
  scheduledEvents: number;
}

/** Stands in for the hub's recorder to show what binding costs without its one-commit-per-Event writes. */
class DiscardingRecorder implements EventRecorder {
  record(): void {}
  async flush(): Promise<void> {}
}

/** `withEvents`: the hub's StoreEventRecorder, which writes each Event in a transaction of its own. */
async function endToEnd(nodes: KubeObject[], pending: KubeObject[], withEvents: boolean): Promise<EndToEnd> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-scheduler-'));
  const logger = createLogger('hub', 'silent');
  const store = new SqliteStore(join(dir, HUB_FILES.database));
  const recorder = withEvents ? new StoreEventRecorder(store, logger) : new DiscardingRecorder();
  const scheduler = new SchedulerController(store, logger, recorder);
  const syncMs: number[] = [];
  const stopObserving = observeSyncs((o) => {
    if (o.queue === scheduler.name) syncMs.push(o.seconds * 1000);
  });
  let unsubscribe = (): void => undefined;
  try {
    const seedStart = performance.now();
    await createAll(store, [...nodes.map((object) => ({ resource: nodesResource, object })), ...pending.map((object) => ({ resource: podsResource, object }))]);
    const seedMs = performance.now() - seedStart;

    const start = performance.now();
    unsubscribe = store.onChange((change) => scheduler.onChange(change));
    await scheduler.resync();
    await scheduler.idle();
    const boundMs = performance.now() - start;
    await recorder.flush();
    const eventsMs = performance.now() - start;

    const stored = await store.list(podsResource);
    const scheduledEvents = (await store.list(eventsResource)).filter((e) => (e as unknown as { reason?: string }).reason === 'Scheduled').length;
    return { seedMs, boundMs, eventsMs, syncMs, bound: stored.filter(isBound).length, scheduledEvents };
  } finally {
    unsubscribe();
    stopObserving();
    await scheduler.stop();
    await recorder.flush();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchSchedulerThroughput(options: SchedulerThroughputOptions): Promise<string[]> {
  const nodes = Array.from({ length: options.nodes }, (_, i) => agentNode(i));
  const pending = Array.from({ length: options.pods }, (_, i) => benchPod(i, { owned: true }));
  const label = `${options.pods.toLocaleString('en-US')} Pods of one ReplicaSet onto ${options.nodes.toLocaleString('en-US')} Ready nodes`;

  const pure = pureDecisions(nodes, pending);
  const bare = await endToEnd(nodes, pending, false);
  const e2e = await endToEnd(nodes, pending, true);
  for (const run of [bare, e2e]) if (run.bound !== options.pods) throw new Error(`only ${run.bound} of ${options.pods} Pods bound in the store`);

  const command = `node dist/test/bench/run.js${options.quick ? ' --quick' : ''} --only scheduler-throughput`;
  return [
    `# scheduler throughput (issue #10 target 7: >= 3,750 Pods/s with 1,000 nodes): ${label}; ${command}`,
    '| what | rate | per Pod p50 | p99 | note |',
    '|---|---|---|---|---|',
    `| pure decision: scheduleOnto() on the controller's node infos, no store | ${rate(options.pods, pure.elapsedMs)} | ${ms(percentile(pure.perDecisionMs, 50))} | ${ms(percentile(pure.perDecisionMs, 99))} | ${ms(pure.elapsedMs)} for all |`,
    `| end to end, Events discarded: SchedulerController, SQLite WAL + synchronous=FULL, all bound in the store | ${rate(options.pods, bare.boundMs)} | ${ms(percentile(bare.syncMs, 50))} | ${ms(percentile(bare.syncMs, 99))} | ${ms(bare.boundMs)} for all; per Pod = one scheduler sync |`,
    `| end to end with the hub's Event recorder (one commit per Event) | ${rate(options.pods, e2e.boundMs)} | ${ms(percentile(e2e.syncMs, 50))} | ${ms(percentile(e2e.syncMs, 99))} | ${ms(e2e.boundMs)} for all; per Pod = one scheduler sync |`,
    `| ... and every Scheduled Event written | ${rate(options.pods, e2e.eventsMs)} | | | ${ms(e2e.eventsMs)}; ${e2e.scheduledEvents.toLocaleString('en-US')} Scheduled Events stored (the recorder drops beyond 1,000 queued) |`,
    `| (setup, not timed above: ${options.nodes.toLocaleString('en-US')} Node + ${options.pods.toLocaleString('en-US')} Pod creates, writeBatch of 1,000) | ${rate(options.nodes + options.pods, e2e.seedMs)} | | | ${ms(e2e.seedMs)} |`,
  ];
}
