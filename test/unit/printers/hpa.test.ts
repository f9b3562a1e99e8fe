import t from 'tap';
import { formatHpaMetrics, hpaCells, hpaColumns } from '../../../hub/printers/hpa.js';
import { printTable } from '../../../hub/printers/registry.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from '../../../shared/api/schema/autoscaling.js';
import { NOW, ago } from './fixtures/objects.js';

const cpu = (averageUtilization?: number): MetricSpec => ({
  type: 'Resource',
  resource: { name: 'cpu', target: averageUtilization === undefined ? { type: 'Utilization' } : { type: 'Utilization', averageUtilization } },
});
const memory = (averageValue: string): MetricSpec => ({ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue } } });
const cpuNow = (averageUtilization: number): MetricStatus => ({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization, averageValue: '45m' } } });

function hpa(status?: HorizontalPodAutoscaler['status'], minReplicas: number | null = 1): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(120) },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, ...(minReplicas !== null ? { minReplicas } : {}), maxReplicas: 10, metrics: [cpu(50)] },
    ...(status ? { status } : {}),
  };
}

t.test('columns are kubectl 1.32 NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE', async (t) => {
  t.same(hpaColumns.map((c) => [c.name, c.type]), [
    ['Name', 'string'],
    ['Reference', 'string'],
    ['Targets', 'string'],
    ['MinPods', 'string'],
    ['MaxPods', 'integer'],
    ['Replicas', 'integer'],
    ['Age', 'string'],
  ]);
});

t.test('rows', async (t) => {
  t.same(hpaCells(hpa({ currentReplicas: 3, desiredReplicas: 3, currentMetrics: [cpuNow(45)] }), NOW), ['web', 'Deployment/web', 'cpu: 45%/50%', '1', 10, 3, '2m']);
  t.same(hpaCells(hpa(undefined, null), NOW), ['web', 'Deployment/web', 'cpu: <unknown>/50%', '<unset>', 10, 0, '2m'], 'before the first sync');
});

t.test('TARGETS as formatHPAMetrics writes them', async (t) => {
  t.equal(formatHpaMetrics([], []), '<none>');
  t.equal(formatHpaMetrics([cpu(50)], [{ type: '' }]), 'cpu: <unknown>/50%', 'a metric that could not be read');
  t.equal(formatHpaMetrics([cpu()], []), 'cpu: <unknown>/<auto>');
  t.equal(
    formatHpaMetrics([cpu(50), memory('100Mi')], [cpuNow(45), { type: 'Resource', resource: { name: 'memory', current: { averageValue: '52428800' } } }]),
    'cpu: 45%/50%, memory: 52428800/100Mi',
    'several joined by ", ", quantities as Quantity.String() writes them (the controller writes decimal ones)',
  );
  t.equal(formatHpaMetrics([cpu(50), memory('100Mi'), cpu(70)], []), 'cpu: <unknown>/50%, memory: <unknown>/100Mi + 1 more...', 'at most two shown');
});

t.test('the registry serves HPAs with this printer', async (t) => {
  const table = printTable(resolveResource('hpa')!, [hpa({ currentReplicas: 1, desiredReplicas: 1 }) as unknown as KubeObject], NOW);
  t.same(table.columnDefinitions.map((c) => c.name), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
  t.same(table.rows[0]?.cells, ['web', 'Deployment/web', 'cpu: <unknown>/50%', '1', 10, 1, '2m']);
});
