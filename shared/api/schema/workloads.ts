/** apps/v1 Deployment, ReplicaSet and DaemonSet. */
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

/** The number an int-or-percent holds (getIntOrPercentValue): 3 for 3 and for "3%". */
function intOrPercentValue(value: number | string): number {
  return typeof value === 'number' ? value : Number(value.slice(0, -1));
}

/**
 * ValidateRollingUpdateDaemonSet, applied to the values as defaulting leaves them (maxUnavailable
 * 1, maxSurge 0): neither above 100%, and exactly one of them non-zero, so maxSurge needs an
 * explicit `maxUnavailable: 0`.
 */
function validateRollingUpdateDaemonSet(strategy: { type?: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } }, ctx: z.RefinementCtx): void {
  if ((strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
  const maxUnavailable = strategy.rollingUpdate?.maxUnavailable ?? 1;
  const maxSurge = strategy.rollingUpdate?.maxSurge ?? 0;
  for (const [field, value] of [['maxUnavailable', maxUnavailable], ['maxSurge', maxSurge]] as const) {
    if (typeof value === 'string' && intOrPercentValue(value) > 100) {
      ctx.addIssue({ code: 'custom', path: ['rollingUpdate', field], message: `Invalid value: ${value}: must not be greater than 100%` });
    }
  }
  const hasUnavailable = intOrPercentValue(maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(maxSurge) !== 0;
  if (hasUnavailable && hasSurge) {
    ctx.addIssue({ code: 'custom', path: ['rollingUpdate', 'maxSurge'], message: `Invalid value: ${maxSurge}: may not be set when maxUnavailable is non-zero` });
  } else if (!hasUnavailable && !hasSurge) {
    ctx.addIssue({ code: 'custom', path: ['rollingUpdate', 'maxUnavailable'], message: 'Required value: cannot be 0 when maxSurge is 0' });
  }
}

export const daemonSetSpec = z.strictObject({
  selector: labelSelector,
  template: podTemplateSpec,
  updateStrategy: z
    .strictObject({
      type: z.enum(['RollingUpdate', 'OnDelete']).optional(),
      rollingUpdate: z.strictObject({ maxUnavailable: intOrPercent.optional(), maxSurge: intOrPercent.optional() }).optional(),
    })
    .superRefine(validateRollingUpdateDaemonSet)
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
