import t from 'tap';
import { applyDefaults } from '../../../hub/api/defaults.js';
import { apiVersionOf, resolveResource } from '../../../shared/api/resources.js';
import { validateObject } from '../../../shared/api/validate.js';
import type { KubeObject } from '../../../shared/api/object.js';

function hpa(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, ...spec },
  };
}

function errorsOf(object: KubeObject): Array<{ path: string; message: string }> {
  const result = validateObject(object);
  return result.ok ? [] : result.errors;
}

t.test('HorizontalPodAutoscaler is served as autoscaling/v2 horizontalpodautoscalers, short name hpa', async (t) => {
  const rt = resolveResource('hpa');
  t.same(rt && { apiVersion: apiVersionOf(rt), kind: rt.kind, plural: rt.plural, namespaced: rt.namespaced }, {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
  });
  t.equal(resolveResource('horizontalpodautoscalers.autoscaling'), rt);
  t.equal(resolveResource('horizontalpodautoscaler'), rt);
});

t.test('a full HPA validates', async (t) => {
  const full = hpa({
    minReplicas: 2,
    metrics: [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
    ],
    behavior: {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
    },
  });
  full.status = {
    observedGeneration: 1,
    lastScaleTime: '2026-12-05T06:00:00Z',
    currentReplicas: 2,
    desiredReplicas: 3,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70, averageValue: '70m' } } }, { type: '' }],
    conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-12-05T06:00:00Z', reason: 'SucceededRescale', message: 'ok' }],
  };
  t.same(errorsOf(full), []);
});

t.test('field errors', async (t) => {
  t.same(errorsOf(hpa({ minReplicas: 4, maxReplicas: 2 })), [{ path: 'spec.maxReplicas', message: 'Invalid value: 2: must be greater than or equal to `minReplicas` (4)' }]);
  t.same(errorsOf(hpa({ maxReplicas: undefined })), [{ path: 'spec.maxReplicas', message: 'Required value' }]);
  t.same(errorsOf(hpa({ minReplicas: 0 })), [{ path: 'spec.minReplicas', message: 'must be greater than or equal to 1' }]);
  for (const type of ['Pods', 'Object', 'External', 'ContainerResource']) {
    const errors = errorsOf(hpa({ metrics: [{ type, [type === 'ContainerResource' ? 'containerResource' : type.toLowerCase()]: {} }] }));
    t.equal(errors.length, 1, type);
    t.equal(errors[0]?.path, 'spec.metrics[0].type');
    t.match(errors[0]?.message, new RegExp(`Unsupported value: "${type}": Skiff supports only "Resource" metrics`));
  }
  t.same(errorsOf(hpa({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] })), [
    { path: 'spec.metrics[0].resource.target.averageUtilization', message: 'Required value: must set averageUtilization when type is Utilization' },
  ]);
  t.same(errorsOf(hpa({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue' } } }] })), [
    { path: 'spec.metrics[0].resource.target.averageValue', message: 'Required value: must set averageValue when type is AverageValue' },
  ]);
  t.same(errorsOf(hpa({ metrics: [{ type: 'Resource' }] })), [{ path: 'spec.metrics[0].resource', message: 'Required value: must populate resource when type is Resource' }]);
  t.equal(errorsOf(hpa({ metrics: [{ type: 'Resource', resource: { name: 'gpu', target: { type: 'Utilization', averageUtilization: 5 } } }] }))[0]?.path, 'spec.metrics[0].resource.name');
  t.equal(errorsOf(hpa({ behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } } }))[0]?.path, 'spec.behavior.scaleUp.policies[0].value');
  t.equal(errorsOf(hpa({ scaleTargetRef: { kind: 'Deployment' } }))[0]?.path, 'spec.scaleTargetRef.name');
});

t.test('defaults: minReplicas 1 and CPU at 80% of request; no behavior stays none', async (t) => {
  const spec = applyDefaults(hpa()).spec as Record<string, unknown>;
  t.equal(spec.minReplicas, 1);
  t.same(spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  t.notOk('behavior' in spec);
  t.same(errorsOf({ ...hpa(), spec }), [], 'the defaulted object is valid');
});

t.test('defaults fill a given behavior as GenerateHPAScale{Up,Down}Rules do', async (t) => {
  const spec = applyDefaults(hpa({ behavior: {} })).spec as { behavior: unknown };
  t.same(spec.behavior, {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    // No window: the controller's --horizontal-pod-autoscaler-downscale-stabilization applies.
    scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
  });
  const kept = applyDefaults(hpa({ minReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Min' } } })).spec as Record<string, any>;
  t.equal(kept.minReplicas, 3);
  t.same(kept.behavior.scaleDown, { stabilizationWindowSeconds: 60, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
});
