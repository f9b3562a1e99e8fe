import t, { type Test } from 'tap';
import { HorizontalPodAutoscalerController } from '../../../hub/controllers/hpa-controller.js';
import type { MetricsSource, PodUsage } from '../../../hub/metrics/metrics-source.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { HpaStatus } from '../../../shared/api/schema/autoscaling.js';
import type { Event } from '../../../shared/api/schema/event.js';
import { controllerHarness, silentHubLogger } from './controller-harness.js';

const deployments = resolveResource('deployments')!;
const daemonSets = resolveResource('daemonsets')!;
const pods = resolveResource('pods')!;
const hpas = resolveResource('hpa')!;
const events = resolveResource('events')!;

const START = Date.parse('2026-12-05T06:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A MetricsSource whose Pods use what the test says, sampled "now". */
class FakeMetrics implements MetricsSource {
  /** Millicores by Pod name. */
  cpu = new Map<string, number>();
  constructor(private readonly clock: { now: number }) {}
  nodes() {
    return [];
  }
  latestSamples() {
    return [];
  }
  pods(namespace?: string): PodUsage[] {
    return [...this.cpu].map(([name, milli]) => ({
      namespace: namespace ?? 'default',
      name,
      uid: `uid-${name}`,
      node: 'pi-1',
      timestamp: iso(this.clock.now),
      windowSeconds: 10,
      containers: [{ name: 'web', usage: { cpuNanoCores: milli * 1e6, memoryWorkingSetBytes: 50 * 2 ** 20 } }],
    }));
  }
}

function deployment(replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'skiff-test/web:1' }] } } },
  };
}

/** A Running, Ready Pod of web, started long before START (past the CPU initialization period). */
function webPod(name: string, requests: Record<string, string> | null = { cpu: '100m' }): KubeObject {
  const long = iso(START - 3_600_000);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'skiff-test/web:1', ...(requests ? { resources: { requests } } : {}) }] },
    status: { phase: 'Running', startTime: long, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: long }] },
  };
}

function hpa(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...spec,
    },
  };
}

function setup(t: Test, options: { downscaleStabilizationMs?: number } = {}) {
  const clock = { now: START };
  const metrics = new FakeMetrics(clock);
  let controller!: HorizontalPodAutoscalerController;
  const h = controllerHarness(t, (store, recorder) => {
    // A long sync period: the test drives syncs itself, through resync().
    controller = new HorizontalPodAutoscalerController(store, silentHubLogger, recorder, metrics, { syncPeriodMs: 3_600_000, now: () => clock.now, ...options });
    return { controllers: [controller] };
  });
  const replicas = async () => ((await h.store.get(deployments, 'default', 'web'))?.spec as { replicas: number }).replicas;
  const status = async () => (await h.store.get(hpas, 'default', 'web'))?.status as HpaStatus;
  const condition = async (type: string) => (await status()).conditions?.find((c) => c.type === type);
  const eventList = async () => ((await h.store.list(events)) as unknown as Event[]).map((e) => `${e.type} ${e.reason} ${e.message}`);
  const sync = async (advanceMs = 0) => {
    clock.now += advanceMs;
    await controller.resync();
    await h.settle();
  };
  return { ...h, clock, metrics, replicas, status, condition, eventList, sync };
}

t.test('scales a Deployment up when CPU is above target, and says so as Kubernetes does', async (t) => {
  const h = setup(t);
  await h.store.create(deployments, deployment(2));
  for (const name of ['web-a', 'web-b']) await h.store.create(pods, webPod(name));
  h.metrics.cpu.set('web-a', 90).set('web-b', 90);
  await h.store.create(hpas, hpa());
  await h.settle();

  // 90% of request against 50%: ceil(2 * 1.8) = 4.
  t.equal(await h.replicas(), 4);
  const status = await h.status();
  t.same(
    { currentReplicas: status.currentReplicas, desiredReplicas: status.desiredReplicas, currentMetrics: status.currentMetrics, observedGeneration: status.observedGeneration },
    { currentReplicas: 2, desiredReplicas: 4, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '90m' } } }], observedGeneration: 1 },
  );
  t.equal(status.lastScaleTime, iso(START));
  t.match(await h.condition('AbleToScale'), { status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 4' });
  t.match(await h.condition('ScalingActive'), { status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });
  t.match(await h.condition('ScalingLimited'), { status: 'False', reason: 'DesiredWithinRange' });
  t.same(await h.eventList(), ['Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target']);
});

t.test('scale down waits for the stabilization window, then follows the metrics', async (t) => {
  const h = setup(t, { downscaleStabilizationMs: 60_000 });
  await h.store.create(deployments, deployment(4));
  for (const name of ['web-a', 'web-b', 'web-c', 'web-d']) await h.store.create(pods, webPod(name));
  for (const name of ['web-a', 'web-b', 'web-c', 'web-d']) h.metrics.cpu.set(name, 50);
  await h.store.create(hpas, hpa());
  await h.settle();
  t.equal(await h.replicas(), 4, 'at target: nothing to do');
  t.match(await h.condition('AbleToScale'), { reason: 'ReadyForNewScale' });
  t.equal((await h.status()).lastScaleTime, undefined);

  for (const name of ['web-a', 'web-b', 'web-c', 'web-d']) h.metrics.cpu.set(name, 10);
  await h.sync(20_000);
  t.equal(await h.replicas(), 4, 'the recommendation of 20 s ago (4) still holds');
  t.match(await h.condition('AbleToScale'), { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
  t.equal((await h.status()).desiredReplicas, 4);

  await h.sync(61_000);
  // 10% against 50%: ceil(4 * 0.2) = 1.
  t.equal(await h.replicas(), 1);
  t.ok((await h.eventList()).includes('Normal SuccessfulRescale New size: 1; reason: All metrics below target'));
});

t.test("the HPA's own scale-down window wins over the controller's", async (t) => {
  const h = setup(t, { downscaleStabilizationMs: 3_600_000 });
  await h.store.create(deployments, deployment(4));
  for (const name of ['web-a', 'web-b', 'web-c', 'web-d']) await h.store.create(pods, webPod(name));
  for (const name of ['web-a', 'web-b', 'web-c', 'web-d']) h.metrics.cpu.set(name, 10);
  await h.store.create(hpas, hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } }));
  await h.settle();
  t.equal(await h.replicas(), 1);
});

