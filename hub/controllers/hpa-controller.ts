/**
 * The HorizontalPodAutoscaler controller, as kube-controller-manager's (pkg/controller/podautoscaler
 * horizontal.go): every sync period, and when an HPA's spec changes, it reads the target's size
 * (an apps/v1 Deployment or ReplicaSet) and its Pods, asks the MetricsSource for their usage,
 * computes the size the metrics want (hpa-math.ts), stabilizes and limits it, sets the target's
 * spec.replicas when that changes, and writes the HPA's status and conditions (AbleToScale,
 * ScalingActive, ScalingLimited; their wording is in hpa-status.ts). Every rescale and every
 * failure is an Event on the HPA, worded as Kubernetes words it.
 *
 * The recommendation and scale-event histories live in memory, as in Kubernetes: after a hub
 * restart the stabilization window starts again from the target's current size.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { selectorMatches, type LabelSelector } from '../../shared/api/labels.js';
import { cpuMillicores, bytes } from '../../shared/api/quantity.js';
import { groupResource, resolveResource, type ResourceType } from '../../shared/api/resources.js';
import type { HpaSpec, HpaStatus, MetricSpec, MetricStatus, ScalingRules as SpecScalingRules } from '../../shared/api/schema/autoscaling.js';
import type { PodStatus } from '../../shared/api/status-types.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { EventRecorder } from '../events/event-recorder.js';
import type { MetricsSource } from '../metrics/metrics-source.js';
import { nowTimestamp } from '../objects/deletion.js';
import { mutate } from '../objects/mutate.js';
import type { Change, Store } from '../store/store.js';
import { QueueController, key, splitKey } from './controller.js';
import {
  averageValueReplicas,
  normalizeWithBehavior,
  normalizeWithoutBehavior,
  recordScaleEvent,
  resourceUtilizationReplicas,
  type CalculatorOptions,
  type PodFacts,
  type PodMetric,
  type Recommendation,
  type ScaleEvent,
  type ScalingRules,
} from './hpa-math.js';
import {
  HpaConditions,
  averageValueStatus,
  finishedSyncStatus,
  statusToWrite,
  stoppedSyncStatus,
  unableToCompute,
  utilizationStatus,
  type ConditionChange,
} from './hpa-status.js';

const hpas = resolveResource('horizontalpodautoscalers')!;
const pods = resolveResource('pods')!;
const SCALABLE: Record<string, ResourceType> = { Deployment: resolveResource('deployments')!, ReplicaSet: resolveResource('replicasets')! };
const SOURCE = { component: 'horizontal-pod-autoscaler' };

export interface HpaControllerOptions {
  /** --horizontal-pod-autoscaler-sync-period (default DEFAULTS.autoscaling.syncPeriodMs). */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (default DEFAULTS.autoscaling.downscaleStabilizationMs). */
  downscaleStabilizationMs?: number;
  tolerance?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
  /** The clock, in epoch milliseconds. */
  now?: () => number;
}

/** What the controller remembers of each HPA between syncs (Kubernetes keeps the same in memory). */
interface HpaMemory {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

interface PodUsageMetrics {
  cpu: PodMetric;
  memory: PodMetric;
}

/** A metric's proposal, or why there is none (computeReplicasForMetric). */
type MetricOutcome =
  | { ok: true; replicas: number; metricName: string; status: MetricStatus }
  | { ok: false; condition: ConditionChange; error: string };

/** A quantity in the milli-units the calculator works in (Quantity.MilliValue()). */
function milliOf(resource: string, value: string | number): number {
  return resource === 'cpu' ? cpuMillicores(value) : bytes(value) * 1000;
}

/** Kubernetes' GenerateHPAScaleUpRules / GenerateHPAScaleDownRules, plus the controller's downscale window. */
function effectiveRules(rules: SpecScalingRules | undefined, direction: 'up' | 'down', downscaleStabilizationMs: number): ScalingRules {
  const d = DEFAULTS.autoscaling;
  const defaults: ScalingRules =
    direction === 'up'
      ? {
          stabilizationWindowSeconds: d.scaleUp.stabilizationWindowSeconds,
          selectPolicy: d.scaleUp.selectPolicy,
          policies: [
            { type: 'Pods', value: d.scaleUp.podsValue, periodSeconds: d.scaleUp.periodSeconds },
            { type: 'Percent', value: d.scaleUp.percentValue, periodSeconds: d.scaleUp.periodSeconds },
          ],
        }
      : {
          // maybeInitScaleDownStabilizationWindow: the flag applies when the HPA sets no window.
          stabilizationWindowSeconds: Math.floor(downscaleStabilizationMs / 1000),
          selectPolicy: d.scaleDown.selectPolicy,
          policies: [{ type: 'Percent', value: d.scaleDown.percentValue, periodSeconds: d.scaleDown.periodSeconds }],
        };
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: rules?.selectPolicy ?? defaults.selectPolicy,
    policies: rules?.policies ?? defaults.policies,
  };
}

