/**
 * k8s.io/api networking/v1: Ingress (`kubectl create ingress`).
 * Field numbers from the v1.32 generated.proto (see hub/api/protobuf/schema.ts).
 */
import type { SchemaTables } from './schema.js';

export const NETWORKING_V1: SchemaTables = {
  'networking/v1.Ingress': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    2: ['spec', 'networking/v1.IngressSpec'],
    3: ['status', 'networking/v1.IngressStatus'],
  },
  'networking/v1.IngressSpec': {
    4: ['ingressClassName', 'string', 'optional'],
    1: ['defaultBackend', 'networking/v1.IngressBackend'],
    2: ['tls', 'networking/v1.IngressTLS', 'repeated'],
    3: ['rules', 'networking/v1.IngressRule', 'repeated'],
  },
  'networking/v1.IngressStatus': {
    1: ['loadBalancer', 'networking/v1.IngressLoadBalancerStatus'],
  },
  // Sent empty on create; its `ingress` list (field 1) is the hub's to fill, so not decoded.
  'networking/v1.IngressLoadBalancerStatus': {},
  'networking/v1.IngressBackend': {
    4: ['service', 'networking/v1.IngressServiceBackend'],
    3: ['resource', 'core/v1.TypedLocalObjectReference'],
  },
  'networking/v1.IngressServiceBackend': {
    1: ['name', 'string'],
    2: ['port', 'networking/v1.ServiceBackendPort'],
  },
  'networking/v1.ServiceBackendPort': {
    1: ['name', 'string'],
    2: ['number', 'int32'],
  },
  'networking/v1.IngressRule': {
    1: ['host', 'string'],
    2: ['ingressRuleValue', 'networking/v1.IngressRuleValue', 'inline'],
  },
  'networking/v1.IngressRuleValue': {
    1: ['http', 'networking/v1.HTTPIngressRuleValue'],
  },
  'networking/v1.HTTPIngressRuleValue': {
    1: ['paths', 'networking/v1.HTTPIngressPath', 'repeated'],
  },
  'networking/v1.HTTPIngressPath': {
    1: ['path', 'string'],
    3: ['pathType', 'string', 'optional'],
    2: ['backend', 'networking/v1.IngressBackend'],
  },
  'networking/v1.IngressTLS': {
    1: ['hosts', 'string', 'repeated'],
    2: ['secretName', 'string'],
  },
};
