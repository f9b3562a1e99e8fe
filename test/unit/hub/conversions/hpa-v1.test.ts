/**
 * autoscaling/v1 <-> v2 HorizontalPodAutoscalers (hub/api/conversions/hpa-v1.ts), as kube-apiserver
 * converts them, and over HTTP: what kubectl 1.32's `autoscale` POSTs to autoscaling/v1 is stored
 * as v2 and answered in v1.
 */
import t from 'tap';
import { hpaV1ToV2, hpaV2ToV1 } from '../../../../hub/api/conversions/hpa-v1.js';
import { resolveResource } from '../../../../shared/api/resources.js';
import type { KubeObject } from '../../../../shared/api/object.js';
import { listenApi, tempApiStore } from '../api-server-rig.js';

const v1 = {
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
};
const cpu80 = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } };

t.test('v1 to v2: the CPU target is a cpu Utilization metric; a client status is dropped', async (t) => {
  t.same(hpaV1ToV2({ ...v1, status: { currentReplicas: 1 } }), {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web' },
    spec: { scaleTargetRef: v1.spec.scaleTargetRef, minReplicas: 2, maxReplicas: 5, metrics: [cpu80] },
  });
  t.same(hpaV1ToV2({ ...v1, spec: { maxReplicas: 3 } }), { ...v1, apiVersion: 'autoscaling/v2', spec: { maxReplicas: 3 } }, 'no target: no metrics (the controller defaults to 80% CPU)');
  t.same(hpaV1ToV2({ metadata: { name: 'x' } }), { metadata: { name: 'x' } }, 'neither apiVersion nor kind: the URL gives them');
  t.equal(hpaV1ToV2('nonsense'), 'nonsense', 'left for validation to refuse');
});

t.test('v2 to v1: the cpu Utilization target and current value; other metrics are not said in v1', async (t) => {
  const stored: KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: v1.spec.scaleTargetRef, minReplicas: 2, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 60 } } }, cpu80] },
    status: {
      observedGeneration: 3,
      lastScaleTime: '2026-12-06T00:00:00Z',
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 91, averageValue: '91m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True' }],
    },
  };
  t.same(hpaV2ToV1(stored), {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: v1.spec.scaleTargetRef, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
    status: { observedGeneration: 3, lastScaleTime: '2026-12-06T00:00:00Z', currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 91 },
  });
  const bare = hpaV2ToV1({ ...stored, spec: { maxReplicas: 2 }, status: {} });
  t.same([bare.spec, bare.status], [{ maxReplicas: 2 }, { currentReplicas: 0, desiredReplicas: 0 }]);
  t.notOk('status' in hpaV2ToV1({ ...stored, status: undefined as never }), 'no status: none');
});

t.test('over HTTP: a v1 create is stored as v2 and answered in v1; get and list in v1; watch and patch are refused', async (t) => {
  const { store } = await tempApiStore(t, ['default']);
  const { url } = await listenApi(t, { store, adminToken: 'admin' });
  const headers = { authorization: 'Bearer admin', 'content-type': 'application/json' };
  const base = `${url}/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers`;
  const created = await fetch(base, { method: 'POST', headers, body: JSON.stringify(v1) });
  t.equal(created.status, 201);
  t.match(await created.json(), { apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 80 } });
  t.same((await store.get(resolveResource('hpa')!, 'default', 'web'))?.spec, { scaleTargetRef: v1.spec.scaleTargetRef, minReplicas: 2, maxReplicas: 5, metrics: [cpu80] });

  const got = (await (await fetch(`${base}/web`, { headers })).json()) as KubeObject;
  t.same([got.apiVersion, (got.spec as { targetCPUUtilizationPercentage: number }).targetCPUUtilizationPercentage], ['autoscaling/v1', 80]);
  const list = (await (await fetch(base, { headers })).json()) as { apiVersion: string; kind: string; items: KubeObject[] };
  t.same([list.apiVersion, list.kind, list.items.map((i) => i.apiVersion)], ['autoscaling/v1', 'HorizontalPodAutoscalerList', ['autoscaling/v1']]);
  const v2 = (await (await fetch(`${url}/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web`, { headers })).json()) as KubeObject;
  t.equal(v2.apiVersion, 'autoscaling/v2');
  const missing = await fetch(`${base}/none`, { headers });
  t.match(await missing.json(), { kind: 'Status', code: 404 }, 'a Status passes unconverted');

  const watch = await fetch(`${base}?watch=true`, { headers });
  t.equal(watch.status, 405);
  t.match(await watch.json(), { message: 'horizontalpodautoscalers.autoscaling is served in autoscaling/v1 for get, list, create, update and delete only; use autoscaling/v2' });
  t.equal((await fetch(`${base}/web`, { method: 'PATCH', headers: { ...headers, 'content-type': 'application/merge-patch+json' }, body: '{}' })).status, 405);
});
