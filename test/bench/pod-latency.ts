/**
 * Issue #10's targets 2 and 3, on a real hub and agent over real Docker, each against its floor
 * measured in the same run:
 * - one Pod, apply -> Running (the hub's word, and the container running in Docker), through the
 *   API (a POST, no process start-up) and through `skiff apply -f` (a CLI process, as `docker
 *   run -d` is one), vs `docker run -d` of the same image; the three take turns each iteration so
 *   machine noise falls on all of them alike;
 * - a Deployment of podsPerBatch replicas on the one agent: each Pod's time from the POST to the
 *   hub reporting it Running, vs that many `docker run -d` at once;
 * - crash -> restarted: a fresh Pod's container SIGKILLed from the host, from dockerd's `die` to
 *   the replacement's `start` (and to the hub reporting restartCount 1 and Running), vs a `docker
 *   run -d --restart=always` container killed the same way.
 * Hub-side times are when the benchmark's watch received the event; Docker-side times are
 * dockerd's own event timestamps. Then the API path's breakdown (pod-latency-trace.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestCluster } from '../helpers/cluster.js';
import { DockerEventLog, type ContainerEvent } from '../helpers/docker-events.js';
import { docker } from '../helpers/processes.js';
import { awaitEvent, crash, dockerRunOnce, dockerRunParallel, FLOOR_LABEL, removeFloorContainers, WEB_IMAGE } from './pod-latency-docker.js';
import { BENCH_SELECTOR, createDeployment, createPod, deleteDeployment, deletePod, isPodRunning, webDeployment, webPod } from './pod-latency-objects.js';
import { batchBreakdownLines, breakdownLines, crashBreakdownLines, type ApplyTrace, type BatchTrace, type CrashTrace } from './pod-latency-trace.js';
import { PodWatch } from './pod-latency-watch.js';
import { percentile } from './stats.js';

export interface PodLatencyOptions {
  /** Samples of each one-pod way and of crash -> restarted; a quarter as many batches (at least one) of podsPerBatch. */
  iterations: number;
  podsPerBatch: number;
  /** The CI smoke size (1 iteration, 3 pods); the figures then mean little. */
  quick: boolean;
}

export const QUICK_POD_LATENCY: PodLatencyOptions = { iterations: 1, podsPerBatch: 3, quick: true };
export const FULL_POD_LATENCY: PodLatencyOptions = { iterations: 20, podsPerBatch: 30, quick: false };

interface Rig {
  cluster: TestCluster;
  node: string;
  watch: PodWatch;
  /** dockerd's events for the node's containers. */
  skiffEvents: DockerEventLog;
  /** dockerd's events for the floors' containers. */
  floorEvents: DockerEventLog;
}

interface Samples {
  [measure: string]: number[];
}

function row(measure: string, samples: number[]): string {
  const f = (p: number): string => percentile(samples, p).toFixed(0);
  return `| ${measure} | ${f(50)} | ${f(99)} | ${Math.max(...samples).toFixed(0)} | ${samples.length} |`;
}

function ratio(samples: number[], floor: number[], p = 50): string {
  return `${(percentile(samples, p) / percentile(floor, p)).toFixed(2)}x`;
}

function push(samples: Samples, measure: string, value: number): void {
  (samples[measure] ??= []).push(value);
}

/** Apply one Pod (by the API or the CLI) and time it to Running, as the hub says and as Docker says. */
async function applyOnePod(rig: Rig, name: string, way: 'api' | 'cli'): Promise<ApplyTrace> {
  const pod = webPod(name);
  const file = join(rig.cluster.dir, `${name}.json`);
  if (way === 'cli') writeFileSync(file, JSON.stringify(pod));
  const since = rig.watch.mark();
  const startMs = Date.now();
  if (way === 'api') {
    await createPod(rig.cluster, pod);
  } else {
    const result = await rig.cluster.skiffProcess(['apply', '-f', file]);
    if (result.code !== 0) throw new Error(`skiff apply failed (${result.code}): ${result.stderr}`);
  }
  const appliedMs = Date.now();
  const running = await rig.watch.first((p) => p.metadata.name === name && isPodRunning(p), since);
  const started = await awaitEvent(rig.skiffEvents, 'start', { 'skiff.pod.name': name }, (e) => e.timeMs >= startMs);
  return { name, startMs, appliedMs, dockerStartMs: started.timeMs, runningMs: running.atMs };
}

