/**
 * Which Events to delete: those not seen for `ttlMs` (kube-apiserver's --event-ttl, which puts a
 * lease on every Event write), then, while more than `maxCount` remain, the least recently seen.
 * Pure: the sweeper lists, calls this, and deletes.
 */
import type { Event } from '../../shared/api/schema/event.js';

export interface RetentionPolicy {
  ttlMs: number;
  maxCount: number;
}

/** When an Event was last seen: lastTimestamp, else eventTime, firstTimestamp or its creation. */
export function lastSeenMs(event: Event): number {
  const at = event.lastTimestamp || event.eventTime || event.firstTimestamp || event.metadata.creationTimestamp;
  const ms = at ? Date.parse(at) : Number.NaN;
  // An Event without any readable time cannot age: treat it as the oldest, so it goes first.
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

export function eventsToDelete(events: readonly Event[], nowMs: number, policy: RetentionPolicy): Event[] {
  const byAge = [...events].sort((a, b) => lastSeenMs(a) - lastSeenMs(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const expired = byAge.filter((e) => nowMs - lastSeenMs(e) >= policy.ttlMs);
  const kept = byAge.slice(expired.length);
  const excess = Math.max(0, kept.length - Math.max(0, policy.maxCount));
  return [...expired, ...kept.slice(0, excess)];
}
