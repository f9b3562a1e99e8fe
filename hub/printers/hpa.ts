/** HorizontalPodAutoscaler rows, as kubectl 1.32's printHorizontalPodAutoscaler and formatHPAMetrics. */
import { formatQuantity } from '../../shared/api/quantity-text.js';
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from '../../shared/api/schema/autoscaling.js';
import { timestampSince } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const hpaColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Reference', 'string', 0, 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
  column('Targets', 'string', 0, 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
  column('MinPods', 'string', 0, 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
  column('MaxPods', 'integer', 0, 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
  column('Replicas', 'integer', 0, 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
  AGE_COLUMN,
];

/** At most this many metrics are shown; the rest read "+ N more...". */
const MAX_SHOWN = 2;

/** "cpu: 45%/50%", "memory: 100Mi/200Mi", "cpu: <unknown>/50%". */
function formatResourceMetric(spec: NonNullable<MetricSpec['resource']>, status: MetricStatus | undefined): string {
  const current = status?.resource?.current;
  if (spec.target.averageValue !== undefined) {
    const shown = current?.averageValue !== undefined ? formatQuantity(current.averageValue) : '<unknown>';
    return `${spec.name}: ${shown}/${formatQuantity(spec.target.averageValue)}`;
  }
  const shown = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : '<unknown>';
  const target = spec.target.averageUtilization !== undefined ? `${spec.target.averageUtilization}%` : '<auto>';
  return `${spec.name}: ${shown}/${target}`;
}

export function formatHpaMetrics(specs: readonly MetricSpec[] | undefined, statuses: readonly MetricStatus[] | undefined): string {
  if (!specs || specs.length === 0) return '<none>';
  const list: string[] = [];
  let counted = 0;
  for (const [i, spec] of specs.entries()) {
    list.push(spec.type === 'Resource' && spec.resource ? formatResourceMetric(spec.resource, statuses?.[i]) : '<unknown>');
    if (list.length > MAX_SHOWN) {
      return `${list.slice(0, MAX_SHOWN).join(', ')} + ${specs.length - counted} more...`;
    }
    counted++;
  }
  return list.join(', ');
}

export function hpaCells(hpa: HorizontalPodAutoscaler, now: Date): TableCell[] {
  const ref = hpa.spec.scaleTargetRef;
  return [
    hpa.metadata.name ?? '',
    `${ref.kind}/${ref.name}`,
    formatHpaMetrics(hpa.spec.metrics, hpa.status?.currentMetrics),
    hpa.spec.minReplicas !== undefined ? String(hpa.spec.minReplicas) : '<unset>',
    hpa.spec.maxReplicas,
    hpa.status?.currentReplicas ?? 0,
    timestampSince(hpa.metadata.creationTimestamp, now),
  ];
}
