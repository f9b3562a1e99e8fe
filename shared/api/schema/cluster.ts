/** core/v1 Namespace and Node. */
import { z } from 'zod';
import { objectMeta } from './meta.js';
import type { NodeStatus } from '../status-types.js';

export const namespace = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Namespace'),
  metadata: objectMeta,
  spec: z.strictObject({ finalizers: z.array(z.string()).optional() }).optional(),
  status: z.unknown().optional(),
});

export const taint = z.strictObject({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
  timeAdded: z.string().optional(),
});

export const node = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Node'),
  metadata: objectMeta,
  spec: z.strictObject({ unschedulable: z.boolean().optional(), taints: z.array(taint).optional() }).optional(),
  status: z.unknown().optional(),
});

export type Namespace = z.infer<typeof namespace>;
export type Node = Omit<z.infer<typeof node>, 'status'> & { status?: NodeStatus };
