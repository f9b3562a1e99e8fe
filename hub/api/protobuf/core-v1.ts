/**
 * k8s.io/api core/v1 objects `kubectl create` sends: ConfigMap, Secret, Namespace, ServiceAccount,
 * Service (and the references they use). Statuses are listed as clients send them on create: empty
 * or with zero scalars; their nested lists (conditions, load balancer ingress) are absent.
 * Field numbers from the v1.32 generated.proto (see hub/api/protobuf/schema.ts).
 */
import type { SchemaTables } from './schema.js';

export const CORE_V1: SchemaTables = {
  'core/v1.ConfigMap': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    4: ['immutable', 'bool', 'optional'],
    2: ['data', 'map<string,string>'],
    3: ['binaryData', 'map<string,bytes>'],
  },
  'core/v1.Secret': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    5: ['immutable', 'bool', 'optional'],
    2: ['data', 'map<string,bytes>'],
    4: ['stringData', 'map<string,string>'],
    3: ['type', 'string'],
  },
  'core/v1.Namespace': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    2: ['spec', 'core/v1.NamespaceSpec'],
    3: ['status', 'core/v1.NamespaceStatus'],
  },
  'core/v1.NamespaceSpec': {
    1: ['finalizers', 'string', 'repeated'],
  },
  'core/v1.NamespaceStatus': {
    1: ['phase', 'string'],
  },
  'core/v1.ServiceAccount': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    2: ['secrets', 'core/v1.ObjectReference', 'repeated'],
    3: ['imagePullSecrets', 'core/v1.LocalObjectReference', 'repeated'],
    4: ['automountServiceAccountToken', 'bool', 'optional'],
  },
  'core/v1.ObjectReference': {
    1: ['kind', 'string'],
    2: ['namespace', 'string'],
    3: ['name', 'string'],
    4: ['uid', 'string'],
    5: ['apiVersion', 'string'],
    6: ['resourceVersion', 'string'],
    7: ['fieldPath', 'string'],
  },
  'core/v1.LocalObjectReference': {
    1: ['name', 'string'],
  },
  'core/v1.TypedLocalObjectReference': {
    1: ['apiGroup', 'string'],
    2: ['kind', 'string'],
    3: ['name', 'string'],
  },
  'core/v1.Service': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    2: ['spec', 'core/v1.ServiceSpec'],
    3: ['status', 'core/v1.ServiceStatus'],
  },
  'core/v1.ServiceSpec': {
    1: ['ports', 'core/v1.ServicePort', 'repeated'],
    2: ['selector', 'map<string,string>'],
    3: ['clusterIP', 'string'],
    18: ['clusterIPs', 'string', 'repeated'],
    4: ['type', 'string'],
    5: ['externalIPs', 'string', 'repeated'],
    7: ['sessionAffinity', 'string'],
    8: ['loadBalancerIP', 'string'],
    9: ['loadBalancerSourceRanges', 'string', 'repeated'],
    10: ['externalName', 'string'],
    11: ['externalTrafficPolicy', 'string'],
    12: ['healthCheckNodePort', 'int32'],
    13: ['publishNotReadyAddresses', 'bool'],
    14: ['sessionAffinityConfig', 'core/v1.SessionAffinityConfig'],
    19: ['ipFamilies', 'string', 'repeated'],
    17: ['ipFamilyPolicy', 'string', 'optional'],
    20: ['allocateLoadBalancerNodePorts', 'bool', 'optional'],
    21: ['loadBalancerClass', 'string', 'optional'],
    22: ['internalTrafficPolicy', 'string', 'optional'],
    23: ['trafficDistribution', 'string', 'optional'],
  },
  'core/v1.ServiceStatus': {
    1: ['loadBalancer', 'core/v1.LoadBalancerStatus'],
  },
  // Sent empty on create; its `ingress` list (field 1) is the hub's to fill, so not decoded.
  'core/v1.LoadBalancerStatus': {},
  'core/v1.ServicePort': {
    1: ['name', 'string'],
    2: ['protocol', 'string'],
    6: ['appProtocol', 'string', 'optional'],
    3: ['port', 'int32'],
    4: ['targetPort', 'intOrString'],
    5: ['nodePort', 'int32'],
  },
  'core/v1.SessionAffinityConfig': {
    1: ['clientIP', 'core/v1.ClientIPConfig'],
  },
  'core/v1.ClientIPConfig': {
    1: ['timeoutSeconds', 'int32', 'optional'],
  },
};
