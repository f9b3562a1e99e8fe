/**
 * The HorizontalPodAutoscaler's arithmetic, as Kubernetes' pkg/controller/podautoscaler does it:
 * the replica count a resource metric asks for (replica_calculator.go: groupPods, the usage
 * ratio, the 10% tolerance, and the treatment of missing and not-yet-ready Pods), then what the
 * controller allows of it (horizontal.go: stabilization windows over past recommendations, the
 * scaling policies' rate limits, min/max clamping with the ScalingLimited reasons). Pure: the
 * clock comes in as `nowMs`, the history of recommendations and scale events comes in and goes
 * out as values.
 */

/** What the calculator needs to know of one Pod the target selects. */
export interface PodFacts {
  name: string;
  phase?: string;
  deleting: boolean;
  startTimeMs?: number;
  /** The Ready condition, if the Pod has one. */
  ready?: { status: string; lastTransitionMs: number };
  /** Sum of the containers' requests of the resource, in milli-units; a string names the first container without one. */
  request: number | { missingIn: string };
}

/** One Pod's usage of the resource (summed over its containers), in milli-units. */
export interface PodMetric {
  value: number;
  timestampMs: number;
  windowMs: number;
}

export interface CalculatorOptions {
  /** --horizontal-pod-autoscaler-tolerance */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay */
  initialReadinessDelayMs: number;
}

export type Proposal<T> = ({ ok: true } & T) | { ok: false; error: string };

export interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/**
 * groupPods: deleted and Failed Pods are ignored; Pending Pods are unready; Pods without a metric
 * are missing; for CPU, a Pod that is not Ready, or still in its CPU initialization period with a
 * sample taken before one full window after it turned Ready, is unready too (its start-up burst
 * must not scale the target).
 */
export function groupPods(pods: readonly PodFacts[], metrics: ReadonlyMap<string, PodMetric>, resource: string, nowMs: number, options: CalculatorOptions): PodGroups {
  const groups: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    if (pod.deleting || pod.phase === 'Failed') {
      groups.ignored.add(pod.name);
      continue;
    }
    if (pod.phase === 'Pending') {
      groups.unready.add(pod.name);
      continue;
    }
    const metric = metrics.get(pod.name);
    if (!metric) {
      groups.missing.add(pod.name);
      continue;
    }
    if (resource === 'cpu') {
      let unready: boolean;
      if (!pod.ready || pod.startTimeMs === undefined) {
        unready = true;
      } else if (pod.startTimeMs + options.cpuInitializationPeriodMs > nowMs) {
        unready = pod.ready.status === 'False' || metric.timestampMs < pod.ready.lastTransitionMs + metric.windowMs;
      } else {
        // Unready and never was Ready: its Ready condition last changed soon after it started.
        unready = pod.ready.status === 'False' && pod.startTimeMs + options.initialReadinessDelayMs > pod.ready.lastTransitionMs;
      }
      if (unready) {
        groups.unready.add(pod.name);
        continue;
      }
    }
    groups.readyPodCount++;
  }
  return groups;
}

/**
 * GetResourceUtilizationRatio: utilization is sum(usage) / sum(requests) over the Pods that have
 * both, as an integer percentage (truncated, as Kubernetes' int64 arithmetic does); the raw value
 * is the average usage per Pod.
 */
export function utilizationRatio(metrics: ReadonlyMap<string, number>, requests: ReadonlyMap<string, number>, targetUtilization: number): Proposal<{ ratio: number; utilization: number; rawAverage: number }> {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entities = 0;
  for (const [name, value] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue; // a Pod no longer selected
    metricsTotal += value;
    requestsTotal += request;
    entities++;
  }
  if (requestsTotal === 0) return { ok: false, error: 'no metrics returned matched known pods' };
  const utilization = Math.floor((metricsTotal * 100) / requestsTotal);
  return { ok: true, ratio: utilization / targetUtilization, utilization, rawAverage: Math.floor(metricsTotal / entities) };
}

/** calculatePodRequests: every Pod's request, or the first Pod whose container requests nothing. */
function podRequests(pods: readonly PodFacts[], resource: string): Proposal<{ requests: Map<string, number> }> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    if (typeof pod.request !== 'number') return { ok: false, error: `missing request for ${resource} in container ${pod.request.missingIn} of Pod ${pod.name}` };
    requests.set(pod.name, pod.request);
  }
  return { ok: true, requests };
}

