/**
 * SetDefaults_Service (k8s.io/kubernetes pkg/apis/core/v1/defaults.go), the one place a Service's
 * defaults live: type ClusterIP, sessionAffinity None (ClientIP gets its 3 h timeout), protocol
 * TCP, targetPort = port, traffic policies Cluster, IPv4 single stack, and an empty load balancer
 * status. clusterIP and nodePorts are not defaults but allocations, made inside the store's write
 * (hub/objects/service-allocation.ts).
 */
import { DEFAULTS } from '../../shared/defaults.js';
import type { KubeObject } from '../../shared/api/object.js';
import { HEADLESS_CLUSTER_IP, type ServicePort, type ServiceSpec } from '../../shared/api/schema/service.js';

function defaultPort(port: ServicePort): ServicePort {
  return { ...port, protocol: port.protocol ?? 'TCP', targetPort: port.targetPort ?? port.port };
}

export function defaultService(object: KubeObject): KubeObject {
  const spec = (object.spec ?? {}) as ServiceSpec;
  const type = spec.type ?? 'ClusterIP';
  const sessionAffinity = spec.sessionAffinity ?? 'None';
  const headless = spec.clusterIP === HEADLESS_CLUSTER_IP;
  const defaulted: ServiceSpec = {
    ...spec,
    type,
    sessionAffinity,
    ...(sessionAffinity === 'ClientIP'
      ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULTS.services.clientIpAffinityTimeoutSeconds } } }
      : {}),
    ...(spec.ports ? { ports: spec.ports.map(defaultPort) } : {}),
    internalTrafficPolicy: spec.internalTrafficPolicy ?? 'Cluster',
    ...(type === 'NodePort' ? { externalTrafficPolicy: spec.externalTrafficPolicy ?? 'Cluster' } : {}),
    ...(headless && !spec.selector ? {} : { ipFamilies: spec.ipFamilies ?? ['IPv4'], ipFamilyPolicy: spec.ipFamilyPolicy ?? 'SingleStack' }),
  };
  return { ...object, spec: defaulted, status: (object.status as object | undefined) ?? { loadBalancer: {} } };
}
