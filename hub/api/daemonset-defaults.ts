/**
 * apps/v1 SetDefaults_DaemonSet: updateStrategy RollingUpdate with maxUnavailable 1 and maxSurge 0,
 * revisionHistoryLimit 10, and the pod template defaulted as every Pod is.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { PodSpec } from '../../shared/api/schema/pod.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { defaultPodSpec } from './defaults.js';

interface DaemonSetSpecInput {
  template: { metadata?: KubeObject['metadata']; spec: PodSpec };
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
  revisionHistoryLimit?: number;
  [key: string]: unknown;
}

export function defaultDaemonSet(object: KubeObject): KubeObject {
  const spec = object.spec as DaemonSetSpecInput;
  const strategyType = spec.updateStrategy?.type ?? 'RollingUpdate';
  return {
    ...object,
    spec: {
      ...spec,
      updateStrategy:
        strategyType === 'RollingUpdate'
          ? { type: strategyType, rollingUpdate: { maxUnavailable: 1, maxSurge: 0, ...spec.updateStrategy?.rollingUpdate } }
          : { type: strategyType },
      revisionHistoryLimit: spec.revisionHistoryLimit ?? DEFAULTS.revisionHistoryLimit,
      template: { ...spec.template, spec: defaultPodSpec(spec.template.spec) },
    },
  };
}
