/**
 * Publishes StatusReports: after a settled pass when the report changed, at once on (re)connect,
 * and at least every nodeStatusReportIntervalMs. In between, the heartbeat is a lease (an empty
 * message) every heartbeatIntervalMs, as kubelet renews its node Lease rather than posting its
 * whole NodeStatus: a few bytes on the link and no store write on the hub. While the link is down nothing is
 * queued: a status report is a full snapshot, so only the latest matters and it goes out on
 * reconnect (MQTT.js would otherwise replay every stale heartbeat from its offline queue).
 *
 * Status and the outbox (issue #7): status reports do not go through the outbox
 * (agent/outbox/outbox.ts). The newest snapshot is rebuilt from Docker and the store at any
 * time, also after an agent restart, so keeping only it is keeping "the newest unsent snapshot",
 * and since it takes no outbox space it can never be dropped in favour of metrics. The
 * transitions in between (Running -> Failed -> Running while offline) are not lost either: they
 * are told by events, as kubelet tells them (Created, Started, Killing, BackOff, Unhealthy,
 * Evicted), and events go through the durable outbox, which gives up every metric before any
 * event.
 */
import type { Logger } from '../../shared/log.js';
import { DEFAULTS } from '../../shared/defaults.js';
import type { PullProgress } from '../../shared/pull-progress-message.js';
import { errorMessage } from '../../shared/errors.js';
import type { NodeStatus, PodStatus } from '../../shared/api/status-types.js';
import type { ReportedPod, StatusReport } from '../../shared/mqtt/messages.js';
import type { ContainerHistory } from '../reconcile/history.js';
import type { PassResult } from '../reconcile/loop.js';
import { withPullProgress } from './pod-status.js';
import { buildStatusReport, reportFingerprint, reportedPods, withEvictedPods } from './status-report.js';

export interface ReporterDeps {
  node: string;
  labels: Record<string, string>;
  nodeStatus(nowIso: string): NodeStatus;
  hostIP(): string;
  history(): ReadonlyMap<string, ContainerHistory>;
  nextSeq(): number;
  /**
   * Pods the node evicted: they run no containers, yet the hub must see them Failed/Evicted until
   * it deletes them. They replace any reconciled entry with the same uid.
   */
  evictedPods?(hostIP: string, observedGeneration: number): readonly ReportedPod[];
  /** Resolves once the broker has the message (QoS 1); rejects when it cannot be sent. */
  publish(report: StatusReport): Promise<void>;
  /** Renews the node's lease: fire and forget (QoS 0; a lost one is followed by the next). */
  publishLease(): void;
  isConnected(): boolean;
  now(): number;
  heartbeatIntervalMs: number;
  /** A full report at least this often even when nothing changed (default DEFAULTS.nodeStatusReportIntervalMs). */
  statusReportIntervalMs?: number;
  /** The latest progress of the pull of an image (normalised reference), while it runs (issue #9). */
  pullProgress?(image: string): PullProgress | undefined;
  /** At most one report caused by pull progress per this interval (default DEFAULTS.pullProgressReportIntervalMs). */
  pullProgressIntervalMs?: number;
  log: Logger;
}

/**
 * When a report caused by pull progress may go (0: now): progress arrives with every line the
 * engine sends, many a second, while a slow MQTT link and the hub's store take a report at most
 * every `intervalMs`. Pure: the clock comes in.
 */
export function progressReportDelayMs(nowMs: number, lastProgressReportMs: number | undefined, intervalMs: number): number {
  if (lastProgressReportMs === undefined) return 0;
  return Math.max(0, lastProgressReportMs + intervalMs - nowMs);
}

/**
 * What the heartbeat timer sends now: a full report when the last one is older than the status
 * interval, a lease when nothing at all went out for a heartbeat interval, else nothing. Pure:
 * the clock comes in.
 */
export function heartbeatDue(nowMs: number, last: { reportMs: number; anyMs: number }, intervals: { heartbeatMs: number; statusReportMs: number }): 'report' | 'lease' | undefined {
  if (nowMs - last.reportMs >= intervals.statusReportMs) return 'report';
  if (nowMs - last.anyMs >= intervals.heartbeatMs) return 'lease';
  return undefined;
}

export class Reporter {
  private pods: ReportedPod[] = [];
  private observedGeneration = 0;
  private previous = new Map<string, PodStatus>();
  private lastFingerprint: string | undefined;
  /** When the last full report went out, and when anything (report or lease) last went out. */
  private lastReportMs = 0;
  private lastSentMs = 0;
  private sending = false;
  private resend = false;
  private timer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private lastProgressReportMs: number | undefined;
  /** The last report built (sent or not), for tests and debugging. */
  last: StatusReport | undefined;

