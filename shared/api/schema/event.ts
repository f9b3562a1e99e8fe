/**
 * core/v1 Event, the shape `kubectl get events` and `describe` read. Events are written by the
 * hub's controllers and, for things that happen on a node (pulls, starts, kills, probe failures),
 * recorded by the hub from the node's event reports (shared/mqtt/messages.ts: EventReport).
 */
import { z } from 'zod';
import { objectMeta } from './meta.js';

export const EVENT_TYPES = ['Normal', 'Warning'] as const;

export const objectReference = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});

export const eventSource = z.strictObject({
  component: z.string().optional(),
  host: z.string().optional(),
});

export const event = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Event'),
  metadata: objectMeta,
  involvedObject: objectReference,
  reason: z.string().max(128).optional(),
  message: z.string().max(1024).optional(),
  source: eventSource.optional(),
  firstTimestamp: z.string().nullable().optional(),
  lastTimestamp: z.string().nullable().optional(),
  count: z.number().int().min(0).optional(),
  type: z.enum(EVENT_TYPES).optional(),
  eventTime: z.string().nullable().optional(),
  series: z.unknown().optional(),
  action: z.string().optional(),
  related: objectReference.optional(),
  reportingComponent: z.string().optional(),
  reportingInstance: z.string().optional(),
});

export type ObjectReference = z.infer<typeof objectReference>;
export type EventType = (typeof EVENT_TYPES)[number];
export type Event = z.infer<typeof event>;
