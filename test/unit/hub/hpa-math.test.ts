import t from 'tap';
import {
  groupPods,
  normalizeWithBehavior,
  normalizeWithoutBehavior,
  recordScaleEvent,
  resourceUtilizationReplicas,
  averageValueReplicas,
  scaleDownLimitWithRules,
  scaleUpLimitWithRules,
  type PodFacts,
  type PodMetric,
  type ScalingRules,
} from '../../../hub/controllers/hpa-math.js';

// The cases below are Kubernetes' own (pkg/controller/podautoscaler/replica_calculator_test.go),
// with its test settings: tolerance 0.1, CPU initialization period 2 min, readiness delay 10 s,
// "cool" Pods started 3 min ago, "hot" ones just now, metrics sampled now over a 1 min window.
const NOW = Date.parse('2026-12-05T06:00:00Z');
const OPTIONS = { tolerance: 0.1, cpuInitializationPeriodMs: 120_000, initialReadinessDelayMs: 10_000 };
const COOL = NOW - 180_000;
const HOT = NOW;

interface Case {
  currentReplicas: number;
  /** Requests in millicores, one per Pod (undefined: a container without one). */
  requests: Array<number | undefined>;
  /** Usage of the first Pods, in millicores; Pods beyond have no metric. */
  levels: number[];
  readiness?: Array<'True' | 'False'>;
  phases?: string[];
  deleting?: boolean[];
  startTimes?: number[];
  target: number;
}

function calc(c: Case, resource = 'cpu') {
  const pods: PodFacts[] = c.requests.map((request, i) => {
    const start = c.startTimes?.[i] ?? COOL;
    return {
      name: `pod-${i}`,
      phase: c.phases?.[i] ?? 'Running',
      deleting: c.deleting?.[i] ?? false,
      startTimeMs: start,
      ready: { status: c.readiness?.[i] ?? 'True', lastTransitionMs: start },
      request: request === undefined ? { missingIn: 'web' } : request,
    };
  });
  const metrics = new Map<string, PodMetric>(c.levels.map((value, i) => [`pod-${i}`, { value, timestampMs: NOW, windowMs: 60_000 }]));
  return resourceUtilizationReplicas({ resource, currentReplicas: c.currentReplicas, pods, metrics, nowMs: NOW, options: OPTIONS, targetUtilization: c.target });
}

const ones = (n: number) => Array.from({ length: n }, () => 1000);

