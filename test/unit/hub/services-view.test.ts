/**
 * buildServicesView and relayAddressOf (issue #8), pure: Ready addresses only, Service ports paired
 * with Endpoints ports by name, '' as the node of a hand-written address, a sorted and therefore
 * stable result, headless and affinity handling, and relays only for the nodes that hold
 * endpoints and report where their relay listens.
 */
import t from 'tap';
import { buildServicesView, relayAddressOf } from '../../../hub/dispatch/services-view.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { EndpointSubset, ServiceSpec } from '../../../shared/api/schema/service.js';
import { DEFAULTS } from '../../../shared/defaults.js';

const CIDR = '10.43.0.0/16';

function service(name: string, spec: Partial<ServiceSpec> = {}, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, uid: `uid-${namespace}-${name}` },
    spec: { clusterIP: '10.43.0.10', ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec },
  };
}

function endpoints(name: string, subsets: EndpointSubset[], namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace }, subsets } as KubeObject;
}

function node(name: string, status: { internalIP?: string; externalIP?: string; relayPort?: number } = {}): KubeObject {
  const addresses = [
    { type: 'Hostname', address: name },
    ...(status.externalIP ? [{ type: 'ExternalIP', address: status.externalIP }] : []),
    ...(status.internalIP ? [{ type: 'InternalIP', address: status.internalIP }] : []),
  ];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}` },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses,
      ...(status.relayPort !== undefined ? { daemonEndpoints: { kubeletEndpoint: { Port: status.relayPort } } } : {}),
    },
  };
}

const address = (ip: string, nodeName?: string) => ({ ip, ...(nodeName !== undefined ? { nodeName } : {}) });

t.test('only Ready addresses are listed, at the Endpoints port of the same name', async (t) => {
  const web = service('web', {
    ports: [
      { name: 'http', port: 80, targetPort: 'web' },
      { name: 'metrics', port: 9100, targetPort: 9100 },
      { name: 'admin', port: 81, targetPort: 81 },
    ],
  });
  const ep = endpoints('web', [
    {
      addresses: [address('172.17.0.2', 'pi-1')],
      notReadyAddresses: [address('172.17.0.3', 'pi-1')],
      ports: [
        { name: 'metrics', port: 9101 },
        { name: 'http', port: 8080 },
        { name: 'other', port: 7000 },
      ],
    },
  ]);
  const view = buildServicesView([web], [ep], [], CIDR);
  t.equal(view.serviceCidr, CIDR);
  t.strictSame(view.services[0]!.ports, [
    { name: 'http', port: 80, endpoints: [{ ip: '172.17.0.2', port: 8080, node: 'pi-1' }] },
    { name: 'metrics', port: 9100, endpoints: [{ ip: '172.17.0.2', port: 9101, node: 'pi-1' }] },
    { name: 'admin', port: 81, endpoints: [] },
  ], 'each port gets its own targetPort; a name the Endpoints lacks gets no endpoint, the not-ready address none');
});

t.test('an unnamed single port pairs with the unnamed Endpoints port, across subsets', async (t) => {
  const ep = endpoints('web', [
    { addresses: [address('172.17.0.4', 'pi-2')], ports: [{ port: 8080 }] },
    { addresses: [address('172.17.0.2', 'pi-1')], ports: [{ port: 8081 }] },
    { addresses: [address('172.17.0.9', 'pi-1')], ports: [{ name: 'named', port: 9999 }] },
  ]);
  const view = buildServicesView([service('web')], [ep], [], CIDR);
  t.strictSame(view.services[0]!.ports, [
    {
      name: '',
      port: 80,
      endpoints: [
        { ip: '172.17.0.2', port: 8081, node: 'pi-1' },
        { ip: '172.17.0.4', port: 8080, node: 'pi-2' },
      ],
    },
  ]);
});

t.test("an address without nodeName (a hand-written Endpoints) gets node '' and no relay", async (t) => {
  const ep = endpoints('db', [{ addresses: [address('192.168.1.50')], ports: [{ port: 5432 }] }]);
  const view = buildServicesView([service('db')], [ep], [node('pi-1', { internalIP: '192.168.1.10', relayPort: 10250 })], CIDR);
  t.strictSame(view.services[0]!.ports[0]!.endpoints, [{ ip: '192.168.1.50', port: 5432, node: '' }]);
  t.strictSame(view.relays, {}, 'no node holds an endpoint, so no relay is listed');
});

t.test('a Service without an Endpoints lists its ports with no endpoint; only its own namespace counts', async (t) => {
  const elsewhere = endpoints('web', [{ addresses: [address('172.17.0.2', 'pi-1')], ports: [{ port: 8080 }] }], 'other');
  const view = buildServicesView([service('web')], [elsewhere], [], CIDR);
  t.strictSame(view.services[0]!.ports, [{ name: '', port: 80, endpoints: [] }]);
});

t.test('services are sorted by namespace and name, endpoints by node, ip and port (numerically)', async (t) => {
  const services = [service('zeta'), service('alpha', {}, 'kube-system'), service('alpha')];
  const eps = [
    endpoints('zeta', [
      { addresses: [address('172.17.0.2', 'pi-2'), address('172.17.0.9', 'pi-1')], ports: [{ port: 10000 }] },
      { addresses: [address('172.17.0.9', 'pi-1')], ports: [{ port: 9000 }] },
      { addresses: [address('172.17.0.1', 'pi-2')], ports: [{ port: 9000 }] },
    ]),
  ];
  const view = buildServicesView(services, eps, [], CIDR);
  t.strictSame(view.services.map((s) => `${s.namespace}/${s.name}`), ['default/alpha', 'default/zeta', 'kube-system/alpha']);
  t.strictSame(view.services[1]!.ports[0]!.endpoints, [
    { ip: '172.17.0.9', port: 9000, node: 'pi-1' },
    { ip: '172.17.0.9', port: 10000, node: 'pi-1' },
    { ip: '172.17.0.1', port: 9000, node: 'pi-2' },
    { ip: '172.17.0.2', port: 10000, node: 'pi-2' },
  ]);
  const nodes = [node('pi-2', { internalIP: '10.0.0.2', relayPort: 10250 }), node('pi-1', { internalIP: '10.0.0.1', relayPort: 10250 })];
  const once = JSON.stringify(buildServicesView(services, eps, nodes, CIDR));
  const shuffled = JSON.stringify(buildServicesView([...services].reverse(), [...eps].reverse(), [...nodes].reverse(), CIDR));
  t.equal(shuffled, once, 'the same fleet in another order gives the same bytes');
  t.strictSame(Object.keys(JSON.parse(once).relays), ['pi-1', 'pi-2'], 'relays in node order');
});

t.test('a headless Service has no clusterIP; a Service being deleted is left out', async (t) => {
  const deleting = { ...service('going'), metadata: { ...service('going').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
  const view = buildServicesView([service('headless', { clusterIP: 'None' }), service('unallocated', { clusterIP: undefined }), deleting], [], [], CIDR);
  t.strictSame(view.services.map((s) => s.name), ['headless', 'unallocated']);
  for (const s of view.services) t.notOk('clusterIP' in s, `${s.name}: no clusterIP key`);
  t.equal(buildServicesView([service('web')], [], [], CIDR).services[0]!.clusterIP, '10.43.0.10', 'an allocated one is kept');
});

t.test('nodePort only for a NodePort Service', async (t) => {
  const ports = [{ port: 80, targetPort: 8080, nodePort: 30080 }];
  const view = buildServicesView([service('a', { type: 'NodePort', ports }), service('b', { type: 'ClusterIP', ports })], [], [], CIDR);
  t.equal(view.services[0]!.type, 'NodePort');
  t.equal(view.services[0]!.ports[0]!.nodePort, 30080);
  t.equal(view.services[1]!.type, 'ClusterIP');
  t.notOk('nodePort' in view.services[1]!.ports[0]!, 'a ClusterIP Service carries no nodePort');
  t.equal(buildServicesView([service('c', {})], [], [], CIDR).services[0]!.type, 'ClusterIP', 'no type is ClusterIP');
});

t.test('sessionAffinity ClientIP carries its timeout, or the default one', async (t) => {
  const view = buildServicesView(
    [
      service('a', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
      service('b', { sessionAffinity: 'ClientIP' }),
      service('c', { sessionAffinity: 'None' }),
      service('d'),
    ],
    [],
    [],
    CIDR,
  );
  t.strictSame(
    view.services.map((s) => s.affinityTimeoutSeconds),
    [60, DEFAULTS.services.clientIpAffinityTimeoutSeconds, undefined, undefined],
  );
  t.notOk('affinityTimeoutSeconds' in view.services[2]!, 'no key at all without affinity');
});

t.test('relays: only for nodes holding an endpoint that report InternalIP and the relay port', async (t) => {
  const ep = endpoints('web', [
    {
      addresses: [address('172.17.0.2', 'holder'), address('172.17.0.3', 'no-ip'), address('172.17.0.4', 'no-port'), address('172.17.0.5', 'external-only'), address('172.17.0.6', 'gone')],
      notReadyAddresses: [address('172.17.0.7', 'not-ready-only')],
      ports: [{ port: 8080 }],
    },
  ]);
  const nodes = [
    node('holder', { internalIP: '10.0.0.1', externalIP: '203.0.113.1', relayPort: 10250 }),
    node('no-ip', { relayPort: 10250 }),
    node('no-port', { internalIP: '10.0.0.3' }),
    node('external-only', { externalIP: '203.0.113.5', relayPort: 10250 }),
    node('idle', { internalIP: '10.0.0.8', relayPort: 10250 }),
    node('not-ready-only', { internalIP: '10.0.0.9', relayPort: 10250 }),
  ];
  const view = buildServicesView([service('web')], [ep], nodes, CIDR);
  t.strictSame(view.relays, { holder: { host: '10.0.0.1', port: 10250 } });
});

t.test('relayAddressOf reads InternalIP and daemonEndpoints.kubeletEndpoint.Port', async (t) => {
  t.strictSame(relayAddressOf(node('a', { internalIP: '10.0.0.1', externalIP: '203.0.113.1', relayPort: 4000 })), { host: '10.0.0.1', port: 4000 });
  t.equal(relayAddressOf(node('a', { internalIP: '10.0.0.1' })), undefined, 'no port');
  t.equal(relayAddressOf(node('a', { relayPort: 4000 })), undefined, 'no InternalIP');
  t.equal(relayAddressOf(node('a', { internalIP: '10.0.0.1', relayPort: 0 })), undefined, 'port 0 is not a relay');
  t.equal(relayAddressOf({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'bare' } }), undefined, 'no status yet');
});
