/**
 * Where the time of one Pod's apply -> Running goes: the path's steps, each stamped by whoever saw
 * it (the benchmark, the hub's and the agent's JSON logs at debug level, dockerd's events), for
 * every API-applied Pod of the run; printed as the median of each step's share. All stamps are
 * CLOCK_REALTIME milliseconds of one machine.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { DockerEventLog } from '../helpers/docker-events.js';
import { percentile } from './stats.js';

/** One apply, as the benchmark saw it (epoch ms). */
export interface ApplyTrace {
  name: string;
  /** The POST (or the CLI process) started. */
  startMs: number;
  /** The hub answered 201 (or the CLI exited). */
  appliedMs: number;
  /** dockerd's start of the Pod's container. */
  dockerStartMs: number;
  /** The watch received the Pod Running. */
  runningMs: number;
}

interface LogLine {
  time: number;
  msg: string;
  [field: string]: unknown;
}

function readLog(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  const lines: LogLine[] = [];
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (!text.startsWith('{')) continue; // a stack trace or a line from outside pino
    const line = JSON.parse(text) as LogLine;
    if (typeof line.time === 'number' && typeof line.msg === 'string') lines.push(line);
  }
  return lines;
}

/** The first line with this message (and fields) at or after `afterMs`. */
function firstLine(log: readonly LogLine[], msg: string, afterMs: number, fields: Record<string, unknown> = {}): number | undefined {
  return log.find((l) => l.msg === msg && l.time >= afterMs && Object.entries(fields).every(([k, v]) => l[k] === v))?.time;
}

interface Step {
  label: string;
  at(trace: ApplyTrace, previousMs: number): number | undefined;
}

function steps(hub: readonly LogLine[], agent: readonly LogLine[], events: DockerEventLog): Step[] {
  const pod = (trace: ApplyTrace): string => `default/${trace.name}`;
  const docker = (action: string, sandbox: boolean) => (trace: ApplyTrace, previousMs: number) =>
    events.find(action, { 'skiff.pod.name': trace.name, ...(sandbox ? { 'skiff.container.name': 'POD' } : {}) }).find((e) => e.timeMs >= previousMs - 1)?.timeMs;
  // pino stamps whole milliseconds and dockerd nanoseconds: a step may look 1 ms early.
  return [
    // The POST's answer is not a step: the scheduler often binds before the 201 reaches the bench.
    { label: 'hub: scheduler bound the pod', at: (t) => firstLine(hub, 'bound pod', t.startMs, { pod: pod(t) }) },
    { label: 'hub: dispatcher published the desired state', at: (_t, prev) => firstLine(hub, 'published desired state', prev - 1) },
    { label: 'agent: accepted the desired state', at: (_t, prev) => firstLine(agent, 'accepted desired state', prev - 1) },
    { label: 'docker: sandbox created', at: docker('create', true) },
    { label: 'docker: sandbox started', at: docker('start', true) },
    { label: 'agent: logged the sandbox started', at: (t, prev) => firstLine(agent, 'started pod sandbox', prev - 1, { pod: pod(t) }) },
    { label: 'docker: container created', at: docker('create', false) },
    { label: 'docker: container started', at: (t) => t.dockerStartMs },
    { label: 'agent: logged the container started', at: (t, prev) => firstLine(agent, 'started container', prev - 1, { pod: pod(t) }) },
    { label: 'agent: status report acknowledged (PUBACK)', at: (_t, prev) => firstLine(agent, 'published status report', prev - 1) },
    { label: 'bench: watch says Running', at: (t) => t.runningMs },
  ];
}

/** The breakdown as a markdown table: each step's median share, and the median total. */
export function breakdownLines(traces: readonly ApplyTrace[], hubLog: string, agentLog: string, events: DockerEventLog): string[] {
  if (traces.length === 0) return [];
  const path = steps(readLog(hubLog), readLog(agentLog), events);
  const shares = path.map(() => [] as number[]);
  for (const trace of traces) {
    let previousMs = trace.startMs;
    path.forEach((step, i) => {
      const at = step.at(trace, previousMs);
      if (at === undefined) return; // not logged (a lower log level): its share goes to the next step
      shares[i]!.push(at - previousMs);
      previousMs = at;
    });
  }
  const total = traces.map((t) => t.runningMs - t.startMs);
  const answered = traces.map((t) => t.appliedMs - t.startMs);
  return [
    `API POST -> Running, step by step (medians over ${traces.length} pods; a step's share is from the step before):`,
    '| step | median ms | p90 ms | n |',
    '|---|---|---|---|',
    ...path.map((step, i) => `| ${step.label} | ${percentile(shares[i]!, 50).toFixed(1)} | ${percentile(shares[i]!, 90).toFixed(1)} | ${shares[i]!.length} |`),
    `| total (POST -> Running) | ${percentile(total, 50).toFixed(1)} | ${percentile(total, 90).toFixed(1)} | ${total.length} |`,
    `| (aside: POST -> 201 answered) | ${percentile(answered, 50).toFixed(1)} | ${percentile(answered, 90).toFixed(1)} | ${answered.length} |`,
  ];
}

