/**
 * Event rows, as kubectl 1.32's printEvent (pkg/printers/internalversion/printers.go): LAST SEEN
 * TYPE REASON OBJECT MESSAGE, and with -o wide SUBOBJECT and SOURCE before MESSAGE, then FIRST
 * SEEN, COUNT and NAME. Times fall back as kubectl's do: firstTimestamp to eventTime, lastTimestamp
 * to the first, and a series' lastObservedTime and count win over the legacy fields.
 */
import type { Event } from '../../shared/api/schema/event.js';
import { timestampSince } from './human-duration.js';
import { NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const eventColumns: TableColumnDefinition[] = [
  column('Last Seen', 'string', 0, 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'string', 0, 'Type of this event (Normal, Warning), new types could be added in the future'),
  column('Reason', 'string', 0, "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
  column('Object', 'string', 0, 'The object that this event is about.'),
  column('Subobject', 'string', 1, 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].'),
  column('Source', 'string', 1, 'The component reporting this event. Should be a short machine understandable string.'),
  column('Message', 'string', 0, 'A human-readable description of the status of this operation.'),
  column('First Seen', 'string', 1, 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
  column('Count', 'string', 1, 'The number of times this event has occurred.'),
  { ...NAME_COLUMN, priority: 1 },
];

interface EventSeries {
  count?: number;
  lastObservedTime?: string;
}

/** formatEventSource: "component, host", falling back to reportingController / reportingInstance. */
export function eventSource(event: Event): string {
  const component = event.source?.component || event.reportingComponent || '';
  const instance = event.source?.host || event.reportingInstance || '';
  return instance === '' ? component : `${component}, ${instance}`;
}

/** "pod/web-1": the involved object's kind, lower-cased, and name (kind alone without a name). */
export function eventObject(event: Event): string {
  const kind = (event.involvedObject.kind ?? '').toLowerCase();
  return event.involvedObject.name ? `${kind}/${event.involvedObject.name}` : kind;
}

export function eventCells(event: Event, now: Date): TableCell[] {
  const firstSeen = event.firstTimestamp ? timestampSince(event.firstTimestamp, now) : timestampSince(event.eventTime, now);
  let lastSeen = event.lastTimestamp ? timestampSince(event.lastTimestamp, now) : firstSeen;
  let count = event.count ?? 0;
  const series = event.series as EventSeries | null | undefined;
  if (series) {
    lastSeen = timestampSince(series.lastObservedTime, now);
    count = series.count ?? 0;
  } else if (count === 0) {
    count = 1; // singleton events of the new API carry no count
  }
  return [
    lastSeen,
    event.type ?? '',
    event.reason ?? '',
    eventObject(event),
    event.involvedObject.fieldPath ?? '',
    eventSource(event),
    (event.message ?? '').trim(),
    firstSeen,
    count,
    event.metadata.name ?? '',
  ];
}
