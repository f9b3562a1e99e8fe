/**
 * The pure core of the hub's event recorder, after client-go's EventCorrelator
 * (tools/record/events_cache.go) and recorder (tools/record/event.go): an occurrence with the
 * same involved object (uid and fieldPath included), source, type, reason and message as an
 * earlier one folds into that Event (count + 1, lastTimestamp moves, firstTimestamp and name
 * stay); anything else starts a new Event named `<object>.<unix nanoseconds in hex>` in the
 * object's namespace ("default" for cluster-scoped objects such as Nodes). No I/O and no clock:
 * times come in as arguments.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { Event, EventType, ObjectReference } from '../../shared/api/schema/event.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { LruMap } from './lru-map.js';
import { SPAM_BURST, SPAM_REFILL_PER_MS, SpamFilter } from './spam-filter.js';

export interface EventSource {
  component: string;
  host?: string;
}

/** One thing that happened, as a component reports it. */
export interface Occurrence {
  involvedObject: ObjectReference;
  type: EventType;
  reason: string;
  message: string;
  source: EventSource;
}

/** client-go's maxLruCacheEntries: how many distinct events (and spam buckets) are remembered. */
export const CORRELATION_CACHE_SIZE = 4096;
/** Event.message's limit in the schema; longer messages are cut as kube-scheduler's truncateMessage does. */
export const MAX_MESSAGE_LENGTH = 1024;

/** What the correlator remembers of an Event it has written (or held back). */
interface Observation {
  namespace: string;
  name: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  involvedObject: ObjectReference;
}

export type Correlation =
  /** Write `event`: a new one, or the fold of a repeat into the Event of that name. */
  | { action: 'create' | 'update'; event: Event }
  /** Held back by the spam filter; counted, and carried by the next write of the same Event. */
  | { action: 'skip'; event: Event };

/** ref.GetReference: apiVersion, kind, namespace, name, uid and resourceVersion of an object. */
export function referenceTo(object: KubeObject | ObjectReference): ObjectReference {
  if (!('metadata' in object)) return { ...object };
  const { namespace, name, uid, resourceVersion } = object.metadata;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(namespace ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(resourceVersion !== undefined ? { resourceVersion } : {}),
  };
}

/** As Kubernetes' recorder: an Event lives in its object's namespace, or "default" for cluster-scoped ones. */
export function eventNamespace(ref: ObjectReference): string {
  return ref.namespace || DEFAULTS.namespace;
}

/** `fmt.Sprintf("%v.%x", ref.Name, t.UnixNano())`: 16 hex digits for any time after 2004. */
export function eventName(objectName: string, unixNanos: bigint): string {
  return `${objectName}.${unixNanos.toString(16)}`;
}

/** metav1.Time as the API prints it: RFC 3339 in UTC, whole seconds. */
export function eventTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * When a reported occurrence happened: the reporter's time when it is plausible, else `now`.
 * A device's clock can be far off (a Raspberry Pi has no real-time clock until NTP answers), and
 * an Event dated in the future or before the retention window would read as nonsense or be
 * swept at once.
 */
export function occurrenceTime(reported: Date | undefined, now: Date, maxAgeMs: number): Date {
  if (!reported || Number.isNaN(reported.getTime())) return now;
  const age = now.getTime() - reported.getTime();
  return age >= 0 && age < maxAgeMs ? reported : now;
}

