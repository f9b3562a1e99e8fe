/**
 * v1 Service and Endpoints validation through validateObject (what `skiff apply` and the API
 * run), in Kubernetes' words (ValidateService, ValidateEndpoints), and SetDefaults_Service as the
 * API applies it.
 */
import t from 'tap';
import { applyDefaults } from '../../../hub/api/defaults.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { portNameProblems } from '../../../shared/api/schema/service.js';
import { validateObject } from '../../../shared/api/validate.js';

function errorsOf(object: object): Array<[string, string]> {
  const result = validateObject(object);
  return result.ok ? [] : result.errors.map((e) => [e.path, e.message]);
}

const svc = (spec: object): object => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec });
const port = (extra: object = {}): object => ({ port: 80, ...extra });

t.test('Service and Endpoints are served with their short names', async (t) => {
  t.equal(resolveResource('svc')?.kind, 'Service');
  t.equal(resolveResource('services')?.kind, 'Service');
  t.equal(resolveResource('ep')?.kind, 'Endpoints');
  t.equal(resolveResource('endpoints')?.kind, 'Endpoints');
});

t.test('the Kubernetes tutorial NodePort Service is valid as written', async (t) => {
  const manifest = svc({ type: 'NodePort', selector: { app: 'nginx' }, ports: [{ port: 80, targetPort: 80, nodePort: 30080 }] });
  t.same(errorsOf(manifest), []);
  t.same(errorsOf(svc({ selector: { app: 'web' }, ports: [port({ name: 'http', targetPort: 'http' }), port({ name: 'https', port: 443 })] })), []);
  t.same(errorsOf(svc({ clusterIP: 'None', selector: { app: 'db' } })), [], 'a headless Service needs no ports');
  t.same(errorsOf(svc({ ports: [port()], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })), []);
});

t.test('types other than ClusterIP and NodePort are refused as unsupported values', async (t) => {
  t.same(errorsOf(svc({ type: 'LoadBalancer', ports: [port()] })), [['spec.type', 'Unsupported value: "LoadBalancer": supported values: "ClusterIP", "NodePort"']]);
  t.same(errorsOf(svc({ type: 'ExternalName', ports: [port()] })), [['spec.type', 'Unsupported value: "ExternalName": supported values: "ClusterIP", "NodePort"']]);
});

t.test('ports: protocol TCP only, ports in 1-65535, names required and unique when several', async (t) => {
  t.same(errorsOf(svc({ ports: [port({ protocol: 'UDP' })] })), [['spec.ports[0].protocol', 'Unsupported value: "UDP": supported values: "TCP"']]);
  t.same(errorsOf(svc({ ports: [port({ port: 0 })] })), [['spec.ports[0].port', 'Invalid value: 0: must be between 1 and 65535, inclusive']]);
  t.same(errorsOf(svc({ ports: [port({ port: 65536 })] })), [['spec.ports[0].port', 'Invalid value: 65536: must be between 1 and 65535, inclusive']]);
  t.same(errorsOf(svc({ ports: [port({ name: 'a' }), port({ port: 81 })] })), [['spec.ports[1].name', 'Required value']]);
  t.same(errorsOf(svc({ ports: [port({ name: 'a' }), port({ name: 'a', port: 81 })] })), [['spec.ports[1].name', 'Duplicate value: "a"']]);
  t.same(errorsOf(svc({ ports: [port({ name: 'a' }), port({ name: 'b' })] })), [['spec.ports[1]', 'Duplicate value: {"port":80,"protocol":"TCP"}']]);
  t.match(errorsOf(svc({ ports: [port({ name: 'Web_1' })] })), [['spec.ports[0].name', /^Invalid value: "Web_1": a lowercase RFC 1123 label/]]);
  t.same(errorsOf(svc({})), [['spec.ports', 'Required value']]);
});

