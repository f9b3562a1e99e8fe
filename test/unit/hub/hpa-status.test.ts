/**
 * What the HPA controller writes on a HorizontalPodAutoscaler (hub/controllers/hpa-status.ts):
 * conditions that keep their transition time while their status holds, Kubernetes' reasons and
 * messages, metric statuses as canonical quantities, and which fields each way a sync ends keeps.
 */
import t from 'tap';
import {
  HpaConditions,
  averageValueStatus,
  finishedSyncStatus,
  statusToWrite,
  stoppedSyncStatus,
  unableToCompute,
  utilizationStatus,
} from '../../../hub/controllers/hpa-status.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { HpaCondition, HpaStatus } from '../../../shared/api/schema/autoscaling.js';

const EARLIER = '2030-01-01T00:00:00Z';
const NOW = '2030-01-01T00:05:00Z';

const ableToScale: HpaCondition = { type: 'AbleToScale', status: 'True', lastTransitionTime: EARLIER, reason: 'SucceededGetScale', message: 'old' };

t.test('a condition keeps its transition time while its status holds, and moves it when the status flips', async (t) => {
  const conditions = new HpaConditions([ableToScale], NOW);
  conditions.succeededRescale(4);
  t.same(conditions.list, [{ type: 'AbleToScale', status: 'True', lastTransitionTime: EARLIER, reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 4' }]);
  conditions.failedUpdateScale('conflict');
  t.same(conditions.list[0], { type: 'AbleToScale', status: 'False', lastTransitionTime: NOW, reason: 'FailedUpdateScale', message: 'the HPA controller was unable to update the target scale: conflict' });
});

t.test('a new condition is appended with the sync\'s time; the stored list is never changed', async (t) => {
  const stored = [ableToScale];
  const conditions = new HpaConditions(stored, NOW);
  conditions.validMetricFound('cpu resource utilization (percentage of request)');
  conditions.failedGetScale('deployments.apps "web" not found');
  t.same(conditions.list, [
    { type: 'AbleToScale', status: 'False', lastTransitionTime: NOW, reason: 'FailedGetScale', message: 'the HPA controller was unable to get the target\'s current scale: deployments.apps "web" not found' },
    { type: 'ScalingActive', status: 'True', lastTransitionTime: NOW, reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' },
  ]);
  t.same(stored, [ableToScale], 'the HPA object read from the store is untouched');
});

t.test('Kubernetes\' words for a disabled HPA and a metric without a proposal', async (t) => {
  const conditions = new HpaConditions(undefined, NOW);
  conditions.scalingDisabled();
  t.same(conditions.list[0], { type: 'ScalingActive', status: 'False', lastTransitionTime: NOW, reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
  const change = unableToCompute('FailedGetResourceMetric', 'no metrics returned from resource metrics API');
  t.same(change, { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: 'the HPA was unable to compute the replica count: no metrics returned from resource metrics API' });
  conditions.apply(change);
  t.equal(conditions.list[0]!.reason, 'FailedGetResourceMetric');
  t.equal(conditions.list[0]!.lastTransitionTime, NOW);
});

t.test('metric statuses carry canonical quantities from milli-units', async (t) => {
  t.same(utilizationStatus('cpu', 85, 425), { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 85, averageValue: '425m' } } });
  t.same(averageValueStatus('memory', 64 * 1024 * 1024 * 1000), { type: 'Resource', resource: { name: 'memory', current: { averageValue: '67108864' } } });
});

t.test('a sync that stops early keeps what it did not see; one that finishes replaces it', async (t) => {
  const stored: HpaStatus = { observedGeneration: 1, lastScaleTime: EARLIER, currentReplicas: 2, desiredReplicas: 3, currentMetrics: [utilizationStatus('cpu', 50, 100)] };
  const conditions = new HpaConditions(undefined, NOW);
  t.same(stoppedSyncStatus(stored, conditions), { ...stored, conditions: [] });
  const seen = { currentReplicas: 5, currentMetrics: [] };
  t.same(stoppedSyncStatus(stored, conditions, seen), { ...stored, currentReplicas: 5, currentMetrics: [], conditions: [] });

  t.same(finishedSyncStatus(stored, { rescaled: false, now: NOW, currentReplicas: 3, desiredReplicas: 3 }, conditions), {
    lastScaleTime: EARLIER,
    currentReplicas: 3,
    desiredReplicas: 3,
    conditions: [],
  }, 'no metrics read (a bound case): currentMetrics is dropped, the last scale time stays');
  t.same(finishedSyncStatus({ desiredReplicas: 0 }, { rescaled: true, now: NOW, currentReplicas: 3, desiredReplicas: 6, currentMetrics: [] }, conditions), {
    lastScaleTime: NOW,
    currentReplicas: 3,
    desiredReplicas: 6,
    currentMetrics: [],
    conditions: [],
  });
});

t.test('statusToWrite: stamps the observed generation, and gives nothing when the stored status is the same', async (t) => {
  const hpa = (status?: HpaStatus): KubeObject => ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default', generation: 4 }, ...(status ? { status } : {}) }) as KubeObject;
  const status: HpaStatus = { currentReplicas: 2, desiredReplicas: 2, conditions: [ableToScale] };
  const next = statusToWrite(hpa(), status);
  t.same(next, { observedGeneration: 4, ...status });
  t.equal(statusToWrite(hpa(next), status), undefined, 'an unchanged sync writes nothing');
  t.same(statusToWrite(hpa(next), { ...status, desiredReplicas: 3 }), { observedGeneration: 4, ...status, desiredReplicas: 3 });
  // A sync that stopped early carries the stored status in, with its older generation: the new one wins.
  const stale = stoppedSyncStatus({ ...status, observedGeneration: 3 }, new HpaConditions([], NOW));
  t.equal(statusToWrite(hpa({ ...status, observedGeneration: 3 }), stale)?.observedGeneration, 4);
});