export interface ResourceInput {
  resource: string;
  currentReplicas: number;
  pods: readonly PodFacts[];
  /** Usage by Pod name; Pods the metrics pipeline has not seen are absent. */
  metrics: ReadonlyMap<string, PodMetric>;
  nowMs: number;
  options: CalculatorOptions;
}

function usableMetrics(input: ResourceInput): Proposal<{ groups: PodGroups; values: Map<string, number> }> {
  if (input.metrics.size === 0) return { ok: false, error: `unable to get metrics for resource ${input.resource}: no metrics returned from resource metrics API` };
  if (input.pods.length === 0) return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const groups = groupPods(input.pods, input.metrics, input.resource, input.nowMs, input.options);
  const values = new Map<string, number>();
  for (const [name, metric] of input.metrics) {
    if (!groups.ignored.has(name) && !groups.unready.has(name)) values.set(name, metric.value);
  }
  if (values.size === 0) return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  return { ok: true, groups, values };
}

/**
 * GetResourceReplicas: desired = ceil(ready Pods * utilization / target), unless within the
 * tolerance. Missing Pods count as using 100% of their request (or the target, if above 100%)
 * when scaling down and 0% when scaling up; unready Pods count as 0% when scaling up. If counting
 * them that way reverses the direction or brings the ratio within tolerance, nothing changes.
 */
export function resourceUtilizationReplicas(input: ResourceInput & { targetUtilization: number }): Proposal<{ replicas: number; utilization: number; rawAverage: number }> {
  const usable = usableMetrics(input);
  if (!usable.ok) return usable;
  const { groups, values } = usable;
  const requested = podRequests(input.pods, input.resource);
  if (!requested.ok) return requested;
  const { requests } = requested;
  const first = utilizationRatio(values, requests, input.targetUtilization);
  if (!first.ok) return first;
  const { ratio, utilization, rawAverage } = first;
  const tolerance = input.options.tolerance;

  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return { ok: true, replicas: input.currentReplicas, utilization, rawAverage };
    return { ok: true, replicas: Math.ceil(ratio * groups.readyPodCount), utilization, rawAverage };
  }
  if (groups.missing.size > 0) {
    const fallbackPercent = ratio < 1 ? Math.max(100, input.targetUtilization) : ratio > 1 ? 0 : undefined;
    if (fallbackPercent !== undefined) {
      for (const name of groups.missing) values.set(name, Math.floor((requests.get(name)! * fallbackPercent) / 100));
    }
  }
  if (scaleUpWithUnready) for (const name of groups.unready) values.set(name, 0);
  const second = utilizationRatio(values, requests, input.targetUtilization);
  if (!second.ok) return second;
  const newRatio = second.ratio;
  if (Math.abs(1 - newRatio) <= tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) {
    return { ok: true, replicas: input.currentReplicas, utilization, rawAverage };
  }
  const replicas = Math.ceil(newRatio * values.size);
  if ((newRatio < 1 && replicas > input.currentReplicas) || (newRatio > 1 && replicas < input.currentReplicas)) {
    return { ok: true, replicas: input.currentReplicas, utilization, rawAverage };
  }
  return { ok: true, replicas, utilization, rawAverage };
}

/** GetMetricUsageRatio: the average per Pod (integer division) against the target average. */
function averageRatio(values: ReadonlyMap<string, number>, targetAverage: number): { ratio: number; average: number } {
  let total = 0;
  for (const v of values.values()) total += v;
  const average = Math.floor(total / values.size);
  return { ratio: average / targetAverage, average };
}

/**
 * GetRawResourceReplicas (calcPlainMetricReplicas): an AverageValue target, in milli-units. Missing
 * Pods count as using the target when scaling down and nothing when scaling up.
 */
export function averageValueReplicas(input: ResourceInput & { targetAverage: number }): Proposal<{ replicas: number; average: number }> {
  const usable = usableMetrics(input);
  if (!usable.ok) return usable;
  const { groups, values } = usable;
  const { ratio, average } = averageRatio(values, input.targetAverage);
  const tolerance = input.options.tolerance;
  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return { ok: true, replicas: input.currentReplicas, average };
    return { ok: true, replicas: Math.ceil(ratio * groups.readyPodCount), average };
  }
  if (groups.missing.size > 0) {
    const fallback = ratio < 1 ? input.targetAverage : ratio > 1 ? 0 : undefined;
    if (fallback !== undefined) for (const name of groups.missing) values.set(name, fallback);
  }
  if (scaleUpWithUnready) for (const name of groups.unready) values.set(name, 0);
  const newRatio = averageRatio(values, input.targetAverage).ratio;
  if (Math.abs(1 - newRatio) <= tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) {
    return { ok: true, replicas: input.currentReplicas, average };
  }
  const replicas = Math.ceil(newRatio * values.size);
  if ((newRatio < 1 && replicas > input.currentReplicas) || (newRatio > 1 && replicas < input.currentReplicas)) {
    return { ok: true, replicas: input.currentReplicas, average };
  }
  return { ok: true, replicas, average };
}

