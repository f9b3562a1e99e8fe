/**
 * k8s.io/api autoscaling/v1: HorizontalPodAutoscaler. `kubectl autoscale` (v1.32) sends autoscaling/v1,
 * whatever version discovery prefers.
 * Field numbers from the v1.32 generated.proto (see hub/api/protobuf/schema.ts).
 */
import type { SchemaTables } from './schema.js';

export const AUTOSCALING_V1: SchemaTables = {
  'autoscaling/v1.HorizontalPodAutoscaler': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    2: ['spec', 'autoscaling/v1.HorizontalPodAutoscalerSpec'],
    3: ['status', 'autoscaling/v1.HorizontalPodAutoscalerStatus'],
  },
  'autoscaling/v1.HorizontalPodAutoscalerSpec': {
    1: ['scaleTargetRef', 'autoscaling/v1.CrossVersionObjectReference'],
    2: ['minReplicas', 'int32', 'optional'],
    3: ['maxReplicas', 'int32'],
    4: ['targetCPUUtilizationPercentage', 'int32', 'optional'],
  },
  'autoscaling/v1.HorizontalPodAutoscalerStatus': {
    1: ['observedGeneration', 'int64', 'optional'],
    2: ['lastScaleTime', 'time'],
    3: ['currentReplicas', 'int32'],
    4: ['desiredReplicas', 'int32'],
    5: ['currentCPUUtilizationPercentage', 'int32', 'optional'],
  },
  'autoscaling/v1.CrossVersionObjectReference': {
    1: ['kind', 'string'],
    2: ['name', 'string'],
    3: ['apiVersion', 'string'],
  },
};