t.test('targetPort: a port number, or a name as IANA_SVC_NAME allows', async (t) => {
  t.same(errorsOf(svc({ ports: [port({ targetPort: 0 })] })), [['spec.ports[0].targetPort', 'Invalid value: 0: must be between 1 and 65535, inclusive']]);
  t.same(portNameProblems('http'), []);
  t.same(portNameProblems('web-1'), []);
  t.same(portNameProblems('8080'), ['must contain at least one letter (a-z)']);
  t.same(portNameProblems('a--b'), ['must not contain consecutive hyphens']);
  t.same(portNameProblems('-ab'), ['must not begin or end with a hyphen']);
  t.same(portNameProblems('HTTP'), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']);
  t.same(portNameProblems('a'.repeat(16)), ['must be no more than 15 characters']);
  t.same(errorsOf(svc({ ports: [port({ targetPort: 'a--b' })] })), [['spec.ports[0].targetPort', 'Invalid value: "a--b": must not contain consecutive hyphens']]);
});

t.test('nodePort: only with type NodePort, in 1-65535, not twice in one Service', async (t) => {
  t.same(errorsOf(svc({ ports: [port({ nodePort: 30080 })] })), [['spec.ports[0].nodePort', "Forbidden: may not be used when `type` is 'ClusterIP'"]]);
  t.same(errorsOf(svc({ type: 'NodePort', ports: [port({ nodePort: 70000 })] })), [['spec.ports[0].nodePort', 'Invalid value: 70000: must be between 1 and 65535, inclusive']]);
  t.same(errorsOf(svc({ type: 'NodePort', ports: [port({ name: 'a', nodePort: 30080 }), port({ name: 'b', port: 81, nodePort: 30080 })] })), [['spec.ports[1].nodePort', 'Duplicate value: 30080']]);
  // The configured range is the hub's business (it answers "provided port is not in the valid range").
  t.same(errorsOf(svc({ type: 'NodePort', ports: [port({ nodePort: 80 })] })), []);
});

t.test('clusterIP: an IPv4 address, "None" (headless, not for NodePort) or left to the hub', async (t) => {
  t.same(errorsOf(svc({ clusterIP: '10.43.0.10', ports: [port()] })), []);
  t.same(errorsOf(svc({ clusterIP: 'ten', ports: [port()] })), [['spec.clusterIPs[0]', 'Invalid value: "ten": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']]);
  t.same(errorsOf(svc({ type: 'NodePort', clusterIP: 'None', ports: [port()] })), [['spec.clusterIPs[0]', "Invalid value: \"None\": may not be set to 'None' for NodePort services"]]);
  t.same(errorsOf(svc({ clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.11'], ports: [port()] })), [['spec.clusterIPs', 'Invalid value: ["10.43.0.11"]: first value must match `clusterIP`']]);
});

t.test('sessionAffinity None or ClientIP, with a timeout in (0, 86400]', async (t) => {
  t.same(errorsOf(svc({ ports: [port()], sessionAffinity: 'Cookie' })), [['spec.sessionAffinity', 'Unsupported value: "Cookie": supported values: "ClientIP", "None"']]);
  t.same(errorsOf(svc({ ports: [port()], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } })), [
    ['spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'Invalid value: 0: must be greater than 0 and less than 86400'],
  ]);
  t.match(errorsOf(svc({ ports: [port()], sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } })), [['spec.sessionAffinityConfig', /must not be set when session affinity is None$/]]);
});

t.test('unknown fields are reported, never dropped', async (t) => {
  t.same(errorsOf(svc({ ports: [port()], externalName: 'x.example' })), [['spec.externalName', 'unknown field (not supported by Skiff)']]);
});

t.test('SetDefaults_Service: type, affinity, protocol, targetPort, policies, status', async (t) => {
  const defaulted = applyDefaults(svc({ selector: { app: 'web' }, ports: [port(), port({ name: 'https', port: 443, targetPort: 'https' })] }) as KubeObject);
  t.same(defaulted.spec, {
    selector: { app: 'web' },
    type: 'ClusterIP',
    sessionAffinity: 'None',
    ports: [
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' },
    ],
    internalTrafficPolicy: 'Cluster',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
  });
  t.same(defaulted.status, { loadBalancer: {} });
  const nodePort = applyDefaults(svc({ type: 'NodePort', ports: [port()], sessionAffinity: 'ClientIP' }) as KubeObject).spec as Record<string, unknown>;
  t.equal(nodePort.externalTrafficPolicy, 'Cluster');
  t.same(nodePort.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
});

t.test('Endpoints: addresses are IPs, ports in range and TCP, names required when several', async (t) => {
  const ep = (subsets: object[]): object => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, subsets });
  t.same(errorsOf(ep([{ addresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'p', namespace: 'default', uid: 'u' } }], ports: [{ port: 80, protocol: 'TCP' }] }])), []);
  t.same(errorsOf(ep([{ addresses: [{ ip: 'host' }] }])), [['subsets[0].addresses[0].ip', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']]);
  t.same(errorsOf(ep([{ ports: [{ port: 80 }, { name: 'b', port: 81 }] }])), [['subsets[0].ports[0].name', 'Required value']]);
  t.same(errorsOf(ep([{ ports: [{ port: 0, protocol: 'UDP' }] }])), [
    ['subsets[0].ports[0].port', 'Invalid value: 0: must be between 1 and 65535, inclusive'],
    ['subsets[0].ports[0].protocol', 'Unsupported value: "UDP": supported values: "TCP"'],
  ]);
});
