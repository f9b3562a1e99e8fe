/**
 * autoscaling/v2 HorizontalPodAutoscaler, as Kubernetes validates it (pkg/apis/autoscaling/validation).
 * Skiff computes only Resource metrics (cpu and memory, from the hub's MetricsSource); the other
 * metric source types are refused here, by name, rather than accepted and silently ignored.
 */
import { z } from 'zod';
import { objectMeta, quantity } from './meta.js';

/** What Kubernetes has and Skiff does not compute (yet): named in the error. */
export const UNSUPPORTED_METRIC_TYPES = ['Pods', 'Object', 'External', 'ContainerResource'] as const;
export const SUPPORTED_RESOURCES = ['cpu', 'memory'] as const;

export const crossVersionObjectReference = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.string().min(1, 'Required value'),
  name: z.string().min(1, 'Required value'),
});

const metricTarget = z.strictObject({
  type: z.enum(['Utilization', 'Value', 'AverageValue']),
  value: quantity.optional(),
  averageValue: quantity.optional(),
  averageUtilization: z.number().int().min(1, 'must be greater than 0').optional(),
});

/** ValidateResourceMetricSource: a resource target is a utilization or an average value, set. */
function validateResourceTarget(target: z.infer<typeof metricTarget>, ctx: z.RefinementCtx): void {
  if (target.type === 'Utilization' && target.averageUtilization === undefined) {
    ctx.addIssue({ code: 'custom', path: ['averageUtilization'], message: 'Required value: must set averageUtilization when type is Utilization' });
  } else if (target.type === 'AverageValue' && target.averageValue === undefined) {
    ctx.addIssue({ code: 'custom', path: ['averageValue'], message: 'Required value: must set averageValue when type is AverageValue' });
  } else if (target.type === 'Value') {
    ctx.addIssue({ code: 'custom', path: ['type'], message: 'Invalid value: "Value": must be either Utilization or AverageValue for a resource metric' });
  }
}

const resourceMetricSource = z.strictObject({
  name: z.enum(SUPPORTED_RESOURCES, { message: 'Unsupported value: Skiff autoscales on "cpu" and "memory" only' }),
  target: metricTarget.superRefine(validateResourceTarget),
});

const metricSpec = z
  .strictObject({
    type: z.enum(['Resource', ...UNSUPPORTED_METRIC_TYPES]),
    resource: resourceMetricSource.optional(),
    // Accepted only so that the error below names the type instead of an "unknown field".
    pods: z.unknown().optional(),
    object: z.unknown().optional(),
    external: z.unknown().optional(),
    containerResource: z.unknown().optional(),
  })
  .superRefine((metric, ctx) => {
    if (metric.type !== 'Resource') {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `Unsupported value: "${metric.type}": Skiff supports only "Resource" metrics (${UNSUPPORTED_METRIC_TYPES.join(', ')} are not supported)`,
      });
    } else if (metric.resource === undefined) {
      ctx.addIssue({ code: 'custom', path: ['resource'], message: 'Required value: must populate resource when type is Resource' });
    }
  });

const scalingPolicy = z.strictObject({
  type: z.enum(['Pods', 'Percent']),
  value: z.number().int().min(1, 'must be greater than zero'),
  // MaxPeriodSeconds in Kubernetes' validation: 30 minutes.
  periodSeconds: z.number().int().min(1, 'must be greater than zero').max(1800, 'must be less than or equal to 1800'),
});

export const scalingRules = z.strictObject({
  stabilizationWindowSeconds: z.number().int().min(0).max(3600, 'must be less than or equal to 3600').optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z.array(scalingPolicy).optional(),
});

export const hpaSpec = z
  .strictObject({
    scaleTargetRef: crossVersionObjectReference,
    minReplicas: z.number().int().min(1, 'must be greater than or equal to 1').optional(),
    maxReplicas: z.number().int().min(1, 'must be greater than 0'),
    metrics: z.array(metricSpec).optional(),
    behavior: z.strictObject({ scaleUp: scalingRules.optional(), scaleDown: scalingRules.optional() }).optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.minReplicas !== undefined && spec.maxReplicas < spec.minReplicas) {
      ctx.addIssue({ code: 'custom', path: ['maxReplicas'], message: `Invalid value: ${spec.maxReplicas}: must be greater than or equal to \`minReplicas\` (${spec.minReplicas})` });
    }
  });

const metricValueStatus = z.strictObject({
  value: quantity.optional(),
  averageValue: quantity.optional(),
  averageUtilization: z.number().int().optional(),
});

const metricStatus = z.strictObject({
  type: z.string(),
  resource: z.strictObject({ name: z.string(), current: metricValueStatus }).optional(),
});

const hpaCondition = z.strictObject({
  type: z.enum(['AbleToScale', 'ScalingActive', 'ScalingLimited']),
  status: z.enum(['True', 'False', 'Unknown']),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const hpaStatus = z.strictObject({
  observedGeneration: z.number().int().optional(),
  lastScaleTime: z.string().optional(),
  currentReplicas: z.number().int().min(0).optional(),
  desiredReplicas: z.number().int().min(0),
  currentMetrics: z.array(metricStatus).optional(),
  conditions: z.array(hpaCondition).optional(),
});

export const horizontalPodAutoscaler = z.strictObject({
  apiVersion: z.literal('autoscaling/v2'),
  kind: z.literal('HorizontalPodAutoscaler'),
  metadata: objectMeta,
  spec: hpaSpec,
  status: hpaStatus.optional(),
});

export type HorizontalPodAutoscaler = z.infer<typeof horizontalPodAutoscaler>;
export type HpaSpec = z.infer<typeof hpaSpec>;
export type HpaStatus = z.infer<typeof hpaStatus>;
export type HpaCondition = z.infer<typeof hpaCondition>;
export type MetricSpec = z.infer<typeof metricSpec>;
export type MetricStatus = z.infer<typeof metricStatus>;
export type ScalingRules = z.infer<typeof scalingRules>;
export type ScalingPolicy = z.infer<typeof scalingPolicy>;