t.test('replica_calculator_test.go resource cases', async (t) => {
  const cases: Array<[string, Case, number, number]> = [
    ['ScaleUp', { currentReplicas: 3, requests: ones(3), levels: [300, 500, 700], target: 30 }, 5, 50],
    ['ScaleUpUnreadyLessScale', { currentReplicas: 3, requests: ones(3), levels: [300, 500, 700], readiness: ['False', 'True', 'True'], target: 30 }, 4, 60],
    ['ScaleUpHotCpuLessScale', { currentReplicas: 3, requests: ones(3), levels: [300, 500, 700], startTimes: [HOT, COOL, COOL], target: 30 }, 4, 60],
    ['ScaleUpUnreadyNoScale', { currentReplicas: 3, requests: ones(3), levels: [400, 500, 700], readiness: ['True', 'False', 'False'], target: 30 }, 3, 40],
    ['ScaleHotCpuNoScale', { currentReplicas: 3, requests: ones(3), levels: [400, 500, 700], readiness: ['True', 'False', 'False'], startTimes: [COOL, HOT, HOT], target: 30 }, 3, 40],
    ['ScaleUpIgnoresFailedPods', { currentReplicas: 2, requests: ones(4), levels: [500, 700], readiness: ['True', 'True', 'False', 'False'], phases: ['Running', 'Running', 'Failed', 'Failed'], target: 30 }, 4, 60],
    ['ScaleUpIgnoresDeletionPods', { currentReplicas: 2, requests: ones(4), levels: [500, 700], readiness: ['True', 'True', 'False', 'False'], deleting: [false, false, true, true], target: 30 }, 4, 60],
    ['ScaleDown', { currentReplicas: 5, requests: ones(5), levels: [100, 300, 500, 250, 250], target: 50 }, 3, 28],
    ['ScaleDownIncludeUnreadyPods', { currentReplicas: 5, requests: ones(5), levels: [100, 300, 500, 250, 250], readiness: ['True', 'True', 'True', 'False', 'False'], target: 50 }, 2, 30],
    ['ScaleDownExcludeUnscheduledPods', { currentReplicas: 5, requests: ones(5), levels: [100], readiness: ['True', 'False', 'False', 'False', 'False'], phases: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'], target: 50 }, 1, 10],
    ['ScaleDownIgnoreHotCpuPods', { currentReplicas: 5, requests: ones(5), levels: [100, 300, 500, 250, 250], startTimes: [COOL, COOL, COOL, HOT, HOT], target: 50 }, 2, 30],
    ['ScaleDownIgnoresFailedPods', { currentReplicas: 5, requests: ones(7), levels: [100, 300, 500, 250, 250], readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], phases: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'], target: 50 }, 3, 28],
    ['Tolerance', { currentReplicas: 3, requests: [900, 1000, 1100], levels: [1010, 1030, 1020], target: 100 }, 3, 102],
    ['MissingMetrics (scale down: missing Pods count as 100%)', { currentReplicas: 4, requests: ones(4), levels: [400, 95], target: 100 }, 3, 24],
    ['MissingMetricsNoChangeEq', { currentReplicas: 2, requests: ones(2), levels: [1000], target: 100 }, 2, 100],
    ['MissingMetricsNoChangeGt (scale up: missing Pods count as 0%)', { currentReplicas: 2, requests: ones(2), levels: [1900], target: 100 }, 2, 190],
    ['MissingMetricsNoChangeLt', { currentReplicas: 2, requests: ones(2), levels: [600], target: 100 }, 2, 60],
    ['MissingMetricsUnreadyChange', { currentReplicas: 3, requests: ones(3), levels: [100, 450], readiness: ['False', 'True', 'True'], target: 50 }, 3, 45],
    ['MissingMetricsHotCpuNoChange', { currentReplicas: 3, requests: ones(3), levels: [100, 450], startTimes: [HOT, COOL, COOL], target: 50 }, 3, 45],
    ['MissingMetricsUnreadyScaleUp', { currentReplicas: 3, requests: ones(3), levels: [100, 2000], readiness: ['False', 'True', 'True'], target: 50 }, 4, 200],
    ['MissingMetricsHotCpuScaleUp', { currentReplicas: 3, requests: ones(3), levels: [100, 2000], readiness: ['False', 'True', 'True'], startTimes: [HOT, COOL, COOL], target: 50 }, 4, 200],
    ['MissingMetricsUnreadyScaleDown', { currentReplicas: 4, requests: ones(4), levels: [100, 100, 100], readiness: ['False', 'True', 'True', 'True'], target: 50 }, 3, 10],
    ['DuringRollingUpdateWithMaxSurge', { currentReplicas: 2, requests: ones(3), levels: [100, 100], target: 50 }, 2, 10],
  ];
  for (const [name, c, replicas, utilization] of cases) {
    const result = calc(c);
    t.same(result.ok && { replicas: result.replicas, utilization: result.utilization }, { replicas, utilization }, name);
  }
});

t.test('the raw value is the average usage of the counted Pods (ScaleUp: 500m)', async (t) => {
  const result = calc({ currentReplicas: 3, requests: ones(3), levels: [300, 500, 700], target: 30 });
  t.equal(result.ok && result.rawAverage, 500);
});

t.test('errors, worded as Kubernetes words them', async (t) => {
  t.same(calc({ currentReplicas: 4, requests: ones(3), levels: [], target: 100 }), {
    ok: false,
    error: 'unable to get metrics for resource cpu: no metrics returned from resource metrics API',
  }, 'EmptyMetrics');
  t.same(calc({ currentReplicas: 1, requests: [undefined], levels: [200], target: 100 }), {
    ok: false,
    error: 'missing request for cpu in container web of Pod pod-0',
  }, 'EmptyCPURequest');
  t.same(calc({ currentReplicas: 2, requests: ones(2), levels: [200, 200], readiness: ['False', 'False'], target: 50 }), {
    ok: false,
    error: 'did not receive metrics for targeted pods (pods might be unready)',
  }, 'every Pod with a metric is unready');
  const none = resourceUtilizationReplicas({ resource: 'cpu', currentReplicas: 1, pods: [], metrics: new Map([['x', { value: 1, timestampMs: NOW, windowMs: 1 }]]), nowMs: NOW, options: OPTIONS, targetUtilization: 50 });
  t.same(none, { ok: false, error: 'no pods returned by selector while calculating replica count' });
});

t.test('memory has no CPU initialization period: an unready Pod still counts', async (t) => {
  const c: Case = { currentReplicas: 2, requests: ones(2), levels: [900, 900], readiness: ['False', 'True'], startTimes: [HOT, HOT], target: 50 };
  const result = calc(c, 'memory');
  t.same(result.ok && result.replicas, 4);
});

t.test('groupPods sorts Pods as Kubernetes does', async (t) => {
  const metric = (timestampMs: number): PodMetric => ({ value: 1, timestampMs, windowMs: 30_000 });
  const pod = (name: string, extra: Partial<PodFacts>): PodFacts => ({ name, phase: 'Running', deleting: false, request: 100, ...extra });
  const pods = [
    pod('failed', { phase: 'Failed' }),
    pod('deleting', { deleting: true }),
    pod('pending', { phase: 'Pending' }),
    pod('missing', { startTimeMs: COOL, ready: { status: 'True', lastTransitionMs: COOL } }),
    pod('no-ready-condition', { startTimeMs: COOL }),
    // Ready 30 s ago, 1 min after start: a sample over a full window since then counts.
    pod('fresh', { startTimeMs: NOW - 60_000, ready: { status: 'True', lastTransitionMs: NOW - 30_000 } }),
    // ...one taken before a full window passed does not.
    pod('stale', { startTimeMs: NOW - 60_000, ready: { status: 'True', lastTransitionMs: NOW - 30_000 } }),
  ];
  const metrics = new Map([
    ['failed', metric(NOW)],
    ['deleting', metric(NOW)],
    ['pending', metric(NOW)],
    ['no-ready-condition', metric(NOW)],
    ['fresh', metric(NOW)],
    ['stale', metric(NOW - 10_000)],
  ]);
  const groups = groupPods(pods, metrics, 'cpu', NOW, OPTIONS);
  t.equal(groups.readyPodCount, 1);
  t.same([...groups.ignored].sort(), ['deleting', 'failed']);
  t.same([...groups.unready].sort(), ['no-ready-condition', 'pending', 'stale']);
  t.same([...groups.missing], ['missing']);
});

t.test('AverageValue targets (calcPlainMetricReplicas)', async (t) => {
  const pods: PodFacts[] = [0, 1, 2].map((i) => ({ name: `pod-${i}`, phase: 'Running', deleting: false, startTimeMs: COOL, ready: { status: 'True', lastTransitionMs: COOL }, request: 0 }));
  const metrics = (levels: number[]) => new Map<string, PodMetric>(levels.map((value, i) => [`pod-${i}`, { value, timestampMs: NOW, windowMs: 60_000 }]));
  const run = (levels: number[], targetAverage: number) => averageValueReplicas({ resource: 'memory', currentReplicas: 3, pods, metrics: metrics(levels), nowMs: NOW, options: OPTIONS, targetAverage });
  // TestReplicaCalcScaleUpCM: levels 20000, 10000, 30000 against 15000 -> average 20000, 4 replicas.
  t.same(run([20000, 10000, 30000], 15000), { ok: true, replicas: 4, average: 20000 });
  // TestReplicaCalcToleranceCM: average 20666 against 20000 is within 10%.
  t.same(run([20000, 21000, 21000], 20000), { ok: true, replicas: 3, average: 20666 });
  // A missing Pod counts as the target when scaling down: (1000 + 1000 + 6000) / 3 against 6000.
  t.same(run([1000, 1000], 6000), { ok: true, replicas: 2, average: 1000 });
});

// ---- horizontal.go: normalization -------------------------------------------------------------

const UP: ScalingRules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
const DOWN: ScalingRules = { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

t.test('without behavior: scale down takes the highest recommendation of the window', async (t) => {
  const recommendations = [
    { replicas: 8, atMs: NOW - 400_000 }, // outside the 300 s window
    { replicas: 6, atMs: NOW - 200_000 },
    { replicas: 5, atMs: NOW - 100_000 },
  ];
  const n = normalizeWithoutBehavior({ currentReplicas: 7, desiredReplicas: 2, minReplicas: 1, maxReplicas: 10, recommendations, nowMs: NOW, downscaleStabilizationMs: 300_000 });
  t.equal(n.replicas, 6);
  t.equal(n.ableToScale.reason, 'ScaleDownStabilized');
  t.same(n.scalingLimited, { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range', status: 'False' });
  t.same(n.recommendations.map((r) => r.replicas), [6, 5, 2], 'the stale one is forgotten, the new one remembered');
  const later = normalizeWithoutBehavior({ currentReplicas: 6, desiredReplicas: 2, minReplicas: 1, maxReplicas: 10, recommendations: n.recommendations, nowMs: NOW + 301_000, downscaleStabilizationMs: 300_000 });
  t.equal(later.replicas, 2, 'once the window has passed, the low recommendation wins');
  t.equal(later.ableToScale.reason, 'ReadyForNewScale');
});

t.test('without behavior: min, max and the scale-up limit (max(2x, 4)) with their reasons', async (t) => {
  const base = { minReplicas: 2, maxReplicas: 10, recommendations: [], nowMs: NOW, downscaleStabilizationMs: 0 };
  const up = normalizeWithoutBehavior({ ...base, currentReplicas: 3, desiredReplicas: 9 });
  t.same([up.replicas, up.scalingLimited.status, up.scalingLimited.reason], [6, 'True', 'ScaleUpLimit']);
  const tooMany = normalizeWithoutBehavior({ ...base, currentReplicas: 8, desiredReplicas: 20 });
  t.same([tooMany.replicas, tooMany.scalingLimited.reason, tooMany.scalingLimited.message], [10, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count']);
  const tooFew = normalizeWithoutBehavior({ ...base, currentReplicas: 3, desiredReplicas: 1 });
  t.same([tooFew.replicas, tooFew.scalingLimited.status, tooFew.scalingLimited.reason], [2, 'True', 'TooFewReplicas']);
  const small = normalizeWithoutBehavior({ ...base, currentReplicas: 1, desiredReplicas: 4 });
  t.same([small.replicas, small.scalingLimited.status], [4, 'False'], 'at least 4 even from 1');
});

t.test('with behavior: both windows stabilize, policies limit the rate', async (t) => {
  const base = { minReplicas: 1, maxReplicas: 100, nowMs: NOW, scaleUpEvents: [], scaleDownEvents: [] };
  // Scale up with a 60 s window: the lowest recommendation of the last minute.
  const up = normalizeWithBehavior({
    ...base,
    currentReplicas: 2,
    desiredReplicas: 8,
    recommendations: [{ replicas: 3, atMs: NOW - 30_000 }, { replicas: 1, atMs: NOW - 90_000 }],
    scaleUp: { ...UP, stabilizationWindowSeconds: 60 },
    scaleDown: DOWN,
  });
  t.same([up.replicas, up.ableToScale.reason], [3, 'ScaleUpStabilized']);
  // Scale up limited by policies: max(current + 4 pods, current * 2) = max(6, 4) = 6.
  const limited = normalizeWithBehavior({ ...base, currentReplicas: 2, desiredReplicas: 20, recommendations: [], scaleUp: UP, scaleDown: DOWN });
  t.same([limited.replicas, limited.scalingLimited.reason, limited.scalingLimited.status], [6, 'ScaleUpLimit', 'True']);
  // selectPolicy Min picks the smaller: min(6, 4) = 4.
  const minPolicy = normalizeWithBehavior({ ...base, currentReplicas: 2, desiredReplicas: 20, recommendations: [], scaleUp: { ...UP, selectPolicy: 'Min' }, scaleDown: DOWN });
  t.equal(minPolicy.replicas, 4);
  // Disabled: no scaling up at all.
  const disabled = normalizeWithBehavior({ ...base, currentReplicas: 2, desiredReplicas: 20, recommendations: [], scaleUp: { ...UP, selectPolicy: 'Disabled' }, scaleDown: DOWN });
  t.same([disabled.replicas, disabled.scalingLimited.reason], [2, 'ScaleUpLimit']);
  // Scale down: the highest recommendation of the 300 s window.
  const down = normalizeWithBehavior({ ...base, currentReplicas: 10, desiredReplicas: 2, recommendations: [{ replicas: 7, atMs: NOW - 100_000 }], scaleUp: UP, scaleDown: DOWN });
  t.same([down.replicas, down.ableToScale.reason], [7, 'ScaleDownStabilized']);
  // Scale down by at most 1 Pod per minute.
  const slow = normalizeWithBehavior({
    ...base,
    currentReplicas: 10,
    desiredReplicas: 2,
    recommendations: [],
    scaleUp: UP,
    scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
  });
  t.same([slow.replicas, slow.scalingLimited.reason], [9, 'ScaleDownLimit']);
  // ...and min wins when it is higher than the rate limit.
  const floor = normalizeWithBehavior({ ...base, minReplicas: 4, currentReplicas: 5, desiredReplicas: 1, recommendations: [], scaleUp: UP, scaleDown: { ...DOWN, stabilizationWindowSeconds: 0 } });
  t.same([floor.replicas, floor.scalingLimited.reason], [4, 'TooFewReplicas']);
});

t.test('rate limits count the period from the replicas it started with', async (t) => {
  // horizontal_test.go TestScalingWithRules style: 2 Pods were added 10 s ago, so the period started at 3.
  const upEvents = [{ change: 2, atMs: NOW - 10_000 }];
  t.equal(scaleUpLimitWithRules(5, upEvents, [], { ...UP, policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] }, NOW), 7);
  t.equal(scaleUpLimitWithRules(5, upEvents, [], { ...UP, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }, NOW), 6);
  t.equal(scaleUpLimitWithRules(5, upEvents, [], { ...UP, policies: [{ type: 'Pods', value: 4, periodSeconds: 5 }] }, NOW), 9, 'an event older than the period does not count');
  // Scale down by 50%: from 10 with 2 removed in the period -> start 12 -> 6.
  t.equal(scaleDownLimitWithRules(10, [], [{ change: 2, atMs: NOW - 5_000 }], { ...DOWN, policies: [{ type: 'Percent', value: 50, periodSeconds: 15 }] }, NOW), 6);
  // Percent truncates as int32(float64): 5 * (1 - 0.3) = 3.5 -> 3.
  t.equal(scaleDownLimitWithRules(5, [], [], { ...DOWN, policies: [{ type: 'Percent', value: 30, periodSeconds: 15 }] }, NOW), 3);
  // Percent up rounds up: 3 * 1.1 = 3.3 -> 4.
  t.equal(scaleUpLimitWithRules(3, [], [], { ...UP, policies: [{ type: 'Percent', value: 10, periodSeconds: 15 }] }, NOW), 4);
});

t.test('recordScaleEvent keeps events only as long as the longest policy period', async (t) => {
  const history = recordScaleEvent({ up: [{ change: 1, atMs: NOW - 20_000 }, { change: 1, atMs: NOW - 5_000 }], down: [] }, { scaleUp: UP, scaleDown: DOWN }, 3, 5, NOW);
  t.same(history, { up: [{ change: 1, atMs: NOW - 5_000 }, { change: 2, atMs: NOW }], down: [] });
  t.same(recordScaleEvent({ up: [], down: [] }, { scaleUp: UP, scaleDown: DOWN }, 5, 2, NOW), { up: [], down: [{ change: 3, atMs: NOW }] });
});