  constructor(private readonly deps: ReporterDeps) {}

  start(): void {
    this.timer ??= setInterval(() => this.beat(), Math.min(1000, this.deps.heartbeatIntervalMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
  }

  /** The loop settled: recompute pod statuses and publish if anything changed. */
  onSettled(pass: PassResult): void {
    const nowIso = new Date(this.deps.now()).toISOString();
    this.pods = reportedPods({ pass, history: this.deps.history(), hostIP: this.deps.hostIP(), nowIso, previous: this.previous });
    this.previous = new Map(this.pods.map((p) => [p.uid, p.status]));
    this.observedGeneration = pass.desired?.generation ?? 0;
    this.send(false);
  }

  /** Something about the node itself changed (a pressure condition): report it now, not at the next heartbeat. */
  onNodeChanged(): void {
    this.send(false);
  }

  /**
   * A pull in flight made progress: report it now, or once the interval since the last progress
   * report has passed (one timer at most; whatever progress is latest then goes). Sent only if
   * the report changed (the fingerprint: the same rounded figures send nothing).
   */
  onPullProgress(): void {
    if (this.progressTimer) return;
    const delay = progressReportDelayMs(this.deps.now(), this.lastProgressReportMs, this.deps.pullProgressIntervalMs ?? DEFAULTS.pullProgressReportIntervalMs);
    if (delay === 0) return this.reportProgress();
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      this.reportProgress();
    }, delay);
    this.progressTimer.unref();
  }

  private reportProgress(): void {
    this.lastProgressReportMs = this.deps.now();
    this.send(false);
  }

  private beat(): void {
    const due = heartbeatDue(this.deps.now(), { reportMs: this.lastReportMs, anyMs: this.lastSentMs }, {
      heartbeatMs: this.deps.heartbeatIntervalMs,
      statusReportMs: this.deps.statusReportIntervalMs ?? DEFAULTS.nodeStatusReportIntervalMs,
    });
    if (due === 'report') this.send(true);
    if (due !== 'lease' || !this.deps.isConnected()) return;
    this.lastSentMs = this.deps.now();
    this.deps.publishLease();
  }

  /** The MQTT link came (back) up: whatever the broker last had may be stale. */
  onConnected(): void {
    this.send(true);
  }

  /** The hub asked for the full report (it marked the node Unknown, and leases alone do not tell it more). */
  onReportRequested(): void {
    this.send(true);
  }

  private build(seq: number): StatusReport {
    const nowIso = new Date(this.deps.now()).toISOString();
    return buildStatusReport({
      node: this.deps.node,
      seq,
      nowIso,
      observedGeneration: this.observedGeneration,
      labels: this.deps.labels,
      nodeStatus: this.deps.nodeStatus(nowIso),
      pods: withEvictedPods(this.withPullProgress(this.pods), this.deps.evictedPods?.(this.deps.hostIP(), this.observedGeneration) ?? []),
    });
  }

  private withPullProgress(pods: ReportedPod[]): ReportedPod[] {
    const progressOf = this.deps.pullProgress;
    if (!progressOf) return pods;
    return pods.map((pod) => {
      const status = withPullProgress(pod.status, (image) => progressOf(image));
      return status === pod.status ? pod : { ...pod, status };
    });
  }

  private send(force: boolean): void {
    const draft = this.build(0);
    const fingerprint = reportFingerprint(draft);
    if (!force && fingerprint === this.lastFingerprint) return;
    if (this.sending) {
      this.resend = true; // sent as soon as the current publish completes
      return;
    }
    if (!this.deps.isConnected()) {
      this.lastFingerprint = undefined; // sent on reconnect (onConnected)
      return;
    }
    const report = { ...draft, seq: this.deps.nextSeq() };
    this.last = report;
    this.sending = true;
    this.lastSentMs = this.lastReportMs = this.deps.now();
    this.lastFingerprint = fingerprint;
    this.deps
      .publish(report)
      .then(
        () => this.deps.log.debug({ seq: report.seq, pods: report.pods.length }, 'published status report'),
        (err: unknown) => {
          this.lastFingerprint = undefined;
          this.deps.log.warn({ seq: report.seq, err: errorMessage(err) }, 'status report not published');
        },
      )
      .finally(() => {
        this.sending = false;
        if (this.resend) {
          this.resend = false;
          this.send(false);
        }
      });
  }
}