async function measureOnePod(rig: Rig, iterations: number): Promise<{ samples: Samples; traces: ApplyTrace[] }> {
  const samples: Samples = {};
  const traces: ApplyTrace[] = [];
  const ways = ['floor', 'api', 'cli'] as const;
  for (let i = 0; i < iterations; i++) {
    // Take turns, starting with a different one each iteration.
    for (let k = 0; k < ways.length; k++) {
      const way = ways[(i + k) % ways.length]!;
      if (way === 'floor') {
        const run = await dockerRunOnce();
        push(samples, 'floor', run.ms);
        await docker(['rm', '-f', run.id]);
        continue;
      }
      const trace = await applyOnePod(rig, `one-${way}-${i}`, way);
      push(samples, `${way} running`, trace.runningMs - trace.startMs);
      push(samples, `${way} docker`, trace.dockerStartMs - trace.startMs);
      push(samples, `${way} applied`, trace.appliedMs - trace.startMs);
      if (way === 'api') traces.push(trace);
      await deletePod(rig.cluster, rig.node, trace.name);
    }
  }
  return { samples, traces };
}

async function measureBatch(rig: Rig, iterations: number, pods: number): Promise<{ samples: Samples; traces: BatchTrace[]; notes: string[] }> {
  const samples: Samples = { running: [], docker: [], floor: [] };
  const traces: BatchTrace[] = [];
  const notes: string[] = [];
  for (let i = 0; i < iterations; i++) {
    const name = `batch-${i}`;
    const since = rig.watch.mark();
    const startMs = Date.now();
    await createDeployment(rig.cluster, webDeployment(name, pods));
    const running = await rig.watch.firstPerPod((p) => p.metadata.labels?.batch === name && isPodRunning(p), pods, since);
    if (running.size < pods) {
      const stragglers = [...rig.watch.latest(since).values()].filter((p) => p.metadata.labels?.batch === name && !running.has(p.metadata.name!));
      const states = stragglers.map((p) => `${p.metadata.name} ${p.status?.phase ?? 'no status'} ${JSON.stringify(p.status?.containerStatuses?.[0]?.state ?? {})}`);
      notes.push(`${name}: only ${running.size} of ${pods} pods Running after 300 s; the others: ${states.join('; ') || 'never seen'}`);
    }
    for (const atMs of running.values()) samples.running!.push(atMs - startMs);
    traces.push({ name, startMs, lastRunningMs: Math.max(...running.values()), pods: [...running.keys()] });
    for (const podName of running.keys()) {
      const started = await awaitEvent(rig.skiffEvents, 'start', { 'skiff.pod.name': podName }, (e) => e.timeMs >= startMs);
      samples.docker!.push(started.timeMs - startMs);
    }
    await deleteDeployment(rig.cluster, rig.node, name);

    const floor = await dockerRunParallel(pods);
    samples.floor!.push(...floor.ms);
    await removeFloorContainers();
  }
  return { samples, traces, notes };
}