t.test('min and max bound the target, with their reasons', async (t) => {
  const h = setup(t);
  await h.store.create(deployments, deployment(1));
  await h.store.create(pods, webPod('web-a'));
  h.metrics.cpu.set('web-a', 50);
  await h.store.create(hpas, hpa({ minReplicas: 2, maxReplicas: 3 }));
  await h.settle();
  t.equal(await h.replicas(), 2);
  t.ok((await h.eventList()).includes('Normal SuccessfulRescale New size: 2; reason: Current number of replicas below Spec.MinReplicas'));

  // Two Pods at 400%: 8 wanted, 3 allowed.
  await h.store.create(pods, webPod('web-b'));
  h.metrics.cpu.set('web-a', 400).set('web-b', 400);
  await h.sync(15_000);
  t.equal(await h.replicas(), 3);
  t.match(await h.condition('ScalingLimited'), { status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' });
});

t.test('a Pod without a CPU request: FailedGetResourceMetric, nothing scaled', async (t) => {
  const h = setup(t);
  await h.store.create(deployments, deployment(2));
  await h.store.create(pods, webPod('web-a'));
  await h.store.create(pods, webPod('web-b', null));
  h.metrics.cpu.set('web-a', 90).set('web-b', 90);
  await h.store.create(hpas, hpa());
  await h.settle();
  t.equal(await h.replicas(), 2);
  t.match(await h.condition('ScalingActive'), {
    status: 'False',
    reason: 'FailedGetResourceMetric',
    message: 'the HPA was unable to compute the replica count: missing request for cpu in container web of Pod web-b',
  });
  t.same((await h.status()).currentMetrics, [{ type: '' }], "the metric's status is empty, so TARGETS reads <unknown>");
  t.same((await h.eventList()).sort(), [
    'Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu utilization: missing request for cpu in container web of Pod web-b',
    'Warning FailedGetResourceMetric missing request for cpu in container web of Pod web-b',
  ]);
});

t.test('no metrics yet: FailedGetResourceMetric', async (t) => {
  const h = setup(t);
  await h.store.create(deployments, deployment(1));
  await h.store.create(pods, webPod('web-a'));
  await h.store.create(hpas, hpa());
  await h.settle();
  t.match(await h.condition('ScalingActive'), { status: 'False', reason: 'FailedGetResourceMetric' });
  t.ok((await h.eventList()).includes('Warning FailedGetResourceMetric unable to get metrics for resource cpu: no metrics returned from resource metrics API'));
});

t.test('a target that is not a Deployment or ReplicaSet, or is missing: AbleToScale False FailedGetScale', async (t) => {
  const h = setup(t);
  await h.store.create(daemonSets, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'skiff-test/web:1' }] } } },
  });
  await h.store.create(hpas, hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent' } }));
  await h.settle();
  t.match(await h.condition('AbleToScale'), {
    status: 'False',
    reason: 'FailedGetScale',
    message: `the HPA controller was unable to get the target's current scale: Skiff can scale only apps/v1 Deployments and ReplicaSets, not apps/v1 DaemonSet "agent"`,
  });

  await h.store.update(hpas, { ...(await h.store.get(hpas, 'default', 'web'))!, spec: (hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nope' } }).spec) });
  await h.settle();
  t.match(await h.condition('AbleToScale'), { status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: deployments.apps "nope" not found` });
  t.ok((await h.eventList()).includes('Warning FailedGetScale deployments.apps "nope" not found'));
});

t.test('a target scaled to zero disables autoscaling', async (t) => {
  const h = setup(t);
  await h.store.create(deployments, deployment(0));
  await h.store.create(hpas, hpa());
  await h.settle();
  t.equal(await h.replicas(), 0);
  t.match(await h.condition('ScalingActive'), { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
});

t.test('memory against an AverageValue target, and the highest proposal of several metrics wins', async (t) => {
  const h = setup(t);
  await h.store.create(deployments, deployment(2));
  for (const name of ['web-a', 'web-b']) await h.store.create(pods, webPod(name, { cpu: '100m', memory: '64Mi' }));
  h.metrics.cpu.set('web-a', 60).set('web-b', 60); // 60% against 50%: ratio 1.2, ceil(2 * 1.2) = 3
  await h.store.create(
    hpas,
    hpa({
      metrics: [
        // Each Pod's working set is 50Mi: half the target, so memory alone would scale down to 1.
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
    }),
  );
  await h.settle();
  t.equal(await h.replicas(), 3);
  t.same((await h.status()).currentMetrics, [
    { type: 'Resource', resource: { name: 'memory', current: { averageValue: '52428800' } } },
    { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 60, averageValue: '60m' } } },
  ]);
  t.same(await h.eventList(), ['Normal SuccessfulRescale New size: 3; reason: cpu resource utilization (percentage of request) above target']);
});