/** One Deployment of many Pods, as the benchmark saw it (epoch ms). */
export interface BatchTrace {
  name: string;
  startMs: number;
  /** The watch received the last of its Pods Running. */
  lastRunningMs: number;
  pods: readonly string[];
}

/**
 * Where a batch's time goes on the agent: its passes create every sandbox, then (after observing
 * them) every container, then report. First and last of each, from the start of the POST.
 */
export function batchBreakdownLines(batches: readonly BatchTrace[], hubLog: string, agentLog: string): string[] {
  if (batches.length === 0) return [];
  const hub = readLog(hubLog);
  const agent = readLog(agentLog);
  const marks = new Map<string, number[]>();
  const mark = (label: string, ms: number | undefined): void => {
    // An empty list's min or max is infinite: that milestone was not logged in this batch.
    if (ms !== undefined && Number.isFinite(ms)) (marks.get(label) ?? marks.set(label, []).get(label)!).push(ms);
  };
  for (const batch of batches) {
    const ofBatch = (line: LogLine): boolean => line.time >= batch.startMs && line.time <= batch.lastRunningMs && batch.pods.includes(String(line.pod).replace(/^default\//, ''));
    const times = (log: readonly LogLine[], msg: string): number[] => log.filter((l) => l.msg === msg && ofBatch(l)).map((l) => l.time - batch.startMs);
    const bound = times(hub, 'bound pod');
    const sandboxes = times(agent, 'started pod sandbox');
    const containers = times(agent, 'started container');
    const inBatch = (l: LogLine): boolean => l.time >= batch.startMs && l.time <= batch.lastRunningMs;
    mark('hub: first pod bound', Math.min(...bound));
    mark('hub: last pod bound', Math.max(...bound));
    const fromStart = (line: LogLine | undefined): number | undefined => (line ? line.time - batch.startMs : undefined);
    mark('hub: first desired state published', fromStart(hub.find((l) => l.msg === 'published desired state' && inBatch(l))));
    mark('agent: first desired state accepted', fromStart(agent.find((l) => l.msg === 'accepted desired state' && inBatch(l))));
    mark('agent: first sandbox started', Math.min(...sandboxes));
    mark('agent: last sandbox started', Math.max(...sandboxes));
    mark('agent: first container started', Math.min(...containers));
    mark('agent: last container started', Math.max(...containers));
    const lastContainer = batch.startMs + Math.max(...containers);
    mark('agent: first status report acked after it', fromStart(agent.find((l) => l.msg === 'published status report' && l.time >= lastContainer)));
    mark('bench: watch says the last pod Running', batch.lastRunningMs - batch.startMs);
  }
  return [
    `Deployment POST -> all ${batches[0]!.pods.length} Running, milestones from the POST (medians over ${batches.length} batch${batches.length === 1 ? '' : 'es'}):`,
    '| milestone | median ms | max ms |',
    '|---|---|---|',
    ...[...marks].map(([label, v]) => `| ${label} | ${percentile(v, 50).toFixed(0)} | ${Math.max(...v).toFixed(0)} |`),
  ];
}

/** One crash -> restarted of a Pod's container (epoch ms; the bench's watch for the last, dockerd for the rest). */
export interface CrashTrace {
  dieMs: number;
  /** The crashed container removed (the agent recorded how it ended and kept its output first). */
  removedMs: number;
  createdMs: number;
  restartedMs: number;
  reportedMs: number;
}

/** Where crash -> restarted goes: the agent removes the dead container, then creates and starts the next attempt. */
export function crashBreakdownLines(traces: readonly CrashTrace[]): string[] {
  if (traces.length === 0) return [];
  const step = (label: string, share: (t: CrashTrace) => number): string => {
    const v = traces.map(share);
    return `| ${label} | ${percentile(v, 50).toFixed(0)} | ${percentile(v, 90).toFixed(0)} | ${v.length} |`;
  };
  return [
    `Crash -> restarted, step by step (medians over ${traces.length} crashes; dockerd's timestamps, then the bench's watch):`,
    '| step | median ms | p90 ms | n |',
    '|---|---|---|---|',
    step('die -> the dead container destroyed (agent: observe, record, keep its log, remove)', (t) => t.removedMs - t.dieMs),
    step('destroyed -> the next attempt created (agent: a pass, create)', (t) => t.createdMs - t.removedMs),
    step('created -> started', (t) => t.restartedMs - t.createdMs),
    step('started -> the watch says restartCount 1, Running', (t) => t.reportedMs - t.restartedMs),
  ];
}