export class HorizontalPodAutoscalerController extends QueueController {
  private readonly syncPeriodMs: number;
  private readonly downscaleStabilizationMs: number;
  private readonly calculator: CalculatorOptions;
  private readonly now: () => number;
  private readonly memory = new Map<string, HpaMemory>();

  constructor(
    store: Store,
    logger: Logger,
    private readonly events: EventRecorder,
    private readonly metrics: MetricsSource,
    options: HpaControllerOptions = {},
  ) {
    super('horizontal-pod-autoscaler', store, logger);
    const d = DEFAULTS.autoscaling;
    this.syncPeriodMs = options.syncPeriodMs ?? d.syncPeriodMs;
    this.downscaleStabilizationMs = options.downscaleStabilizationMs ?? d.downscaleStabilizationMs;
    this.calculator = {
      tolerance: options.tolerance ?? d.tolerance,
      cpuInitializationPeriodMs: options.cpuInitializationPeriodMs ?? d.cpuInitializationPeriodMs,
      initialReadinessDelayMs: options.initialReadinessDelayMs ?? d.initialReadinessDelayMs,
    };
    this.now = options.now ?? Date.now;
  }

  onChange(change: Change): void {
    if (change.resource !== hpas) return;
    const k = key(change.object.metadata.namespace, change.object.metadata.name!);
    if (change.type === 'DELETED') {
      this.memory.delete(k);
      return;
    }
    // Its own status writes do not trigger a sync: the sync period paces the HPA (as Kubernetes'
    // rate-limited queue does); a new HPA or a spec change is acted on at once.
    if (change.type === 'ADDED' || change.previous?.metadata.generation !== change.object.metadata.generation) this.queue.add(k);
  }

  async resync(): Promise<void> {
    for (const hpa of await this.store.list(hpas)) this.enqueue(hpa);
  }

  protected async sync(k: string): Promise<void> {
    const { namespace, name } = splitKey(k);
    const hpa = await this.store.get(hpas, namespace, name);
    if (!hpa || hpa.metadata.deletionTimestamp) {
      this.memory.delete(k);
      return;
    }
    try {
      await this.reconcile(k, hpa);
    } finally {
      this.queue.addAfter(k, this.syncPeriodMs);
    }
  }

