/**
 * Which message a protobuf body's apiVersion and kind name, and every table the decoder may need.
 * The kinds are those kubectl v1.32's typed clients send as protobuf (`kubectl create ...`,
 * `auth can-i`, `create token`, `autoscale`) plus policy/v1 Eviction; any other kind is answered
 * with a request to send JSON.
 */
import { ACCESS_V1 } from './access-v1.js';
import { APPS_V1 } from './apps-v1.js';
import { AUTOSCALING_V1 } from './autoscaling-v1.js';
import { CORE_V1 } from './core-v1.js';
import { CORE_V1_POD } from './core-v1-pod.js';
import { META_V1 } from './meta-v1.js';
import { NETWORKING_V1 } from './networking-v1.js';
import { RBAC_V1 } from './rbac-v1.js';
import type { SchemaTables } from './schema.js';

export const TABLES: SchemaTables = {
  ...META_V1,
  ...CORE_V1,
  ...CORE_V1_POD,
  ...APPS_V1,
  ...AUTOSCALING_V1,
  ...RBAC_V1,
  ...NETWORKING_V1,
  ...ACCESS_V1,
};

/** `${apiVersion} ${kind}` -> message table name. */
export const KIND_MESSAGES: Readonly<Record<string, string>> = {
  'v1 ConfigMap': 'core/v1.ConfigMap',
  'v1 Secret': 'core/v1.Secret',
  'v1 Namespace': 'core/v1.Namespace',
  'v1 ServiceAccount': 'core/v1.ServiceAccount',
  'v1 Service': 'core/v1.Service',
  'apps/v1 Deployment': 'apps/v1.Deployment',
  'autoscaling/v1 HorizontalPodAutoscaler': 'autoscaling/v1.HorizontalPodAutoscaler',
  'rbac.authorization.k8s.io/v1 Role': 'rbac/v1.Role',
  'rbac.authorization.k8s.io/v1 ClusterRole': 'rbac/v1.ClusterRole',
  'rbac.authorization.k8s.io/v1 RoleBinding': 'rbac/v1.RoleBinding',
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': 'rbac/v1.ClusterRoleBinding',
  'networking.k8s.io/v1 Ingress': 'networking/v1.Ingress',
  'authentication.k8s.io/v1 TokenRequest': 'authentication/v1.TokenRequest',
  'authorization.k8s.io/v1 SelfSubjectAccessReview': 'authorization/v1.SelfSubjectAccessReview',
  'authorization.k8s.io/v1 SelfSubjectRulesReview': 'authorization/v1.SelfSubjectRulesReview',
  'policy/v1 Eviction': 'policy/v1.Eviction',
};
