import t from 'tap';
import { applyDefaults, defaultPullPolicy } from '../../../hub/api/defaults.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { nginxDeployment } from '../shared/manifests.js';

t.test('defaultPullPolicy is Always for :latest or no tag, IfNotPresent for a tag or a digest', async (t) => {
  const table: Array<[string, 'Always' | 'IfNotPresent']> = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.14.2', 'IfNotPresent'],
    ['library/nginx', 'Always'],
    ['registry:5000/web', 'Always'],
    ['registry:5000/web:latest', 'Always'],
    ['registry:5000/web:1', 'IfNotPresent'],
    ['registry:5000/team/web:1', 'IfNotPresent'],
    [`nginx@sha256:${'a'.repeat(64)}`, 'IfNotPresent'],
    [`registry:5000/web@sha256:${'b'.repeat(64)}`, 'IfNotPresent'],
    [`nginx:1.14.2@sha256:${'c'.repeat(64)}`, 'IfNotPresent'],
  ];
  for (const [image, policy] of table) t.equal(defaultPullPolicy(image), policy, image);
});

function podObject(spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx', ...container }], ...spec } };
}

const specOf = (o: KubeObject) => o.spec as Record<string, any>;

t.test("applyDefaults fills a Pod's spec as Kubernetes does", async (t) => {
  const spec = specOf(applyDefaults(podObject({}, { ports: [{ containerPort: 80 }] })));
  t.match(spec, { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler' });
  t.match(spec.containers[0], {
    imagePullPolicy: 'Always',
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    resources: {},
    ports: [{ containerPort: 80, protocol: 'TCP' }],
  });
});

t.test('applyDefaults never overrides what the user set on a Pod, zero values included', async (t) => {
  const user = {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 0,
    dnsPolicy: 'Default',
    schedulerName: 'edge-scheduler',
  };
  const container = {
    imagePullPolicy: 'Never',
    terminationMessagePath: '/tmp/log',
    terminationMessagePolicy: 'FallbackToLogsOnError',
    resources: { limits: { memory: '64Mi' }, requests: { memory: '32Mi' } },
    ports: [{ containerPort: 53, protocol: 'UDP' }],
  };
  const spec = specOf(applyDefaults(podObject(user, container)));
  t.match(spec, user);
  t.same(spec.containers[0], { name: 'c', image: 'nginx', ...container });
});

t.test("a Pod's container that limits without requesting requests its limit (SetDefaults_Pod); templates keep what was written", async (t) => {
  const pod = specOf(applyDefaults(podObject({}, { resources: { limits: { memory: '64Mi', cpu: '250m' }, requests: { cpu: '100m' } } })));
  t.same(pod.containers[0].resources, { limits: { memory: '64Mi', cpu: '250m' }, requests: { memory: '64Mi', cpu: '100m' } });
  const d = nginxDeployment();
  (d.spec.template.spec.containers[0] as Record<string, unknown>).resources = { limits: { memory: '64Mi' } };
  t.same(specOf(applyDefaults(d as unknown as KubeObject)).template.spec.containers[0].resources, { limits: { memory: '64Mi' } });
});

t.test('admission tolerations: 300 s for not-ready/unreachable, memory-pressure for Pods that are not BestEffort', async (t) => {
  const keys = (spec: { tolerations?: Array<{ key: string; effect?: string; tolerationSeconds?: number }> }) =>
    (spec.tolerations ?? []).map((x) => `${x.key}:${x.effect}${x.tolerationSeconds !== undefined ? `:${x.tolerationSeconds}` : ''}`);
  const bestEffort = specOf(applyDefaults(podObject()));
  t.same(keys(bestEffort), ['node.kubernetes.io/not-ready:NoExecute:300', 'node.kubernetes.io/unreachable:NoExecute:300']);
  const burstable = specOf(applyDefaults(podObject({}, { resources: { requests: { memory: '16Mi' } } })));
  t.same(keys(burstable), [...keys(bestEffort), 'node.kubernetes.io/memory-pressure:NoSchedule']);
  t.match(burstable.tolerations[2], { operator: 'Exists' });
  const guaranteed = specOf(applyDefaults(podObject({}, { resources: { limits: { memory: '16Mi', cpu: '1' } } })));
  t.same(keys(guaranteed), keys(burstable), 'limits alone make it Guaranteed (requests default to them)');
  t.equal((applyDefaults(podObject({}, { resources: { limits: { memory: '16Mi', cpu: '1' } } })).status as { qosClass?: string }).qosClass, 'Guaranteed', 'status.qosClass set as the API server does');
  t.equal((applyDefaults(podObject()).status as { qosClass?: string }).qosClass, 'BestEffort');
  t.same(keys(specOf(applyDefaults(applyDefaults(podObject({}, { resources: { limits: { cpu: '1' } } }))))), keys(burstable), 'idempotent: applying twice adds nothing');
  const own = specOf(applyDefaults(podObject({ tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] })));
  t.same(keys(own), ['node.kubernetes.io/unreachable:NoExecute:5', 'node.kubernetes.io/not-ready:NoExecute:300'], 'a Pod that says otherwise keeps its own');
});

t.test('applyDefaults does not mutate its input', async (t) => {
  const input = podObject();
  const before = JSON.stringify(input);
  applyDefaults(input);
  t.equal(JSON.stringify(input), before);
});

t.test("applyDefaults fills a Deployment's spec as Kubernetes does", async (t) => {
  const d = nginxDeployment();
  delete (d.spec as { replicas?: unknown }).replicas;
  const spec = specOf(applyDefaults(d as unknown as KubeObject));
  t.equal(spec.replicas, 1);
  t.same(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  t.equal(spec.revisionHistoryLimit, 10);
  t.equal(spec.progressDeadlineSeconds, 600);
  t.match(spec.template.spec, { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst' });
  t.equal(spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent', 'nginx:1.14.2 is tagged');
  t.same(spec.template.metadata, { labels: { app: 'nginx' } }, 'template metadata is kept');
});

t.test('applyDefaults never overrides what the user set on a Deployment', async (t) => {
  const table: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['zero replicas', { replicas: 0 }, { replicas: 0 }],
    ['replicas 3', {}, { replicas: 3 }],
    ['zero history', { revisionHistoryLimit: 0 }, { revisionHistoryLimit: 0 }],
    ['short deadline', { progressDeadlineSeconds: 60 }, { progressDeadlineSeconds: 60 }],
    ['Recreate, with no rolling parameters', { strategy: { type: 'Recreate' } }, { strategy: { type: 'Recreate' } }],
    [
      'partial rolling parameters keep the other default',
      { strategy: { rollingUpdate: { maxSurge: 1 } } },
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } } },
    ],
    [
      'both rolling parameters',
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '50%' } } },
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '50%' } } },
    ],
  ];
  for (const [what, user, want] of table) {
    const d = nginxDeployment();
    Object.assign(d.spec, user);
    const spec = specOf(applyDefaults(d as unknown as KubeObject));
    for (const [key, value] of Object.entries(want)) t.same(spec[key], value, `${what}: ${key}`);
  }
});

