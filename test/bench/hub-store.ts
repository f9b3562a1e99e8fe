/**
 * Issue #10 target 9, the hub store:
 *
 * - writes/s of Pod status updates on the hub's SQLite store (WAL, synchronous=FULL) holding
 *   `pods` Pods: one at a time the way status ingest writes them (hub/ingest/status-ingest.ts:
 *   `mutate` = read, copy, change status, update with optimistic concurrency: one transaction and
 *   one fsync each), and in batches through Store.writeBatch (one transaction for the batch);
 * - hub cold start with those Pods stored: a real `skiff hub` process (initialised by a first
 *   start, stopped, its database then filled through the store with 1,000 Nodes and `pods` bound,
 *   Running Pods), timed from spawn until /healthz answers, until `GET /api/v1/pods?limit=500`
 *   (kubectl's first chunk) answers, and until the full unpaged list has been read; its RSS then.
 *   Its first start after the fill also publishes every node's desired state (no dispatch record
 *   yet: one putDispatch commit and one retained message per node); the restart after it, the
 *   figure, finds them published. The same hub restarted on an empty store gives the floor.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mutate } from '../../hub/objects/mutate.js';
import { SqliteStore } from '../../hub/store/sqlite-store.js';
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import { HUB_FILES } from '../../shared/defaults.js';
import { freePort } from '../helpers/ports.js';
import { spawnSkiff, stop } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { processUsage } from './proc-usage.js';
import { agentNode, benchNodeName, benchPod, createAll, runningStatus } from './fleet-objects.js';
import { percentile } from './stats.js';

const nodesResource = resolveResource('nodes')!;
const podsResource = resolveResource('pods')!;

export interface HubStoreOptions {
  /** Pods stored (and started with): 100,000 for the issue's figure. */
  pods: number;
  quick: boolean;
  /** Each phase's figures as soon as they are known (a 100,000-Pod run takes many minutes). */
  progress?: (line: string) => void;
}

const NODES = 1_000;
const perSecond = (count: number, ms: number): string => `${Math.round(count / (ms / 1000)).toLocaleString('en-US')}/s`;
const fmtMs = (value: number): string => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The Pods, 100 to a node, bound and reported Running (what a hub holds after its fleet started them). */
function runningPods(count: number): KubeObject[] {
  return Array.from({ length: count }, (_, i) => benchPod(i, { runningOn: benchNodeName(i % NODES) }));
}

async function fillStore(file: string, pods: number): Promise<void> {
  const store = new SqliteStore(file);
  try {
    await createAll(store, [
      ...Array.from({ length: NODES }, (_, i) => ({ resource: nodesResource, object: agentNode(i) })),
      ...runningPods(pods).map((object) => ({ resource: podsResource, object })),
    ]);
  } finally {
    await store.close();
  }
}

interface WriteFigures {
  singleMs: number[];
  singleElapsedMs: number;
  batches: Array<{ size: number; writes: number; elapsedMs: number; perBatchMs: number[] }>;
}

/** Status writes on the filled store: `single` one by one through mutate, then `batchWrites` per batch size. */
async function statusWrites(file: string, pods: number, single: number, batchSizes: number[], batchWrites: number): Promise<WriteFigures> {
  const store = new SqliteStore(file);
  try {
    let generation = 1;
    const podName = (i: number): string => benchPod(i).metadata.name!;
    const singleMs: number[] = [];
    const start = performance.now();
    for (let i = 0; i < single; i++) {
      const index = (i * 7919) % pods; // spread over the table, not one hot row
      const before = performance.now();
      await mutate(store, podsResource, 'default', podName(index), (current) => {
        current.status = runningStatus(index, generation);
        return current;
      });
      singleMs.push(performance.now() - before);
    }
    const singleElapsedMs = performance.now() - start;

    const batches: WriteFigures['batches'] = [];
    for (const size of batchSizes) {
      generation++;
      const perBatchMs: number[] = [];
      const batchStart = performance.now();
      for (let done = 0; done < batchWrites; done += size) {
        const before = performance.now();
        // As status ingest would batch a node's report: read each Pod, write its new status, all in one commit.
        const writes = [];
        for (let i = done; i < done + size; i++) {
          const index = (i * 7919) % pods;
          const current = (await store.get(podsResource, 'default', podName(index)))!;
          writes.push({ type: 'update' as const, resource: podsResource, object: { ...current, status: runningStatus(index, generation) } });
        }
        const outcomes = await store.writeBatch(writes);
        const failed = outcomes.find((o) => o.error);
        if (failed?.error) throw failed.error;
        perBatchMs.push(performance.now() - before);
      }
      batches.push({ size, writes: batchWrites, elapsedMs: performance.now() - batchStart, perBatchMs });
    }
    return { singleMs, singleElapsedMs, batches };
  } finally {
    await store.close();
  }
}

