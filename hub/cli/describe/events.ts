/**
 * The "Events:" section every describer ends with (kubectl's DescribeEvents), and how describe
 * finds an object's events (kubectl's searchEvents): by involvedObject name, namespace and uid.
 */
import type { Event } from '../../../shared/api/schema/event.js';
import { LEVEL_0, LEVEL_1, type PrefixWriter } from './prefix-writer.js';
import { since, type DescribeClock } from './time-format.js';

/** core/v1 EventSeries, which Skiff's schema keeps opaque. */
interface EventSeries {
  count?: number;
  lastObservedTime?: string;
}

/** Which object's events to look for; a cluster-scoped object has namespace ''. */
export interface EventTarget {
  name: string;
  namespace: string;
  uid: string;
}

/** fields.EscapeValue: a selector value may not carry its own separators unescaped. */
const escapeFieldValue = (value: string): string => value.replace(/[\\,=]/g, (ch) => `\\${ch}`);

/** events.GetFieldSelector(name, namespace, nil, uid).String(): terms sorted by field name. */
export function involvedObjectSelector(target: EventTarget): string {
  return [
    `involvedObject.name=${escapeFieldValue(target.name)}`,
    `involvedObject.namespace=${escapeFieldValue(target.namespace)}`,
    `involvedObject.uid=${escapeFieldValue(target.uid)}`,
  ].join(',');
}

/** The same test as the field selector, for hubs that cannot filter events themselves. */
export function involves(event: Event, target: EventTarget): boolean {
  const ref = event.involvedObject ?? {};
  return (ref.name ?? '') === target.name && (ref.namespace ?? '') === target.namespace && (ref.uid ?? '') === target.uid;
}

/**
 * What kubectl searches for each kind. Pods and Deployments: the object itself. Nodes: kubelets
 * record node events under the node's name as uid, controllers under its real uid, and kubectl
 * asks for both (NodeDescriber); node events have no involvedObject namespace.
 */
export function eventTargets(object: { kind: string; metadata: { name?: string; namespace?: string; uid?: string } }): EventTarget[] {
  const name = object.metadata.name ?? '';
  const uid = object.metadata.uid ?? '';
  if (object.kind === 'Node') return [{ name, namespace: '', uid }, { name, namespace: '', uid: name }];
  return [{ name, namespace: object.metadata.namespace ?? '', uid }];
}

/** SortableEvents' key: lastTimestamp, else eventTime; a missing time is Go's zero time, the earliest. */
function eventInstant(event: Event): number {
  const at = Date.parse(event.lastTimestamp || event.eventTime || '');
  return Number.isNaN(at) ? Number.NEGATIVE_INFINITY : at;
}

/** The AGE cell: "5m", or "2m (x3 over 5m)" for an event seen several times. */
export function eventAge(event: Event, clock: DescribeClock): string {
  const first = event.eventTime ? since(event.eventTime, clock) : since(event.firstTimestamp, clock);
  const series = event.series as EventSeries | undefined;
  if (series) return `${since(series.lastObservedTime, clock)} (x${series.count ?? 0} over ${first})`;
  if ((event.count ?? 0) > 1) return `${since(event.lastTimestamp, clock)} (x${event.count} over ${first})`;
  return first;
}

export function describeEvents(events: readonly Event[], w: PrefixWriter, clock: DescribeClock): void {
  if (events.length === 0) return w.write(LEVEL_0, 'Events:\t<none>\n');
  // The table aligns on its own, not with the fields above it.
  w.flush();
  const sorted = [...events].sort((a, b) => {
    const [x, y] = [eventInstant(a), eventInstant(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  w.write(LEVEL_0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(LEVEL_1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const from = e.source?.component || e.reportingComponent || '';
    w.write(LEVEL_1, `${e.type ?? ''}\t${e.reason ?? ''}\t${eventAge(e, clock)}\t${from}\t${(e.message ?? '').trim()}\n`);
  }
}
