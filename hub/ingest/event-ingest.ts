/**
 * Records what nodes report on nodes/{node}/events (kubelet's Pulling, Started, Killing, BackOff,
 * ...) as core/v1 Events with source {component: kubelet, host: node}. A node may speak only for
 * itself: the report must name the node of its topic (the broker already checks the topic is the
 * client's own), and each event must be about a Pod that exists with that uid and is bound to
 * that node. Anything else is logged with the topic and field and dropped; nothing a node sends
 * can crash the hub or write an Event about another node's Pods.
 *
 * Reports from one node are recorded one after another, in the order they came (the agent's
 * outbox sends them in seq order), and an event whose seq the node's stream already delivered
 * (a QoS 1 redelivery, an outbox replay after a restart) is skipped: see delivery-ledger.ts. The
 * ledger is the hub's durable one when given (MetricsService.ledger, kept in metrics.db); without
 * it redeliveries are still skipped until the hub restarts.
 */
import { resolveResource } from '../../shared/api/resources.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { DroppedReportLog } from './dropped-report-log.js';
import { decodeEventReport, type EventReport, type NodeEvent } from '../../shared/mqtt/messages.js';
import { allNodesFilter, parseNodeTopic } from '../../shared/mqtt/topics.js';
import type { MessageBus } from '../broker/message-bus.js';
import { nodeNameOf } from '../controllers/pod-facts.js';
import type { EventRecorder } from '../events/event-recorder.js';
import type { Store } from '../store/store.js';
import { DeliveryLedger } from './delivery-ledger.js';

const pods = resolveResource('pods')!;

/** Event.reason's limit in the schema. */
const MAX_REASON_LENGTH = 128;

export class EventIngest {
  private readonly log: Logger;
  private readonly dropped: DroppedReportLog;
  private readonly inFlight = new Set<Promise<void>>();
  /** Per node, the end of its chain of reports being recorded (one at a time, in order). */
  private readonly tails = new Map<string, Promise<void>>();
  /** Events skipped as redeliveries, for tests. */
  redelivered = 0;

  constructor(
    private readonly store: Store,
    private readonly bus: MessageBus,
    private readonly recorder: EventRecorder,
    logger: Logger,
    private readonly ledger: DeliveryLedger = new DeliveryLedger(),
    /** shared: several hubs on one external broker take a share of the reports each (MessageBus.subscribe). */
    private readonly options: { shared?: boolean } = {},
  ) {
    this.log = logger.child({ component: 'event-ingest' });
    this.dropped = new DroppedReportLog(this.log);
  }

  async start(): Promise<void> {
    await this.bus.subscribe(allNodesFilter('events'), (topic, payload) => this.onEvents(topic, payload), { shared: this.options.shared === true });
  }

  /** Resolves when every report received so far has been checked and handed to the recorder. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  stop(): Promise<void> {
    return this.idle();
  }

  private onEvents(topic: string, payload: Buffer): void {
    const parsed = parseNodeTopic(topic);
    if (!parsed) return;
    let report: EventReport;
    try {
      report = decodeEventReport(payload, topic);
    } catch (err) {
      this.dropped.warn(parsed.node, { topic, err: errorMessage(err) }, 'undecodable event report dropped');
      return;
    }
    if (report.node !== parsed.node) {
      this.dropped.warn(parsed.node, { topic, field: 'node', reportedNode: report.node }, 'event report names another node; dropped');
      return;
    }
    const node = parsed.node;
    // Checked and marked now, in arrival order: a redelivery right behind its original is skipped too.
    const fresh = this.ledger.fresh(node, 'events', report, report.events.length);
    this.redelivered += report.events.length - fresh.length;
    if (fresh.length < report.events.length) this.log.debug({ topic, redelivered: report.events.length - fresh.length }, 'events already recorded; skipped');
    const mark = this.ledger.next(node, 'events', report);
    const events = fresh.map((i) => report.events[i]!);
    const previous = this.tails.get(node) ?? Promise.resolve();
    const work = previous
      .then(() => this.recordAll(node, events, topic))
      .then(() => this.saveMark(mark, topic))
      // Never a rejected link: the node's next report must still be recorded.
      .catch((err: unknown) => this.log.error({ topic, err: errorMessage(err) }, 'could not record an event report'))
      .finally(() => {
        this.inFlight.delete(work);
        if (this.tails.get(node) === work) this.tails.delete(node);
      });
    this.tails.set(node, work);
    this.inFlight.add(work);
    this.ledger.remember(mark); // at once: the next report is checked against it
  }

  /** The mark goes to disk once the events are with the recorder. */
  private saveMark(mark: ReturnType<DeliveryLedger['next']>, topic: string): void {
    if (!mark) return;
    try {
      this.ledger.save(mark);
    } catch (err) {
      this.log.error({ topic, err: errorMessage(err) }, 'could not save the events delivery mark; a replay after a hub restart may repeat them');
    }
  }

  private async recordAll(node: string, reported: NodeEvent[], topic: string): Promise<void> {
    for (const [i, event] of reported.entries()) {
      const ref = event.involvedObject;
      const context = { topic, node, pod: `${ref.namespace}/${ref.name}`, reason: event.reason };
      try {
        if (ref.fieldPath !== undefined && typeof ref.fieldPath !== 'string') {
          this.log.warn({ ...context, field: `events[${i}].involvedObject.fieldPath` }, 'event with a malformed fieldPath dropped');
          continue;
        }
        if (event.reason.length > MAX_REASON_LENGTH) {
          this.log.warn({ ...context, field: `events[${i}].reason` }, `event reason longer than ${MAX_REASON_LENGTH} characters dropped`);
          continue;
        }
        const pod = await this.store.get(pods, ref.namespace, ref.name);
        if (!pod || pod.metadata.uid !== ref.uid || nodeNameOf(pod) !== node) {
          this.log.warn(
            { ...context, field: `events[${i}].involvedObject`, uid: ref.uid, boundTo: pod && pod.metadata.uid === ref.uid ? (nodeNameOf(pod) ?? null) : null },
            'event about a pod that is not bound to the reporting node dropped',
          );
          continue;
        }
        this.recorder.record(
          {
            apiVersion: pod.apiVersion,
            kind: pod.kind,
            namespace: ref.namespace,
            name: ref.name,
            uid: ref.uid,
            ...(pod.metadata.resourceVersion ? { resourceVersion: pod.metadata.resourceVersion } : {}),
            ...(ref.fieldPath ? { fieldPath: ref.fieldPath } : {}),
          },
          event.type,
          event.reason,
          event.message,
          { component: 'kubelet', host: node },
          new Date(event.timestamp),
        );
      } catch (err) {
        this.log.error({ ...context, err }, 'could not check a reported event');
      }
    }
  }
}
