/**
 * autoscaling/v1 HorizontalPodAutoscaler <-> autoscaling/v2, the version Skiff stores, as
 * kube-apiserver converts them (pkg/apis/autoscaling/v1/conversion.go). kubectl 1.32's
 * `autoscale` still POSTs v1, whatever discovery prefers; older scripts and clients read v1 too.
 * v1 knows one target, `targetCPUUtilizationPercentage`: it is v2's cpu Utilization metric; v2
 * metrics v1 cannot say (memory, behavior) survive a v1 round trip only in Kubernetes' alpha
 * annotations, which Skiff does not write: a v1 PUT of an HPA with a memory metric loses it, as
 * the v1 reader could not see it anyway. Pure.
 */
import type { KubeObject } from '../../../shared/api/object.js';

interface V2Metric {
  type: string;
  resource?: { name: string; target: { type: string; averageUtilization?: number } };
}

interface V2MetricStatus {
  type: string;
  resource?: { name: string; current: { averageUtilization?: number } };
}

interface V1Spec {
  scaleTargetRef?: unknown;
  minReplicas?: number;
  maxReplicas?: number;
  targetCPUUtilizationPercentage?: number;
}

const isCpuUtilization = (metric: V2Metric): boolean => metric.type === 'Resource' && metric.resource?.name === 'cpu' && metric.resource.target.type === 'Utilization';

/** A v1 body as v2: what the hub validates and stores. Anything not an object is passed on for validation to refuse. */
export function hpaV1ToV2(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { spec, status, ...rest } = body as KubeObject & { spec?: V1Spec };
  const out: Record<string, unknown> = { ...rest, apiVersion: 'autoscaling/v2' };
  if (rest.kind === undefined) delete out.apiVersion; // left for the URL's kind, as any body without one
  if (spec !== undefined) {
    const { targetCPUUtilizationPercentage, ...common } = spec;
    out.spec = {
      ...common,
      ...(targetCPUUtilizationPercentage !== undefined
        ? { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCPUUtilizationPercentage } } }] }
        : {}),
    };
  }
  void status; // a client's status is the server's to write
  return out;
}

/** A stored v2 object as v1, for a client that asked in v1. */
export function hpaV2ToV1(object: KubeObject): KubeObject {
  const spec = (object.spec ?? {}) as { scaleTargetRef?: unknown; minReplicas?: number; maxReplicas?: number; metrics?: V2Metric[] };
  const status = object.status as { observedGeneration?: number; lastScaleTime?: string; currentReplicas?: number; desiredReplicas?: number; currentMetrics?: V2MetricStatus[] } | undefined;
  const cpu = spec.metrics?.find(isCpuUtilization)?.resource?.target.averageUtilization;
  const currentCpu = status?.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current.averageUtilization;
  const { metrics: _metrics, ...common } = spec;
  const { status: _status, ...rest } = object;
  void _metrics;
  void _status;
  return {
    ...rest,
    apiVersion: 'autoscaling/v1',
    spec: { ...common, ...(cpu !== undefined ? { targetCPUUtilizationPercentage: cpu } : {}) },
    ...(status !== undefined
      ? {
          status: {
            ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
            ...(status.lastScaleTime !== undefined ? { lastScaleTime: status.lastScaleTime } : {}),
            currentReplicas: status.currentReplicas ?? 0,
            desiredReplicas: status.desiredReplicas ?? 0,
            ...(currentCpu !== undefined ? { currentCPUUtilizationPercentage: currentCpu } : {}),
          },
        }
      : {}),
  };
}
