/**
 * The prober: one worker per (running container, probe), as kubelet's prober manager keeps them.
 * Workers probe on their own timers, independent of the reconcile loop; when a published result
 * flips they call `onResult` so the loop plans again (a liveness or startup failure becomes a
 * restart) and the reporter republishes (readiness gates the Pod's Ready condition and, through
 * it, the rollout). `sync` is level-triggered: it is given every running container after each
 * pass and starts or stops workers to match, keyed by Docker id, so a restarted container starts
 * from fresh results (its initial delay included).
 */
import type { Container } from '../../shared/api/schema/pod.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { DesiredPod, NodeEvent } from '../../shared/mqtt/messages.js';
import type { ExecResult } from '../runtime/docker-api.js';
import { podEvent } from '../report/pod-event.js';
import { PROBE_KINDS, probeOf, probeTitle, targetOf, timingOf, type ProbeKind, type ProbeTiming } from './probe-spec.js';
import { runProbe } from './probe-runners.js';
import { initialProbeState, nextProbeState, type ProbeResult, type ProbeState } from './probe-state.js';
import type { Probe } from '../../shared/api/schema/pod.js';

export interface ProbedContainer {
  /** Docker id. */
  id: string;
  pod: DesiredPod;
  spec: Container;
  /** The pod's IP, where httpGet and tcpSocket probes go unless they name a host. */
  ip?: string;
  startedAtMs: number;
}

/** What the probes of one container say now (absent probe: 'success'). */
export interface ProbeResults {
  startup: ProbeResult;
  readiness: ProbeResult;
}

/** A container whose liveness or startup probe failed: the planner restarts it. */
export interface Unhealthy {
  kind: 'liveness' | 'startup';
  /** kubelet's Killing message: "Container web failed liveness probe, will be restarted". */
  message: string;
}

export interface ProberDeps {
  exec(containerId: string, command: string[], timeoutMs: number): Promise<ExecResult>;
  now(): number;
  /** A published result changed. */
  onResult(): void;
  onEvent(event: NodeEvent): void;
  log: Logger;
}

class ProbeWorker {
  state: ProbeState;
  private readonly timing: ProbeTiming;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly kind: ProbeKind,
    readonly container: ProbedContainer,
    private readonly probe: Probe,
    private readonly prober: Prober,
  ) {
    this.state = initialProbeState(kind);
    this.timing = timingOf(probe);
  }

  start(): void {
    this.schedule(this.container.startedAtMs + this.timing.initialDelayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Probe now instead of at the next period (startup just succeeded). */
  kick(): void {
    if (this.stopped || this.state.onHold) return;
    const notBefore = this.container.startedAtMs + this.timing.initialDelayMs;
    this.schedule(Math.max(notBefore, this.prober.now()));
  }

  private schedule(atMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), Math.max(0, atMs - this.prober.now()));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const startedMs = this.prober.now();
    // Liveness and readiness wait for the startup probe, which stops once it has succeeded.
    if (this.kind !== 'startup' && !this.prober.started(this.container.id)) return this.schedule(startedMs + this.timing.periodMs);
    const { container } = this;
    const target = targetOf(this.probe, container.spec, container.ip);
    const attempt =
      typeof target === 'string'
        ? { outcome: 'unknown' as const, output: target }
        : await runProbe(target, this.timing.timeoutMs, (command, timeoutMs) => this.prober.deps.exec(container.id, command, timeoutMs));
    if (this.stopped) return;
    if (attempt.outcome === 'unknown') {
      // kubelet throws such a result away (a mistyped port name never restarts a container) but says so.
      const message = `${probeTitle(this.kind)} probe errored and resulted in unknown state: ${attempt.output}`;
      this.prober.deps.onEvent(podEvent(container.pod, container.spec.name, 'Warning', 'Unhealthy', message, this.prober.now()));
      this.prober.deps.log.debug({ container: container.id.slice(0, 12), probe: this.kind, err: attempt.output }, 'probe errored');
    } else {
      if (attempt.outcome === 'failure') {
        const message = `${probeTitle(this.kind)} probe failed: ${attempt.output}`;
        this.prober.deps.onEvent(podEvent(container.pod, container.spec.name, 'Warning', 'Unhealthy', message, this.prober.now()));
      }
      const before = this.state.result;
      this.state = nextProbeState(this.state, attempt.outcome, this.kind, this.timing);
      if (this.state.result !== before || this.state.onHold) this.prober.changed(this, attempt.output);
    }
    if (this.state.onHold || (this.kind === 'startup' && this.state.result === 'success')) return;
    this.schedule(startedMs + this.timing.periodMs);
  }
}

export class Prober {
  private readonly workers = new Map<string, ProbeWorker>();
  private readonly failed = new Map<string, Unhealthy>();

  constructor(readonly deps: ProberDeps) {}

  now(): number {
    return this.deps.now();
  }

  /** Starts workers for new running containers and stops those of containers no longer running. */
  sync(running: readonly ProbedContainer[]): void {
    const wanted = new Set<string>();
    for (const container of running) {
      for (const kind of PROBE_KINDS) {
        const probe = probeOf(container.spec, kind);
        if (!probe) continue;
        const key = `${container.id}/${kind}`;
        wanted.add(key);
        if (this.workers.has(key)) continue;
        const worker = new ProbeWorker(kind, container, probe, this);
        this.workers.set(key, worker);
        worker.start();
      }
    }
    for (const [key, worker] of this.workers) {
      if (wanted.has(key)) continue;
      worker.stop();
      this.workers.delete(key);
      this.failed.delete(worker.container.id);
    }
  }

  started(containerId: string): boolean {
    const startup = this.workers.get(`${containerId}/startup`);
    return startup === undefined || startup.state.result === 'success';
  }

  /** Results by Docker id, for containers that have workers. */
  results(): ReadonlyMap<string, ProbeResults> {
    const out = new Map<string, ProbeResults>();
    for (const worker of this.workers.values()) {
      const id = worker.container.id;
      const entry = out.get(id) ?? { startup: 'success', readiness: 'success' };
      if (worker.kind === 'startup') entry.startup = worker.state.result;
      if (worker.kind === 'readiness') entry.readiness = worker.state.result;
      out.set(id, entry);
    }
    return out;
  }

  unhealthy(): ReadonlyMap<string, Unhealthy> {
    return this.failed;
  }

  /** Called by a worker whose published result changed. */
  changed(worker: ProbeWorker, output: string): void {
    const { container, kind } = worker;
    if (worker.state.onHold && (kind === 'liveness' || kind === 'startup')) {
      this.failed.set(container.id, { kind, message: `Container ${container.spec.name} failed ${kind} probe, will be restarted` });
      this.deps.log.info({ pod: `${container.pod.metadata.namespace}/${container.pod.metadata.name}`, container: container.spec.name, probe: kind, output }, 'probe failed; restarting container');
    }
    if (kind === 'startup' && worker.state.result === 'success') {
      for (const other of ['liveness', 'readiness'] as const) this.workers.get(`${container.id}/${other}`)?.kick();
    }
    try {
      this.deps.onResult();
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err) }, 'probe result handler failed');
    }
  }

  stop(): void {
    for (const worker of this.workers.values()) worker.stop();
    this.workers.clear();
    this.failed.clear();
  }
}