t.test('applyDefaults gives a ReplicaSet one replica and a defaulted template, and a Namespace its finalizer and phase', async (t) => {
  const rs = { ...nginxDeployment(), kind: 'ReplicaSet', spec: { ...nginxDeployment().spec, replicas: undefined } } as unknown as KubeObject;
  const rsSpec = specOf(applyDefaults(rs));
  t.equal(rsSpec.replicas, 1);
  t.equal(rsSpec.template.spec.restartPolicy, 'Always');
  const ns = applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' } });
  t.same(ns.spec, { finalizers: ['kubernetes'] });
  t.same(ns.status, { phase: 'Active' });
});

t.test('applyDefaults leaves kinds without defaults untouched', async (t) => {
  const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };
  t.equal(applyDefaults(node), node);
});

t.test('a fieldRef gets apiVersion v1 (SetDefaults_ObjectFieldSelector); other env entries stay as written', async (t) => {
  const env = [
    { name: 'A', value: 'x' },
    { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'KEPT', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
    { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } },
  ];
  const spec = specOf(applyDefaults(podObject({}, { env })));
  t.same(spec.containers[0].env, [
    { name: 'A', value: 'x' },
    { name: 'NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: 'KEPT', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
    { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } },
  ]);
  t.equal(specOf(applyDefaults(podObject())).containers[0].env, undefined, 'no env: none added');
});
