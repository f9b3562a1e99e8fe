/**
 * What the HPA controller writes back on a HorizontalPodAutoscaler, as kube-controller-manager's
 * horizontal.go words it: the conditions (AbleToScale, ScalingActive, ScalingLimited) with their
 * reasons and messages, the current metric statuses, and the status object each way a sync ends
 * leaves behind. Pure, like hpa-math.ts beside it: the controller decides, this says how it reads.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { quantityString } from '../../shared/api/quantity-text.js';
import type { HpaCondition, HpaStatus, MetricStatus } from '../../shared/api/schema/autoscaling.js';

export type ConditionType = HpaCondition['type'];

/** A condition before it is stamped with the sync's time (a metric's failure, say). */
export type ConditionChange = Omit<HpaCondition, 'lastTransitionTime'>;

/**
 * The HPA's conditions during one sync, starting from the stored ones. Every change is stamped
 * with the sync's time, and a condition keeps its lastTransitionTime unless its status changes
 * (horizontal.go's setCondition), so a sync that changes nothing leaves the status as it was.
 */
export class HpaConditions {
  readonly list: HpaCondition[];

  constructor(
    stored: readonly HpaCondition[] | undefined,
    private readonly now: string,
  ) {
    this.list = structuredClone([...(stored ?? [])]);
  }

  set(type: ConditionType, status: HpaCondition['status'], reason: string, message: string): void {
    const existing = this.list.find((c) => c.type === type);
    if (!existing) {
      this.list.push({ type, status, lastTransitionTime: this.now, reason, message });
      return;
    }
    if (existing.status !== status) existing.lastTransitionTime = this.now;
    existing.status = status;
    existing.reason = reason;
    existing.message = message;
  }

  apply(change: ConditionChange): void {
    this.set(change.type, change.status, change.reason ?? '', change.message ?? '');
  }

  failedGetScale(error: string): void {
    this.set('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${error}`);
  }

  succeededGetScale(): void {
    this.set('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
  }

  failedUpdateScale(error: string): void {
    this.set('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${error}`);
  }

  succeededRescale(replicas: number): void {
    this.set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${replicas}`);
  }

  /** A target scaled to zero by hand is left alone unless the HPA allows zero (minReplicas 0). */
  scalingDisabled(): void {
    this.set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
  }

  validMetricFound(metricName: string): void {
    this.set('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metricName}`);
  }
}

/** ScalingActive=False for a metric that gave no proposal; `reason` is also the Warning event's. */
export function unableToCompute(reason: string, cause: string): ConditionChange {
  return { type: 'ScalingActive', status: 'False', reason, message: `the HPA was unable to compute the replica count: ${cause}` };
}

/** A value in milli-units as the canonical quantity Kubernetes prints (Quantity.NewMilliQuantity). */
function milliQuantity(milli: number): string {
  return quantityString({ nano: BigInt(Math.round(milli)) * 1_000_000n, format: 'DecimalSI' });
}

/** status.currentMetrics[] for a Resource metric with an AverageValue target. */
export function averageValueStatus(resource: string, averageMilli: number): MetricStatus {
  return { type: 'Resource', resource: { name: resource, current: { averageValue: milliQuantity(averageMilli) } } };
}

/** status.currentMetrics[] for a Resource metric with a Utilization target. */
export function utilizationStatus(resource: string, utilization: number, rawAverageMilli: number): MetricStatus {
  return { type: 'Resource', resource: { name: resource, current: { averageUtilization: utilization, averageValue: milliQuantity(rawAverageMilli) } } };
}

/** What a sync that stopped early saw; what it did not get to see keeps its stored value. */
export interface PartialObservation {
  currentReplicas?: number;
  currentMetrics?: MetricStatus[];
}

/** The status after a sync that could not finish (no target, no metrics, a failed rescale). */
export function stoppedSyncStatus(stored: HpaStatus, conditions: HpaConditions, seen: PartialObservation = {}): HpaStatus {
  return {
    ...stored,
    ...(seen.currentReplicas !== undefined ? { currentReplicas: seen.currentReplicas } : {}),
    ...(seen.currentMetrics ? { currentMetrics: seen.currentMetrics } : {}),
    conditions: conditions.list,
  };
}

export interface SyncOutcome {
  /** The target was rescaled in this sync, at `now`. */
  rescaled: boolean;
  now: string;
  currentReplicas: number;
  desiredReplicas: number;
  /** Only a sync that read the metrics reports them (the min/max/zero cases do not, as in Kubernetes). */
  currentMetrics?: MetricStatus[];
}

/** The status after a sync that ran to the end, rescaling or not. */
export function finishedSyncStatus(stored: HpaStatus, outcome: SyncOutcome, conditions: HpaConditions): HpaStatus {
  return {
    ...(outcome.rescaled ? { lastScaleTime: outcome.now } : stored.lastScaleTime !== undefined ? { lastScaleTime: stored.lastScaleTime } : {}),
    currentReplicas: outcome.currentReplicas,
    desiredReplicas: outcome.desiredReplicas,
    ...(outcome.currentMetrics ? { currentMetrics: outcome.currentMetrics } : {}),
    conditions: conditions.list,
  };
}

/**
 * The status to store on `current`, or undefined when it already holds exactly that (conditions
 * keep their times, so an unchanged sync writes nothing and wakes no watcher).
 */
export function statusToWrite(current: KubeObject, status: HpaStatus): HpaStatus | undefined {
  // The generation this sync saw wins over one carried in from the stored status (a sync that
  // stopped early keeps the rest of the old status, but it did observe the new spec).
  const next: HpaStatus = { ...status, observedGeneration: current.metadata.generation };
  return JSON.stringify(current.status) === JSON.stringify(next) ? undefined : next;
}
