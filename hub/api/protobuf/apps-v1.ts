/**
 * k8s.io/api apps/v1: Deployment (`kubectl create deployment`).
 * Field numbers from the v1.32 generated.proto (see hub/api/protobuf/schema.ts).
 */
import type { SchemaTables } from './schema.js';

export const APPS_V1: SchemaTables = {
  'apps/v1.Deployment': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    2: ['spec', 'apps/v1.DeploymentSpec'],
    3: ['status', 'apps/v1.DeploymentStatus'],
  },
  'apps/v1.DeploymentSpec': {
    1: ['replicas', 'int32', 'optional'],
    2: ['selector', 'meta/v1.LabelSelector', 'optional'],
    3: ['template', 'core/v1.PodTemplateSpec'],
    4: ['strategy', 'apps/v1.DeploymentStrategy'],
    5: ['minReadySeconds', 'int32'],
    6: ['revisionHistoryLimit', 'int32', 'optional'],
    7: ['paused', 'bool'],
    9: ['progressDeadlineSeconds', 'int32', 'optional'],
  },
  'apps/v1.DeploymentStatus': {
    1: ['observedGeneration', 'int64'],
    2: ['replicas', 'int32'],
    3: ['updatedReplicas', 'int32'],
    7: ['readyReplicas', 'int32'],
    4: ['availableReplicas', 'int32'],
    5: ['unavailableReplicas', 'int32'],
    8: ['collisionCount', 'int32', 'optional'],
  },
  'apps/v1.DeploymentStrategy': {
    1: ['type', 'string'],
    2: ['rollingUpdate', 'apps/v1.RollingUpdateDeployment'],
  },
  'apps/v1.RollingUpdateDeployment': {
    1: ['maxUnavailable', 'intOrString', 'optional'],
    2: ['maxSurge', 'intOrString', 'optional'],
  },
};