interface ColdStart {
  healthzMs: number;
  firstPageMs: number;
  /** Pods the hub says it holds: the first page's items plus its remainingItemCount. */
  listed: number;
  /** NaN: no answer within the timeout. */
  fullListMs: number;
  fullListBytes: number;
  rssAfterHealthz: number;
  rssAfterFirstPage: number;
  rssAfterList: number;
}

/** Spawns the hub on `dataDir` and times it to /healthz, to the first page of Pods and to the whole list. */
async function coldStart(dataDir: string, logFile: string, fullListTimeoutMs: number, say: (line: string) => void = () => undefined): Promise<ColdStart> {
  const apiPort = await freePort();
  const mqttPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}`;
  const start = performance.now();
  const hub = spawnSkiff(
    // No agents report to this hub: a long grace period keeps its 1,000 Nodes from all turning
    // Unknown (and tainted) 20 s in, which is not start-up work.
    ['hub', '--data-dir', dataDir, '--api-port', String(apiPort), '--mqtt-port', String(mqttPort), '--host', '127.0.0.1', '--plain-http', '--plain-mqtt', '--node-monitor-grace-period', '1h'],
    logFile,
    { SKIFF_LOG_LEVEL: 'info' },
  );
  try {
    await waitFor(
      'the hub to answer /healthz',
      async () => {
        if (hub.exitCode !== null) throw new Error(`hub exited with ${hub.exitCode}: see ${logFile}`);
        return (await fetch(`${api}/healthz`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 300_000, intervalMs: 10 },
    );
    const healthzMs = performance.now() - start;
    const rssAfterHealthz = processUsage(hub.pid!).rssBytes;
    say(`/healthz after ${fmtMs(healthzMs)}, RSS ${mib(rssAfterHealthz)}`);
    const headers = { Authorization: `Bearer ${readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()}` };
    const page = await fetch(`${api}/api/v1/pods?limit=500`, { headers });
    if (!page.ok) throw new Error(`GET /api/v1/pods?limit=500: ${page.status}`);
    const firstPage = (await page.json()) as { items: unknown[]; metadata: { remainingItemCount?: number } };
    const listed = firstPage.items.length + (firstPage.metadata.remainingItemCount ?? 0);
    const firstPageMs = performance.now() - start;
    const rssAfterFirstPage = processUsage(hub.pid!).rssBytes;
    // The unpaged list is bounded: with 100,000 Pods it has taken minutes and GiBs (see the report).
    let fullListMs = Number.NaN;
    let fullListBytes = 0;
    try {
      const full = await fetch(`${api}/api/v1/pods`, { headers, signal: AbortSignal.timeout(fullListTimeoutMs) });
      if (!full.ok) throw new Error(`GET /api/v1/pods: ${full.status}`);
      fullListBytes = (await full.arrayBuffer()).byteLength;
      fullListMs = performance.now() - start;
    } catch (err) {
      if ((err as Error).name !== 'TimeoutError') throw err;
    }
    return { healthzMs, firstPageMs, listed, fullListMs, fullListBytes, rssAfterHealthz, rssAfterFirstPage, rssAfterList: processUsage(hub.pid!).rssBytes };
  } finally {
    await stop(hub, 'SIGTERM');
  }
}

export async function benchHubStore(options: HubStoreOptions): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-hub-store-'));
  const dataDir = join(dir, 'hub');
  const logFile = join(dir, 'hub.log');
  const single = options.quick ? 100 : 1_000;
  const batchSizes = [10, 100, 1_000];
  const batchWrites = options.quick ? 1_000 : 10_000;
  try {
    // A first start creates the hub's identity, built-in namespaces and RBAC; the second is the empty-store floor.
    const timeoutMs = options.quick ? 20_000 : 120_000;
    await coldStart(dataDir, logFile, timeoutMs);
    const say = options.progress ?? (() => undefined);
    const empty = await coldStart(dataDir, logFile, timeoutMs);
    say(`empty-store start: ${JSON.stringify(empty)}`);
    const fillStart = performance.now();
    await fillStore(join(dataDir, HUB_FILES.database), options.pods);
    const fillMs = performance.now() - fillStart;
    say(`filled in ${fmtMs(fillMs)}`);
    const writes = await statusWrites(join(dataDir, HUB_FILES.database), options.pods, single, batchSizes, batchWrites);
    say(`status writes: single ${perSecond(single, writes.singleElapsedMs)}; ${writes.batches.map((b) => `batch ${b.size}: ${perSecond(b.writes, b.elapsedMs)}`).join(', ')}`);
    const firstAfterFill = await coldStart(dataDir, logFile, timeoutMs, say);
    say(`first start after the fill: ${JSON.stringify(firstAfterFill)}`);
    const full = await coldStart(dataDir, logFile, timeoutMs, say);
    if (full.listed !== options.pods) throw new Error(`the hub counts ${full.listed} Pods, ${options.pods} stored`);

    const pods = options.pods.toLocaleString('en-US');
    const command = `node dist/test/bench/run.js${options.quick ? ' --quick' : ''} --only hub-store`;
    return [
      `# hub store (issue #10 target 9): SQLite WAL + synchronous=FULL holding ${pods} Pods and ${NODES.toLocaleString('en-US')} Nodes; ${command}`,
      '| what | rate | per write p50 | p99 | note |',
      '|---|---|---|---|---|',
      `| Pod status update, one at a time as status ingest writes (mutate: read, copy, update; one commit each) | ${perSecond(single, writes.singleElapsedMs)} | ${fmtMs(percentile(writes.singleMs, 50))} | ${fmtMs(percentile(writes.singleMs, 99))} | ${single} writes |`,
      ...writes.batches.map(
        (b) =>
          `| Pod status update, ${b.size} per Store.writeBatch (read each, one commit per batch) | ${perSecond(b.writes, b.elapsedMs)} | ${fmtMs(percentile(b.perBatchMs, 50) / b.size)} | | ${b.writes.toLocaleString('en-US')} writes; per batch p50 ${fmtMs(percentile(b.perBatchMs, 50))}, p99 ${fmtMs(percentile(b.perBatchMs, 99))} |`,
      ),
      `| (setup: ${pods} Pods + ${NODES.toLocaleString('en-US')} Nodes created, writeBatch of 1,000) | ${perSecond(options.pods + NODES, fillMs)} | | | ${fmtMs(fillMs)} |`,
      '',
      `| hub cold start (spawn ->) | /healthz | first page (?limit=500) | unpaged list read (timeout ${timeoutMs / 1000} s) | RSS at /healthz | after first page | after unpaged list |`,
      '|---|---|---|---|---|---|---|',
      ...[
        ['empty store', empty],
        [`${pods} Pods, ${NODES.toLocaleString('en-US')} Nodes, first start after the fill (publishes all ${NODES.toLocaleString('en-US')} desired states)`, firstAfterFill],
        [`${pods} Pods, ${NODES.toLocaleString('en-US')} Nodes, restart`, full],
      ].map(([label, c]) => {
        const run = c as ColdStart;
        const list = Number.isNaN(run.fullListMs) ? 'no answer' : `${fmtMs(run.fullListMs)} (${(run.fullListBytes / 2 ** 20).toFixed(0)} MiB)`;
        return `| ${label as string} | ${fmtMs(run.healthzMs)} | ${fmtMs(run.firstPageMs)} | ${list} | ${mib(run.rssAfterHealthz)} | ${mib(run.rssAfterFirstPage)} | ${mib(run.rssAfterList)} |`;
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