// ---- normalization: stabilization, rate limits, min/max ------------------------------------

export interface Recommendation {
  replicas: number;
  atMs: number;
}

/** A rescale the controller made: `change` replicas (always positive) in its direction. */
export interface ScaleEvent {
  change: number;
  atMs: number;
}

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

/** behavior.scaleUp / scaleDown as the controller applies them: every field set. */
export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: ScalingPolicy[];
}

export interface Reason {
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  /** The recommendations to remember for the next sync. */
  recommendations: Recommendation[];
  /** AbleToScale (True): ScaleUpStabilized, ScaleDownStabilized or ReadyForNewScale. */
  ableToScale: Reason;
  /** ScalingLimited: True when the stabilized recommendation had to be clamped. */
  scalingLimited: Reason & { status: 'True' | 'False' };
}

const READY_FOR_NEW_SCALE: Reason = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const SCALE_DOWN_STABILIZED: Reason = { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
const SCALE_UP_STABILIZED: Reason = { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' };
const WITHIN_RANGE: Reason = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const SCALE_UP_LIMIT: Reason = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const TOO_MANY: Reason = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const TOO_FEW: Reason = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const SCALE_DOWN_LIMIT: Reason = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };

/** The legacy scale-up cap when an HPA has no behavior: twice the current size, at least 4. */
export function scaleUpLimit(currentReplicas: number): number {
  return Math.max(2 * currentReplicas, 4);
}

export interface NormalizeInput {
  currentReplicas: number;
  /** The metrics' recommendation, before stabilization. */
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  recommendations: readonly Recommendation[];
  nowMs: number;
}

/**
 * normalizeDesiredReplicas, for an HPA without behavior: the highest recommendation of the
 * downscale stabilization window, then clamped to [minReplicas, min(maxReplicas, scaleUpLimit)].
 */
export function normalizeWithoutBehavior(input: NormalizeInput & { downscaleStabilizationMs: number }): Normalized {
  const cutoff = input.nowMs - input.downscaleStabilizationMs;
  const kept = input.recommendations.filter((r) => r.atMs >= cutoff);
  const stabilized = Math.max(input.desiredReplicas, ...kept.map((r) => r.replicas));
  const recommendations = [...kept, { replicas: input.desiredReplicas, atMs: input.nowMs }];
  const ableToScale = stabilized !== input.desiredReplicas ? SCALE_DOWN_STABILIZED : READY_FOR_NEW_SCALE;

  const upLimit = scaleUpLimit(input.currentReplicas);
  const [maximum, limitReason] = input.maxReplicas > upLimit ? [upLimit, SCALE_UP_LIMIT] : [input.maxReplicas, TOO_MANY];
  let replicas = stabilized;
  let reason = WITHIN_RANGE;
  if (stabilized < input.minReplicas) [replicas, reason] = [input.minReplicas, TOO_FEW];
  else if (stabilized > maximum) [replicas, reason] = [maximum, limitReason];
  return { replicas, recommendations, ableToScale, scalingLimited: { ...reason, status: replicas === stabilized ? 'False' : 'True' } };
}

export interface BehaviorInput extends NormalizeInput {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
  scaleUpEvents: readonly ScaleEvent[];
  scaleDownEvents: readonly ScaleEvent[];
}

/** getReplicasChangePerPeriod: replicas added (or removed) by the events of the last period. */
function changeInPeriod(periodSeconds: number, events: readonly ScaleEvent[], nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  return events.filter((e) => e.atMs > cutoff).reduce((sum, e) => sum + e.change, 0);
}

/** calculateScaleUpLimitWithScalingRules: the most (Max) or least (Min) any policy allows from its period's start. */
export function scaleUpLimitWithRules(currentReplicas: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: ScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const proposals = rules.policies.map((policy) => {
    const periodStart = currentReplicas - changeInPeriod(policy.periodSeconds, upEvents, nowMs) + changeInPeriod(policy.periodSeconds, downEvents, nowMs);
    return policy.type === 'Pods' ? periodStart + policy.value : Math.ceil(periodStart * (1 + policy.value / 100));
  });
  return rules.selectPolicy === 'Min' ? Math.min(...proposals) : Math.max(...proposals);
}

/** calculateScaleDownLimitWithBehaviors: the lowest (Max change) or highest (Min change) size any policy allows. */
export function scaleDownLimitWithRules(currentReplicas: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: ScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const proposals = rules.policies.map((policy) => {
    const periodStart = currentReplicas - changeInPeriod(policy.periodSeconds, upEvents, nowMs) + changeInPeriod(policy.periodSeconds, downEvents, nowMs);
    // int32(float64(...)) truncates toward zero.
    return policy.type === 'Pods' ? periodStart - policy.value : Math.trunc(periodStart * (1 - policy.value / 100));
  });
  return rules.selectPolicy === 'Min' ? Math.max(...proposals) : Math.min(...proposals);
}

/**
 * normalizeDesiredReplicasWithBehaviors: scale up to no more than the lowest recommendation of
 * the scale-up window, down to no less than the highest of the scale-down window; then the
 * policies' rate limits and min/max.
 */
export function normalizeWithBehavior(input: BehaviorInput): Normalized {
  const upCutoff = input.nowMs - input.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = input.nowMs - input.scaleDown.stabilizationWindowSeconds * 1000;
  let upRecommendation = input.desiredReplicas;
  let downRecommendation = input.desiredReplicas;
  for (const r of input.recommendations) {
    if (r.atMs > upCutoff) upRecommendation = Math.min(upRecommendation, r.replicas);
    if (r.atMs > downCutoff) downRecommendation = Math.max(downRecommendation, r.replicas);
  }
  const stabilized = Math.min(Math.max(input.currentReplicas, upRecommendation), downRecommendation);
  const kept = input.recommendations.filter((r) => r.atMs >= upCutoff || r.atMs >= downCutoff);
  const recommendations = [...kept, { replicas: input.desiredReplicas, atMs: input.nowMs }];
  const direction = input.desiredReplicas >= input.currentReplicas ? SCALE_UP_STABILIZED : SCALE_DOWN_STABILIZED;
  const ableToScale = stabilized !== input.desiredReplicas ? direction : READY_FOR_NEW_SCALE;

  let replicas = stabilized;
  let reason = WITHIN_RANGE;
  if (stabilized > input.currentReplicas) {
    const limit = Math.max(input.currentReplicas, scaleUpLimitWithRules(input.currentReplicas, input.scaleUpEvents, input.scaleDownEvents, input.scaleUp, input.nowMs));
    const [maximum, limitReason] = input.maxReplicas > limit ? [limit, SCALE_UP_LIMIT] : [input.maxReplicas, TOO_MANY];
    if (stabilized > maximum) [replicas, reason] = [maximum, limitReason];
  } else if (stabilized < input.currentReplicas) {
    const limit = Math.min(input.currentReplicas, scaleDownLimitWithRules(input.currentReplicas, input.scaleUpEvents, input.scaleDownEvents, input.scaleDown, input.nowMs));
    const [minimum, limitReason] = input.minReplicas < limit ? [limit, SCALE_DOWN_LIMIT] : [input.minReplicas, TOO_FEW];
    if (stabilized < minimum) [replicas, reason] = [minimum, limitReason];
  }
  return { replicas, recommendations, ableToScale, scalingLimited: { ...reason, status: replicas === stabilized ? 'False' : 'True' } };
}

/**
 * storeScaleEvent: remembers a rescale in its direction's history, forgetting events older than
 * the longest policy period of either direction (no limit looks further back).
 */
export function recordScaleEvent(
  history: { up: readonly ScaleEvent[]; down: readonly ScaleEvent[] },
  rules: { scaleUp: ScalingRules; scaleDown: ScalingRules },
  from: number,
  to: number,
  nowMs: number,
): { up: ScaleEvent[]; down: ScaleEvent[] } {
  const longestSeconds = Math.max(0, ...rules.scaleUp.policies.map((p) => p.periodSeconds), ...rules.scaleDown.policies.map((p) => p.periodSeconds));
  const fresh = (e: ScaleEvent) => e.atMs > nowMs - longestSeconds * 1000;
  const up = history.up.filter(fresh);
  const down = history.down.filter(fresh);
  if (to > from) up.push({ change: to - from, atMs: nowMs });
  else if (to < from) down.push({ change: from - to, atMs: nowMs });
  return { up, down };
}
