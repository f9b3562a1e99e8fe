/**
 * Records what nodes report on nodes/{node}/events (kubelet's Pulling, Started, Killing, BackOff,
 * ...) as core/v1 Events with source {component: kubelet, host: node}. A node may speak only for
 * itself: the report must name the node of its topic (the broker already checks the topic is the
 * client's own), and each event must be about a Pod that exists with that uid and is bound to
 * that node. Anything else is logged with the topic and field and dropped; nothing a node sends
 * can crash the hub or write an Event about another node's Pods.
 */
import { resolveResource } from '../../shared/api/resources.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { decodeEventReport, type EventReport, type NodeEvent } from '../../shared/mqtt/messages.js';
import { allNodesFilter, parseNodeTopic } from '../../shared/mqtt/topics.js';
import type { MessageBus } from '../broker/message-bus.js';
import { nodeNameOf } from '../controllers/pod-facts.js';
import type { EventRecorder } from '../events/event-recorder.js';
import type { Store } from '../store/store.js';

const pods = resolveResource('pods')!;

/** Event.reason's limit in the schema. */
const MAX_REASON_LENGTH = 128;

export class EventIngest {
  private readonly log: Logger;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly bus: MessageBus,
    private readonly recorder: EventRecorder,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'event-ingest' });
  }

  async start(): Promise<void> {
    await this.bus.subscribe(allNodesFilter('events'), (topic, payload) => this.onEvents(topic, payload));
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
      this.log.warn({ topic, err: errorMessage(err) }, 'undecodable event report dropped');
      return;
    }
    if (report.node !== parsed.node) {
      this.log.warn({ topic, field: 'node', reportedNode: report.node }, 'event report names another node; dropped');
      return;
    }
    const work = this.recordAll(parsed.node, report.events, topic).finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
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