/** Crash -> restarted of a fresh Pod: dockerd's die of its container, the old one's removal, the replacement's create and start, the hub's report. */
async function crashPod(rig: Rig, name: string): Promise<CrashTrace> {
  const since = rig.watch.mark();
  const startMs = Date.now();
  await createPod(rig.cluster, webPod(name));
  const running = await rig.watch.first((p) => p.metadata.name === name && isPodRunning(p), since);
  // The Pod's own container, as the hub reports it (the pause sandbox carries the Pod's labels too).
  const containerId = running.pod.status?.containerStatuses?.[0]?.containerID?.replace(/^docker:\/\//, '');
  const first = await awaitEvent(rig.skiffEvents, 'start', { 'skiff.pod.name': name }, (e) => e.timeMs >= startMs && (containerId === undefined || e.containerId === containerId));
  const beforeCrash = rig.watch.mark();
  await crash(first.containerId);
  const pod = { 'skiff.pod.name': name };
  const old = (e: ContainerEvent): boolean => e.containerId === first.containerId;
  const died = await awaitEvent(rig.skiffEvents, 'die', pod, old);
  const restarted = await awaitEvent(rig.skiffEvents, 'start', pod, (e) => !old(e));
  const reported = await rig.watch.first((p) => p.metadata.name === name && isPodRunning(p) && p.status?.containerStatuses?.[0]?.restartCount === 1, beforeCrash);
  const removed = await awaitEvent(rig.skiffEvents, 'destroy', pod, old);
  const created = await awaitEvent(rig.skiffEvents, 'create', pod, (e) => !old(e));
  await deletePod(rig.cluster, rig.node, name);
  return { dieMs: died.timeMs, removedMs: removed.timeMs, createdMs: created.timeMs, restartedMs: restarted.timeMs, reportedMs: reported.atMs };
}

/** The floor: Docker's own restart=always, the container killed the same way. */
async function crashFloor(rig: Rig): Promise<number> {
  const { id } = await dockerRunOnce(['--restart=always']);
  await crash(id);
  const died = await awaitEvent(rig.floorEvents, 'die', {}, (e) => e.containerId === id);
  const restarted = await awaitEvent(rig.floorEvents, 'start', {}, (e) => e.containerId === id && e.timeMs > died.timeMs);
  await removeFloorContainers();
  return restarted.timeMs - died.timeMs;
}

async function measureCrash(rig: Rig, iterations: number): Promise<{ samples: Samples; traces: CrashTrace[] }> {
  const samples: Samples = { restarted: [], reported: [], floor: [] };
  const traces: CrashTrace[] = [];
  for (let i = 0; i < iterations; i++) {
    const pod = await crashPod(rig, `crash-${i}`);
    traces.push(pod);
    samples.restarted!.push(pod.restartedMs - pod.dieMs);
    samples.reported!.push(pod.reportedMs - pod.dieMs);
    samples.floor!.push(await crashFloor(rig));
  }
  return { samples, traces };
}

export async function benchPodLatency(options: PodLatencyOptions): Promise<string[]> {
  const teardowns: Array<() => unknown> = [];
  let failed = false;
  // A failed run prints the hub's and the agent's last log lines (TestCluster.destroy does, when not passing).
  const t = { teardown: (fn: () => unknown) => void teardowns.push(fn), passing: () => !failed, comment: (...message: unknown[]) => console.error(...message) };
  await removeFloorContainers(); // a previous run that died half-way
  try {
    const cluster = await TestCluster.start(t, { agents: ['pod-latency'] });
    const node = cluster.nodeName('pod-latency');
    const rig: Rig = {
      cluster,
      node,
      watch: await PodWatch.open(cluster, BENCH_SELECTOR),
      skiffEvents: DockerEventLog.start(t, `skiff.node=${node}`),
      floorEvents: DockerEventLog.start(t, FLOOR_LABEL),
    };
    teardowns.push(() => rig.watch.close());
    const one = await measureOnePod(rig, options.iterations);
    const batches = Math.max(1, Math.ceil(options.iterations / 4));
    const { samples: batch, traces: batchTraces, notes } = await measureBatch(rig, batches, options.podsPerBatch);
    const { samples: crashes, traces: crashTraces } = await measureCrash(rig, options.iterations);
    const s = one.samples;
    const hubLog = join(cluster.dir, 'hub.log');
    const agentLog = join(cluster.dir, 'agent-pod-latency.log');
    return [
      `# pod latency (${options.quick ? 'quick' : 'full'}): ${options.iterations} iterations of one pod and of crash, ${batches} batch${batches === 1 ? '' : 'es'} of ${options.podsPerBatch} pods; image ${WEB_IMAGE} cached`,
      '| measure | p50 ms | p99 ms | max ms | n |',
      '|---|---|---|---|---|',
      row('one pod: `docker run -d` (the floor)', s.floor!),
      row('one pod: API POST -> Docker runs the container', s['api docker']!),
      row('one pod: API POST -> hub reports Running', s['api running']!),
      row('one pod: `skiff apply -f` -> Docker runs the container', s['cli docker']!),
      row('one pod: `skiff apply -f` -> hub reports Running', s['cli running']!),
      row('one pod: `skiff apply -f` process alone', s['cli applied']!),
      row(`${options.podsPerBatch} pods: \`docker run -d\` x${options.podsPerBatch} at once, each (the floor)`, batch.floor!),
      row(`${options.podsPerBatch} pods: Deployment POST -> Docker runs each`, batch.docker!),
      row(`${options.podsPerBatch} pods: Deployment POST -> hub reports each Running`, batch.running!),
      row('crash: `--restart=always` die -> start (the floor)', crashes.floor!),
      row('crash: die -> replacement started (Docker)', crashes.restarted!),
      row('crash: die -> hub reports restartCount 1, Running', crashes.reported!),
      ...notes,
      '',
      `ratios to the floor (of p50s unless said): API -> Running ${ratio(s['api running']!, s.floor!)}, API -> Docker ${ratio(s['api docker']!, s.floor!)}, ` +
        `skiff apply -> Running ${ratio(s['cli running']!, s.floor!)}, skiff apply -> Docker ${ratio(s['cli docker']!, s.floor!)}; ` +
        `${options.podsPerBatch} pods -> each Running ${ratio(batch.running!, batch.floor!)} (p99s: ${ratio(batch.running!, batch.floor!, 99)}); ` +
        `crash -> started ${ratio(crashes.restarted!, crashes.floor!)}, crash -> reported ${ratio(crashes.reported!, crashes.floor!)}`,
      '',
      ...breakdownLines(one.traces, hubLog, agentLog, rig.skiffEvents),
      '',
      ...batchBreakdownLines(batchTraces, hubLog, agentLog),
      '',
      ...crashBreakdownLines(crashTraces),
    ];
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    for (const teardown of teardowns.reverse()) await teardown();
    await removeFloorContainers();
  }
}
