/**
 * `describe ingress`: the exact text of kubectl 1.32's describeIngressV1
 * (k8s.io/kubectl/pkg/describe/describe.go, release-1.32), given what describeBackendV1 looked up
 * for each backend Service (its Endpoints, then the Service, to learn the port's name).
 *
 * How the expectations are derived, with Go's tabwriter (padding 2) aligning a column only over
 * consecutive lines that have a cell in it:
 * - Name..Default backend form one block, as wide as "Default backend:" (16) plus two.
 * - "TLS:", its entries and "Rules:" have no tab and end that block. The Rules table then shares
 *   its first column with "Annotations:" and "Events:" below it (they follow without a break), so
 *   that column is as wide as its widest cell among all of them.
 * - A host line is "  HOST\t": its second cell is trailing text, so it breaks the Path column
 *   (each host's paths align on their own) and keeps trailing spaces. A path is written as
 *   "\tPATH \tBACKEND" (kubectl's trailing space after the path), so "/api " is 5 wide, padded to 7.
 */
import t from 'tap';
import type { Endpoints, Service } from '../../../shared/api/schema/service.js';
import type { Ingress } from '../../../shared/api/schema/ingress.js';
import { describeIngress, ingressAddress, ingressBackendServices, type BackendTarget } from '../../../hub/cli/describe/ingress.js';
import type { DescribeClock } from '../../../hub/cli/describe/time-format.js';
import { DESCRIBE_NOW } from './fixtures/describe-objects.js';

const clock: DescribeClock = { now: DESCRIBE_NOW, utcOffsetMinutes: 0 };
const text = (lines: string[]): string => `${lines.join('\n')}\n`;

function service(name: string, ports: NonNullable<Service['spec']['ports']>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'ClusterIP', ports, clusterIP: '10.43.0.40' } };
}

function endpoints(name: string, subsets: NonNullable<Endpoints['subsets']>): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'default' }, subsets };
}

/** web: one unnamed port 80 -> 8080. api: named ports, the backend picks "http". ghost: no Endpoints. */
const targets = new Map<string, BackendTarget>([
  ['web', { service: service('web', [{ port: 80, protocol: 'TCP', targetPort: 8080 }]), endpoints: endpoints('web', [{ addresses: [{ ip: '10.42.0.5' }, { ip: '10.42.1.7' }], ports: [{ port: 8080 }] }]) }],
  [
    'api',
    {
      service: service('api', [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
        { name: 'grpc', port: 9090, protocol: 'TCP', targetPort: 9090 },
      ]),
      endpoints: endpoints('api', [
        {
          addresses: [{ ip: '10.42.0.10' }],
          ports: [
            { name: 'http', port: 8080 },
            { name: 'grpc', port: 9090 },
          ],
        },
      ]),
    },
  ],
  ['ghost', { error: 'endpoints "ghost" not found' }],
]);

const site: Ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'site', namespace: 'default', uid: 'uid-ing-site', labels: { app: 'web' }, annotations: { 'skiff.dev/owner': 'ops' } },
  spec: {
    ingressClassName: 'skiff',
    tls: [{ hosts: ['foo.example.com', 'www.example.com'], secretName: 'web-tls' }, { hosts: ['passthrough.example.com'] }],
    rules: [
      {
        host: 'foo.example.com',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } },
          ],
        },
      },
      { host: 'no-http.example.com' },
      { http: { paths: [{ path: '/old', pathType: 'Exact', backend: { service: { name: 'ghost', port: { number: 80 } } } }] } },
    ],
  },
  // ingressLoadBalancerStatusStringerV1: the IP else the hostname, as a sorted set.
  status: { loadBalancer: { ingress: [{ ip: '192.168.1.21' }, { hostname: 'edge.example.net' }, { ip: '192.168.1.20' }, { ip: '192.168.1.21', hostname: 'pi-2.local' }] } },
};

t.test('an Ingress with TLS and rules: each backend with its Service\'s endpoints, or why they are missing', async (t) => {
  t.equal(
    describeIngress(site, targets, [], clock),
    text([
      'Name:             site',
      'Labels:           app=web',
      'Namespace:        default',
      'Address:          192.168.1.20,192.168.1.21,edge.example.net',
      'Ingress Class:    skiff',
      'Default backend:  <default>',
      'TLS:',
      '  web-tls terminates foo.example.com,www.example.com',
      '  SNI routes passthrough.example.com',
      'Rules:',
      '  Host             Path  Backends',
      '  ----             ----  --------',
      '  foo.example.com  ',
      '                   /      web:80 (10.42.0.5:8080,10.42.1.7:8080)',
      '                   /api   api:http (10.42.0.10:8080)',
      // The rule without http is skipped; a rule without a host is "*".
      '  *                ',
      '                   /old   ghost:80 (<error: endpoints "ghost" not found>)',
      'Annotations:       skiff.dev/owner: ops',
      'Events:            <none>',
    ]),
  );
});

t.test('an Ingress with only a default backend: that backend described, and one "* *" rule row for it', async (t) => {
  const fallback: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'fallback', namespace: 'default' },
    spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
  };
  t.equal(
    describeIngress(fallback, targets, [], clock),
    text([
      'Name:             fallback',
      'Labels:           <none>',
      'Namespace:        default',
      // No load balancer status yet: an empty cell, padded like any other.
      'Address:          ',
      'Ingress Class:    <none>',
      'Default backend:  web:80 (10.42.0.5:8080,10.42.1.7:8080)',
      'Rules:',
      '  Host        Path  Backends',
      '  ----        ----  --------',
      '  *           *     web:80 (10.42.0.5:8080,10.42.1.7:8080)',
      'Annotations:  <none>',
      'Events:       <none>',
    ]),
  );
  t.notMatch(describeIngress(fallback, targets, undefined, clock), /Events/, 'events that could not be searched print no Events line');
});

t.test('a backend port the Service does not have selects the unnamed endpoint port, as kubectl\'s empty port name does', async (t) => {
  const odd: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'odd', namespace: 'default' },
    spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8443 } } } }] } }] },
  };
  // api's endpoint ports are all named, so nothing matches "": kubectl prints the empty list.
  t.match(describeIngress(odd, targets, [], clock), /\n {14}\/ {3}api:8443 \(\)\n/);
});

t.test('the Services to look up, each once, and the address of an Ingress without status', async (t) => {
  t.same(ingressBackendServices(site), ['web', 'api', 'ghost']);
  t.same(ingressBackendServices({ ...site, spec: { defaultBackend: { service: { name: 'ghost', port: { number: 80 } } }, rules: site.spec.rules } }), ['ghost', 'web', 'api']);
  t.equal(ingressAddress(undefined), '');
  t.throws(() => describeIngress(site, new Map(), [], clock), { code: 'SKIFF_ERR_INTERNAL' }, 'a backend the caller did not look up is a bug, not output');
});