export function truncateMessage(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 3)}...`;
}

/** client-go's getEventKey: occurrences with equal keys are one Event. */
export function correlationKey(o: Occurrence): string {
  const ref = o.involvedObject;
  return JSON.stringify([o.source.component, o.source.host ?? '', ref.kind ?? '', ref.namespace ?? '', ref.name ?? '', ref.fieldPath ?? '', ref.uid ?? '', ref.apiVersion ?? '', o.type, o.reason, o.message]);
}

/** client-go's getSpamKey: the spam filter's budget is per source and object. */
export function spamKey(o: Occurrence): string {
  const ref = o.involvedObject;
  return JSON.stringify([o.source.component, o.source.host ?? '', ref.kind ?? '', ref.namespace ?? '', ref.name ?? '', ref.uid ?? '', ref.apiVersion ?? '']);
}

function toEvent(o: Occurrence, observation: Observation): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: observation.name, namespace: observation.namespace },
    involvedObject: observation.involvedObject,
    reason: o.reason,
    message: truncateMessage(o.message),
    source: { component: o.source.component, ...(o.source.host ? { host: o.source.host } : {}) },
    firstTimestamp: observation.firstTimestamp,
    lastTimestamp: observation.lastTimestamp,
    count: observation.count,
    type: o.type,
    eventTime: null,
    // The legacy recorder fills these from its source, so both event APIs can read the Event.
    reportingComponent: o.source.component,
    reportingInstance: o.source.host ?? '',
  };
}

/** The occurrence a stored Event stands for (to rebuild the correlator's memory after a restart). */
function occurrenceOf(event: Event): Occurrence | undefined {
  if (!event.type || !event.reason || event.message === undefined || !event.source?.component) return undefined;
  return {
    involvedObject: event.involvedObject,
    type: event.type,
    reason: event.reason,
    message: event.message,
    source: { component: event.source.component, ...(event.source.host ? { host: event.source.host } : {}) },
  };
}

const earlier = (a: string, b: string): string => (Date.parse(a) <= Date.parse(b) ? a : b);
const later = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);

export class EventCorrelator {
  private readonly observations: LruMap<string, Observation>;
  private readonly spam: SpamFilter;
  /** Names must be unique even for two Events of one object within one millisecond. */
  private lastNanos = 0n;

  constructor(options: { cacheSize?: number; spamBurst?: number; spamRefillPerMs?: number } = {}) {
    const size = options.cacheSize ?? CORRELATION_CACHE_SIZE;
    this.observations = new LruMap(size);
    this.spam = new SpamFilter(size, options.spamBurst ?? SPAM_BURST, options.spamRefillPerMs ?? SPAM_REFILL_PER_MS);
  }

  /** Folds one occurrence at time `at` into what was seen before; `nowMs` drives the spam filter. */
  correlate(o: Occurrence, at: Date, nowMs: number = at.getTime()): Correlation {
    const key = correlationKey(o);
    const timestamp = eventTimestamp(at);
    const previous = this.observations.get(key);
    const observation: Observation = previous
      ? {
          ...previous,
          count: previous.count + 1,
          firstTimestamp: earlier(previous.firstTimestamp, timestamp),
          lastTimestamp: later(previous.lastTimestamp, timestamp),
        }
      : {
          namespace: eventNamespace(o.involvedObject),
          name: eventName(o.involvedObject.name ?? '', this.nextNanos(at)),
          count: 1,
          firstTimestamp: timestamp,
          lastTimestamp: timestamp,
          involvedObject: o.involvedObject,
        };
    this.observations.set(key, observation);
    const event = toEvent(o, observation);
    if (!this.spam.allow(spamKey(o), nowMs)) return { action: 'skip', event };
    return { action: previous ? 'update' : 'create', event };
  }

  /** Remembers a stored Event, so that its next repeat folds into it (the newest of equal ones wins). */
  remember(event: Event): void {
    const o = occurrenceOf(event);
    const name = event.metadata.name;
    const lastTimestamp = event.lastTimestamp ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
    if (!o || !name || !lastTimestamp) return;
    const key = correlationKey(o);
    const known = this.observations.get(key);
    if (known && Date.parse(known.lastTimestamp) >= Date.parse(lastTimestamp)) return;
    this.observations.set(key, {
      namespace: event.metadata.namespace ?? eventNamespace(event.involvedObject),
      name,
      count: event.count || 1,
      firstTimestamp: event.firstTimestamp ?? lastTimestamp,
      lastTimestamp,
      involvedObject: event.involvedObject,
    });
  }

  private nextNanos(at: Date): bigint {
    const nanos = BigInt(at.getTime()) * 1_000_000n;
    this.lastNanos = nanos > this.lastNanos ? nanos : this.lastNanos + 1n;
    return this.lastNanos;
  }
}
