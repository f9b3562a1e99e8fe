/** apps/v1 Deployment and ReplicaSet. */
import { z } from 'zod';
import { labelSelector, objectMeta } from './meta.js';
import { podTemplateSpec } from './pod.js';
import type { DeploymentStatus, ReplicaSetStatus } from '../status-types.js';

const intOrPercent = z.union([z.number().int().min(0), z.string().regex(/^\d+%$/, 'must be an integer or a percentage like "25%"')]);

export const deploymentSpec = z.strictObject({
  replicas: z.number().int().min(0).optional(),
  selector: labelSelector,
  template: podTemplateSpec,
  strategy: z
    .strictObject({
      type: z.enum(['RollingUpdate', 'Recreate']).optional(),
      rollingUpdate: z.strictObject({ maxSurge: intOrPercent.optional(), maxUnavailable: intOrPercent.optional() }).optional(),
    })
    .optional(),
  minReadySeconds: z.number().int().min(0).optional(),
  revisionHistoryLimit: z.number().int().min(0).optional(),
  progressDeadlineSeconds: z.number().int().min(1).optional(),
  paused: z.boolean().optional(),
});

export const deployment = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: objectMeta,
  spec: deploymentSpec,
  status: z.unknown().optional(),
});

export const replicaSetSpec = z.strictObject({
  replicas: z.number().int().min(0).optional(),
  selector: labelSelector,
  template: podTemplateSpec,
  minReadySeconds: z.number().int().min(0).optional(),
});

export const replicaSet = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('ReplicaSet'),
  metadata: objectMeta,
  spec: replicaSetSpec,
  status: z.unknown().optional(),
});

export type Deployment = Omit<z.infer<typeof deployment>, 'status'> & { status?: DeploymentStatus };
export type ReplicaSet = Omit<z.infer<typeof replicaSet>, 'status'> & { status?: ReplicaSetStatus };

export const daemonSetSpec = z.strictObject({
  selector: labelSelector,
  template: podTemplateSpec,
  updateStrategy: z
    .strictObject({
      type: z.enum(['RollingUpdate', 'OnDelete']).optional(),
      rollingUpdate: z.strictObject({ maxUnavailable: intOrPercent.optional(), maxSurge: intOrPercent.optional() }).optional(),
    })
    .optional(),
  minReadySeconds: z.number().int().min(0).optional(),
  revisionHistoryLimit: z.number().int().min(0).optional(),
});

export const daemonSet = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('DaemonSet'),
  metadata: objectMeta,
  spec: daemonSetSpec,
  status: z.unknown().optional(),
});

/** apps/v1 DaemonSetStatus, written only by the DaemonSet controller; counts are of nodes. */
export interface DaemonSetStatus {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  updatedNumberScheduled?: number;
  observedGeneration?: number;
}

export type DaemonSet = Omit<z.infer<typeof daemonSet>, 'status'> & { status?: DaemonSetStatus };