  private async reconcile(k: string, hpa: KubeObject): Promise<void> {
    const spec = hpa.spec as HpaSpec;
    const previous = (hpa.status as HpaStatus | undefined) ?? { desiredReplicas: 0 };
    const nowMs = this.now();
    const now = nowTimestamp(new Date(nowMs));
    const conditions = new HpaConditions(previous.conditions, now);
    const memory = this.memory.get(k) ?? { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
    this.memory.set(k, memory);

    const target = await this.readTarget(hpa);
    if (!target.ok) {
      this.events.record(hpa, 'Warning', 'FailedGetScale', target.error, SOURCE);
      conditions.failedGetScale(target.error);
      await this.writeStatus(hpa, stoppedSyncStatus(previous, conditions));
      return;
    }
    conditions.succeededGetScale();
    const currentReplicas = (target.object.spec as { replicas?: number }).replicas ?? 1;
    // recordInitialRecommendation: the window starts from the size the HPA found.
    if (memory.recommendations.length === 0) memory.recommendations = [{ replicas: currentReplicas, atMs: nowMs }];

    const decision = await this.decideSize(hpa, spec, target.object, currentReplicas, memory, conditions, nowMs);
    if (!decision.ok) {
      await this.writeStatus(hpa, stoppedSyncStatus(previous, conditions, { currentReplicas, currentMetrics: decision.statuses }));
      this.events.record(hpa, 'Warning', 'FailedComputeMetricsReplicas', decision.error, SOURCE);
      return;
    }
    const { replicas: desiredReplicas, reason, currentMetrics } = decision;
    const seen = { currentReplicas, ...(currentMetrics ? { currentMetrics } : {}) };
    const rescale = desiredReplicas !== currentReplicas;
    if (rescale) {
      try {
        await this.scaleTarget(target.resource, target.object, desiredReplicas);
      } catch (err) {
        const message = errorMessage(err);
        this.events.record(hpa, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${reason}; error: ${message}`, SOURCE);
        conditions.failedUpdateScale(message);
        await this.writeStatus(hpa, stoppedSyncStatus(previous, conditions, seen));
        this.logger.warn({ component: this.name, hpa: k, err }, 'could not rescale the target');
        return;
      }
      conditions.succeededRescale(desiredReplicas);
      this.events.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${reason}`, SOURCE);
      this.logger.info({ component: this.name, hpa: k, from: currentReplicas, to: desiredReplicas, reason }, 'rescaled target');
      if (spec.behavior) this.rememberScaleEvent(memory, spec.behavior, currentReplicas, desiredReplicas, nowMs);
    }
    await this.writeStatus(hpa, finishedSyncStatus(previous, { rescaled: rescale, now, desiredReplicas, ...seen }, conditions));
  }

  /**
   * The size the target should have, and why (reconcileAutoscaler): a target scaled to zero stays
   * so unless minReplicas is 0; a size outside [minReplicas, maxReplicas] goes to the bound without
   * reading metrics; otherwise the largest metric proposal, stabilized and rate-limited. Only the
   * last case reports metric statuses, as in Kubernetes.
   */
  private async decideSize(
    hpa: KubeObject,
    spec: HpaSpec,
    target: KubeObject,
    currentReplicas: number,
    memory: HpaMemory,
    conditions: HpaConditions,
    nowMs: number,
  ): Promise<{ ok: true; replicas: number; reason: string; currentMetrics?: MetricStatus[] } | { ok: false; error: string; statuses: MetricStatus[] }> {
    const minReplicas = spec.minReplicas ?? DEFAULTS.autoscaling.minReplicas;
    if (currentReplicas === 0 && minReplicas !== 0) {
      conditions.scalingDisabled();
      return { ok: true, replicas: 0, reason: '' };
    }
    if (currentReplicas > spec.maxReplicas) return { ok: true, replicas: spec.maxReplicas, reason: 'Current number of replicas above Spec.MaxReplicas' };
    if (currentReplicas < minReplicas) return { ok: true, replicas: minReplicas, reason: 'Current number of replicas below Spec.MinReplicas' };

    const computed = await this.computeReplicasForMetrics(hpa, spec, target, currentReplicas, conditions, nowMs);
    if (!computed.ok) return computed;
    const proposed = Math.max(computed.replicas, 0);
    const reason = proposed > currentReplicas ? `${computed.metricName} above target` : proposed < currentReplicas ? 'All metrics below target' : '';
    const base = { currentReplicas, desiredReplicas: proposed, minReplicas, maxReplicas: spec.maxReplicas, recommendations: memory.recommendations, nowMs };
    const normalized = spec.behavior
      ? normalizeWithBehavior({
          ...base,
          scaleUp: effectiveRules(spec.behavior.scaleUp, 'up', this.downscaleStabilizationMs),
          scaleDown: effectiveRules(spec.behavior.scaleDown, 'down', this.downscaleStabilizationMs),
          scaleUpEvents: memory.scaleUpEvents,
          scaleDownEvents: memory.scaleDownEvents,
        })
      : normalizeWithoutBehavior({ ...base, downscaleStabilizationMs: this.downscaleStabilizationMs });
    memory.recommendations = normalized.recommendations;
    conditions.set('AbleToScale', 'True', normalized.ableToScale.reason, normalized.ableToScale.message);
    conditions.set('ScalingLimited', normalized.scalingLimited.status, normalized.scalingLimited.reason, normalized.scalingLimited.message);
    return { ok: true, replicas: normalized.replicas, reason, currentMetrics: computed.statuses };
  }

  /** storeScaleEvent: behavior's policies limit later rescales by what this one did. */
  private rememberScaleEvent(memory: HpaMemory, behavior: NonNullable<HpaSpec['behavior']>, from: number, to: number, nowMs: number): void {
    const history = recordScaleEvent(
      { up: memory.scaleUpEvents, down: memory.scaleDownEvents },
      { scaleUp: effectiveRules(behavior.scaleUp, 'up', this.downscaleStabilizationMs), scaleDown: effectiveRules(behavior.scaleDown, 'down', this.downscaleStabilizationMs) },
      from,
      to,
      nowMs,
    );
    memory.scaleUpEvents = history.up;
    memory.scaleDownEvents = history.down;
  }

  /** The scale subresource Skiff serves: apps/v1 Deployments and ReplicaSets. */
  private async readTarget(hpa: KubeObject): Promise<{ ok: true; resource: ResourceType; object: KubeObject } | { ok: false; error: string }> {
    const ref = (hpa.spec as HpaSpec).scaleTargetRef;
    const resource = SCALABLE[ref.kind];
    if (!resource || (ref.apiVersion !== undefined && ref.apiVersion !== 'apps/v1')) {
      const kind = ref.apiVersion ? `${ref.apiVersion} ${ref.kind}` : ref.kind;
      return { ok: false, error: `Skiff can scale only apps/v1 Deployments and ReplicaSets, not ${kind} "${ref.name}"` };
    }
    const object = await this.store.get(resource, hpa.metadata.namespace, ref.name);
    if (!object || object.metadata.deletionTimestamp) return { ok: false, error: `${groupResource(resource)} "${ref.name}" not found` };
    return { ok: true, resource, object };
  }

  private async scaleTarget(resource: ResourceType, target: KubeObject, replicas: number): Promise<void> {
    const updated = await mutate(this.store, resource, target.metadata.namespace, target.metadata.name!, (current) => {
      if (current.metadata.uid !== target.metadata.uid) return undefined;
      (current.spec as { replicas?: number }).replicas = replicas;
      return current;
    });
    if (!updated || updated.metadata.uid !== target.metadata.uid) throw new Error(`${groupResource(resource)} "${target.metadata.name}" not found`);
  }

  /**
   * computeReplicasForMetrics: the largest proposal of the valid metrics. When every metric
   * failed, or some failed and the rest would scale down, nothing is scaled and the first
   * failure's condition is set.
   */
  private async computeReplicasForMetrics(
    hpa: KubeObject,
    spec: HpaSpec,
    target: KubeObject,
    currentReplicas: number,
    conditions: HpaConditions,
    nowMs: number,
  ): Promise<{ ok: true; replicas: number; metricName: string; statuses: MetricStatus[] } | { ok: false; error: string; statuses: MetricStatus[] }> {
    const metricSpecs: MetricSpec[] = spec.metrics?.length
      ? spec.metrics
      : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULTS.autoscaling.cpuUtilizationPercent } } }];
    const selected = await this.selectedPods(target);
    const usage = this.usageOf(target.metadata.namespace, selected);
    const statuses: MetricStatus[] = metricSpecs.map(() => ({ type: '' }));
    let replicas = 0;
    let metricName = '';
    let invalid = 0;
    let firstInvalid: { condition: ConditionChange; error: string } | undefined;
    metricSpecs.forEach((metricSpec, i) => {
      const outcome = this.computeReplicasForMetric(hpa, metricSpec, currentReplicas, selected, usage, nowMs);
      if (!outcome.ok) {
        firstInvalid ??= outcome;
        invalid++;
        return;
      }
      statuses[i] = outcome.status;
      if (replicas === 0 || outcome.replicas > replicas) {
        replicas = outcome.replicas;
        metricName = outcome.metricName;
      }
    });
    if (firstInvalid && (invalid >= metricSpecs.length || replicas < currentReplicas)) {
      conditions.apply(firstInvalid.condition);
      return { ok: false, error: `invalid metrics (${invalid} invalid out of ${metricSpecs.length}), first error is: ${firstInvalid.error}`, statuses };
    }
    conditions.validMetricFound(metricName);
    return { ok: true, replicas, metricName, statuses };
  }

  /** computeStatusForResourceMetric: one Resource metric's proposal; a failure is a Warning event at once. */
  private computeReplicasForMetric(
    hpa: KubeObject,
    metricSpec: MetricSpec,
    currentReplicas: number,
    selected: KubeObject[],
    usage: Map<string, PodUsageMetrics>,
    nowMs: number,
  ): MetricOutcome {
    const unable = (reason: string, cause: string, error: string): MetricOutcome => {
      this.events.record(hpa, 'Warning', reason, cause, SOURCE);
      return { ok: false, condition: unableToCompute(reason, cause), error };
    };
    if (metricSpec.type !== 'Resource' || !metricSpec.resource) {
      const cause = `unsupported metric source type "${metricSpec.type}"`;
      return unable('InvalidMetricSourceType', cause, cause);
    }
    const { name: resource, target } = metricSpec.resource;
    const facts = selected.map((pod) => podFacts(pod, resource));
    const metrics = new Map<string, PodMetric>();
    for (const [podName, byResource] of usage) metrics.set(podName, resource === 'cpu' ? byResource.cpu : byResource.memory);
    const input = { resource, currentReplicas, pods: facts, metrics, nowMs, options: this.calculator };
    if (target.type === 'AverageValue' && target.averageValue !== undefined) {
      const result = averageValueReplicas({ ...input, targetAverage: milliOf(resource, target.averageValue) });
      if (!result.ok) return unable('FailedGetResourceMetric', result.error, `failed to get ${resource} usage: ${result.error}`);
      return {
        ok: true,
        replicas: result.replicas,
        metricName: `${resource} resource`,
        status: averageValueStatus(resource, result.average),
      };
    }
    const targetUtilization = target.averageUtilization ?? DEFAULTS.autoscaling.cpuUtilizationPercent;
    const result = resourceUtilizationReplicas({ ...input, targetUtilization });
    if (!result.ok) return unable('FailedGetResourceMetric', result.error, `failed to get ${resource} utilization: ${result.error}`);
    return {
      ok: true,
      replicas: result.replicas,
      metricName: `${resource} resource utilization (percentage of request)`,
      status: utilizationStatus(resource, result.utilization, result.rawAverage),
    };
  }

  /** The target's Pods, by its selector (scale.status.selector), as Kubernetes lists them. */
  private async selectedPods(target: KubeObject): Promise<KubeObject[]> {
    const selector = (target.spec as { selector?: LabelSelector }).selector;
    if (!selector) return [];
    return (await this.store.list(pods, target.metadata.namespace)).filter((pod) => selectorMatches(selector, pod.metadata.labels));
  }

  /**
   * Usage of the selected Pods by name, in milli-units (each container's value rounded up, as
   * Quantity.MilliValue() rounds it, then summed over the Pod's containers).
   */
  private usageOf(namespace: string | undefined, selected: KubeObject[]): Map<string, PodUsageMetrics> {
    const uids = new Map(selected.map((pod) => [pod.metadata.name!, pod.metadata.uid]));
    const usage = new Map<string, PodUsageMetrics>();
    for (const pod of this.metrics.pods(namespace)) {
      if (!uids.has(pod.name) || (pod.uid && uids.get(pod.name) && pod.uid !== uids.get(pod.name))) continue;
      const timestampMs = Date.parse(pod.timestamp);
      const windowMs = pod.windowSeconds * 1000;
      const cpu = pod.containers.reduce((sum, c) => sum + Math.ceil(c.usage.cpuNanoCores / 1e6), 0);
      const memory = pod.containers.reduce((sum, c) => sum + c.usage.memoryWorkingSetBytes * 1000, 0);
      usage.set(pod.name, { cpu: { value: cpu, timestampMs, windowMs }, memory: { value: memory, timestampMs, windowMs } });
    }
    return usage;
  }

  /** Writes the status when it changed (see statusToWrite). */
  private async writeStatus(hpa: KubeObject, status: HpaStatus): Promise<void> {
    await mutate(this.store, hpas, hpa.metadata.namespace, hpa.metadata.name!, (current) => {
      if (current.metadata.uid !== hpa.metadata.uid) return undefined;
      const next = statusToWrite(current, status);
      return next ? { ...current, status: next } : undefined;
    });
  }
}

/** The calculator's view of a Pod: phase, readiness, start time and its request of `resource`. */
export function podFacts(pod: KubeObject, resource: string): PodFacts {
  const status = (pod.status as PodStatus | undefined) ?? {};
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  const containers = (pod.spec as { containers?: Array<{ name: string; resources?: { requests?: Record<string, string | number> } }> }).containers ?? [];
  let request: PodFacts['request'] = 0;
  for (const c of containers) {
    const value = c.resources?.requests?.[resource];
    if (value === undefined) {
      request = { missingIn: c.name };
      break;
    }
    request += milliOf(resource, value);
  }
  const startTimeMs = status.startTime ? Date.parse(status.startTime) : undefined;
  return {
    name: pod.metadata.name!,
    ...(status.phase !== undefined ? { phase: status.phase } : {}),
    deleting: pod.metadata.deletionTimestamp !== undefined,
    ...(startTimeMs !== undefined && Number.isFinite(startTimeMs) ? { startTimeMs } : {}),
    ...(ready ? { ready: { status: ready.status, lastTransitionMs: ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0 } } : {}),
    request,
  };
}
