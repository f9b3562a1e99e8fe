/**
 * endpointsFor, the endpoints controller's pure planner, against Kubernetes' behaviour
 * (syncService + RepackSubsets): which Pods are endpoints, ready or not, how named target ports
 * resolve per Pod, how subsets group, and that the result does not depend on Pod order.
 */
import t from 'tap';
import { endpointsFor, findPort, hasSelector } from '../../../hub/controllers/endpoints-plan.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { ServiceSpec } from '../../../shared/api/schema/service.js';
import { pod as basePod, type PodOptions } from './fixtures.js';
import { seededRandom, shuffled } from '../../helpers/seeded-random.js';

function service(spec: Partial<ServiceSpec> = {}, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec },
  };
}

type ContainerPorts = Array<{ name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' }>;

function pod(name: string, ip: string | undefined, o: PodOptions & { ports?: ContainerPorts } = {}): KubeObject {
  const p = basePod(name, { labels: { app: 'web' }, phase: 'Running', ready: true, nodeName: 'n1', ...o });
  (p.spec as { containers: Array<{ ports?: ContainerPorts }> }).containers[0]!.ports = o.ports;
  if (ip) (p.status as { podIP?: string }).podIP = ip;
  return p;
}

const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` });
const address = (ip: string, name: string, nodeName = 'n1') => ({ ip, nodeName, targetRef: ref(name) });

t.test('Ready Pods are addresses, the others notReadyAddresses, sorted by IP', async (t) => {
  const pods = [pod('c', '10.0.0.10'), pod('a', '10.0.0.9', { ready: false }), pod('b', '10.0.0.2', { nodeName: 'n2' })];
  t.same(endpointsFor(service(), pods), [
    {
      addresses: [address('10.0.0.2', 'b', 'n2'), address('10.0.0.10', 'c')],
      notReadyAddresses: [address('10.0.0.9', 'a')],
      ports: [{ port: 8080, protocol: 'TCP' }],
    },
  ]);
});

t.test('publishNotReadyAddresses lists every Pod as ready', async (t) => {
  const [subset] = endpointsFor(service({ publishNotReadyAddresses: true }), [pod('a', '10.0.0.1', { ready: false })]);
  t.same(subset?.addresses, [address('10.0.0.1', 'a')]);
  t.equal(subset?.notReadyAddresses, undefined);
});

t.test('left out: other labels, other namespaces, no podIP, terminal and terminating Pods', async (t) => {
  const pods = [
    pod('other-app', '10.0.0.1', { labels: { app: 'db' } }),
    pod('other-ns', '10.0.0.2', { namespace: 'prod' }),
    pod('no-ip', undefined),
    pod('done', '10.0.0.3', { phase: 'Succeeded', ready: false }),
    pod('failed', '10.0.0.4', { phase: 'Failed', ready: false }),
    pod('leaving', '10.0.0.5', { deletionTimestamp: '2026-01-01T00:00:00Z' }),
    pod('kept', '10.0.0.6'),
  ];
  t.same(endpointsFor(service(), pods), [{ addresses: [address('10.0.0.6', 'kept')], ports: [{ port: 8080, protocol: 'TCP' }] }]);
});

t.test('a Service without selector manages no Endpoints; one selecting nothing has no subsets', async (t) => {
  t.notOk(hasSelector(service({ selector: undefined })));
  t.notOk(hasSelector(service({ selector: {} })), 'an empty selector is no selector');
  t.same(endpointsFor(service({ selector: undefined }), [pod('a', '10.0.0.1')]), []);
  t.same(endpointsFor(service({ selector: { app: 'nothing' } }), [pod('a', '10.0.0.1')]), []);
});

t.test('named target ports resolve per Pod; a Pod without the name is left out for that port', async (t) => {
  const spec: Partial<ServiceSpec> = {
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
      { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 'metrics' },
    ],
  };
  const pods = [
    pod('both', '10.0.0.1', { ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9100 }] }),
    pod('http-only', '10.0.0.2', { ports: [{ name: 'http', containerPort: 8081 }] }),
    pod('udp-http', '10.0.0.3', { ports: [{ name: 'http', containerPort: 8080, protocol: 'UDP' }] }),
    pod('unnamed', '10.0.0.4', { ports: [{ containerPort: 8080 }] }),
  ];
  t.equal(findPort(pods[0]!, spec.ports![0]!), 8080);
  t.equal(findPort(pods[2]!, spec.ports![0]!), undefined, 'the protocol must match too');
  // Subsets in the order of their port lists ("http/8080..." before "http/8081...").
  t.same(endpointsFor(service(spec), pods), [
    {
      addresses: [address('10.0.0.1', 'both')],
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'metrics', port: 9100, protocol: 'TCP' },
      ],
    },
    { addresses: [address('10.0.0.2', 'http-only')], ports: [{ name: 'http', port: 8081, protocol: 'TCP' }] },
  ]);
});

t.test('Pods with the same resolved ports share a subset', async (t) => {
  const spec: Partial<ServiceSpec> = { ports: [{ port: 80, protocol: 'TCP', targetPort: 'http' }] };
  const pods = [
    pod('a', '10.0.0.1', { ports: [{ name: 'http', containerPort: 80 }] }),
    pod('b', '10.0.0.2', { ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('c', '10.0.0.3', { ports: [{ name: 'http', containerPort: 80 }], ready: false }),
  ];
  t.same(endpointsFor(service(spec), pods), [
    { addresses: [address('10.0.0.1', 'a')], notReadyAddresses: [address('10.0.0.3', 'c')], ports: [{ port: 80, protocol: 'TCP' }] },
    { addresses: [address('10.0.0.2', 'b')], ports: [{ port: 8080, protocol: 'TCP' }] },
  ]);
});

t.test('a headless Service without ports lists bare addresses', async (t) => {
  t.same(endpointsFor(service({ clusterIP: 'None', ports: undefined }), [pod('a', '10.0.0.1')]), [{ addresses: [address('10.0.0.1', 'a')] }]);
});

t.test('the result does not depend on the order of the Pods (so an unchanged state writes nothing)', async (t) => {
  const random = seededRandom(42);
  const pods = Array.from({ length: 30 }, (_, i) =>
    pod(`p${i}`, `10.0.${i % 3}.${i}`, { ready: i % 4 !== 0, ports: [{ name: 'http', containerPort: i % 2 === 0 ? 80 : 8080 }] }),
  );
  const spec: Partial<ServiceSpec> = { ports: [{ port: 80, protocol: 'TCP', targetPort: 'http' }] };
  const expected = endpointsFor(service(spec), pods);
  for (let round = 0; round < 20; round++) t.same(endpointsFor(service(spec), shuffled(random, pods)), expected);
});
