/**
 * `describe service`: the exact text of kubectl 1.32's describeService for Skiff's Service fields,
 * with the Endpoints column of kubectl's formatEndpoints (k8s.io/kubectl/pkg/describe/describe.go,
 * release-1.32, where describe still read the Endpoints object rather than EndpointSlices).
 *
 * How the expectations are derived: every line is `Title:\tvalue` through Go's tabwriter
 * (padding 2), so the titles column is as wide as the longest title plus two; "Internal Traffic
 * Policy:" (24 characters) makes it 26. `Port:\tNAME\tPORT/PROTO` has a second cell that aligns
 * only with itself (the next line has one cell), hence "http  80/TCP" with two spaces.
 */
import t from 'tap';
import type { Event } from '../../../shared/api/schema/event.js';
import type { Endpoints, Service } from '../../../shared/api/schema/service.js';
import { describeService, formatEndpoints } from '../../../hub/cli/describe/service.js';
import type { DescribeClock } from '../../../hub/cli/describe/time-format.js';
import { DESCRIBE_NOW } from './fixtures/describe-objects.js';

const clock: DescribeClock = { now: DESCRIBE_NOW, utcOffsetMinutes: 0 };
const text = (lines: string[]): string => `${lines.join('\n')}\n`;

/** A Service as the hub stores it after SetDefaults_Service and the clusterIP allocation. */
const web: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', uid: 'uid-svc-web', labels: { app: 'web' }, annotations: { 'skiff.dev/owner': 'ops' } },
  spec: {
    type: 'ClusterIP',
    selector: { app: 'web' },
    ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }],
    clusterIP: '10.43.0.10',
    clusterIPs: ['10.43.0.10'],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
  },
};

const webEndpoints: Endpoints = {
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'web', namespace: 'default' },
  subsets: [{ addresses: [{ ip: '10.42.0.5' }, { ip: '10.42.1.7' }], notReadyAddresses: [{ ip: '10.42.2.9' }], ports: [{ port: 8080, protocol: 'TCP' }] }],
};

const gateway: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'gateway', namespace: 'edge', uid: 'uid-svc-gateway' },
  spec: {
    type: 'NodePort',
    selector: { tier: 'front', app: 'gateway' },
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'web', nodePort: 30080 },
      { name: 'metrics', port: 9100, protocol: 'TCP', targetPort: 9100, nodePort: 30910 },
    ],
    clusterIP: '10.43.0.20',
    clusterIPs: ['10.43.0.20'],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
    externalTrafficPolicy: 'Local',
    internalTrafficPolicy: 'Cluster',
  },
};

/** Five ready addresses serve http (three in one subset, two in another); two of them serve metrics. */
const gatewayEndpoints: Endpoints = {
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'gateway', namespace: 'edge' },
  subsets: [
    { addresses: [{ ip: '10.42.0.1' }, { ip: '10.42.0.2' }, { ip: '10.42.0.3' }], notReadyAddresses: [{ ip: '10.42.0.9' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    {
      addresses: [{ ip: '10.42.0.4' }, { ip: '10.42.0.5' }],
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'metrics', port: 9100, protocol: 'TCP' },
      ],
    },
  ],
};

t.test('a ClusterIP Service: its spec, then the ready endpoints of its one unnamed port', async (t) => {
  t.equal(
    describeService(web, webEndpoints, [], clock),
    text([
      'Name:                     web',
      'Namespace:                default',
      'Labels:                   app=web',
      'Annotations:              skiff.dev/owner: ops',
      'Selector:                 app=web',
      'Type:                     ClusterIP',
      'IP Family Policy:         SingleStack',
      'IP Families:              IPv4',
      'IP:                       10.43.0.10',
      'IPs:                      10.43.0.10',
      'Port:                     <unset>  80/TCP',
      'TargetPort:               8080/TCP',
      'Endpoints:                10.42.0.5:8080,10.42.1.7:8080',
      'Session Affinity:         None',
      'Internal Traffic Policy:  Cluster',
      'Events:                   <none>',
    ]),
  );
});

t.test('a NodePort Service: each named port with its node port and its own endpoints, capped at three', async (t) => {
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'gateway.1', namespace: 'edge' },
    involvedObject: { kind: 'Service', namespace: 'edge', name: 'gateway', uid: 'uid-svc-gateway' },
    reason: 'Updated',
    message: 'ports changed',
    type: 'Normal',
    source: { component: 'skiff-hub' },
    firstTimestamp: '2025-03-14T09:21:53Z',
    lastTimestamp: '2025-03-14T09:21:53Z',
    count: 1,
  } as unknown as Event;
  t.equal(
    describeService(gateway, gatewayEndpoints, [event], clock),
    text([
      'Name:                     gateway',
      'Namespace:                edge',
      'Labels:                   <none>',
      'Annotations:              <none>',
      // labels.FormatLabels sorts by key.
      'Selector:                 app=gateway,tier=front',
      'Type:                     NodePort',
      'IP Family Policy:         SingleStack',
      'IP Families:              IPv4',
      'IP:                       10.43.0.20',
      'IPs:                      10.43.0.20',
      'Port:                     http  80/TCP',
      'TargetPort:               web/TCP',
      'NodePort:                 http  30080/TCP',
      // formatEndpoints lists three and counts the rest, across subsets; not-ready addresses are left out.
      'Endpoints:                10.42.0.1:8080,10.42.0.2:8080,10.42.0.3:8080 + 2 more...',
      'Port:                     metrics  9100/TCP',
      'TargetPort:               9100/TCP',
      'NodePort:                 metrics  30910/TCP',
      'Endpoints:                10.42.0.4:9100,10.42.0.5:9100',
      'Session Affinity:         ClientIP',
      'External Traffic Policy:  Local',
      'Internal Traffic Policy:  Cluster',
      // DescribeEvents flushes first: the table aligns on its own.
      'Events:',
      '  Type    Reason   Age   From       Message',
      '  ----    ------   ----  ----       -------',
      '  Normal  Updated  5m    skiff-hub  ports changed',
    ]),
  );
});

t.test('no Endpoints object reads <none>; Endpoints whose addresses are all not ready read empty, as in kubectl', async (t) => {
  const bare: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'bare', namespace: 'default' },
    spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], clusterIP: '10.43.0.30', sessionAffinity: 'None' },
  };
  // No ipFamilyPolicy and no internalTrafficPolicy: their lines are left out (kubectl's nil checks);
  // no ipFamilies and no clusterIPs: <none>. The longest title is now "Session Affinity:" (17).
  const head = [
    'Name:              bare',
    'Namespace:         default',
    'Labels:            <none>',
    'Annotations:       <none>',
    'Selector:          <none>',
    'Type:              ClusterIP',
    'IP Families:       <none>',
    'IP:                10.43.0.30',
    'IPs:               <none>',
    'Port:              <unset>  80/TCP',
    'TargetPort:        80/TCP',
  ];
  const tail = ['Session Affinity:  None', 'Events:            <none>'];
  t.equal(describeService(bare, undefined, [], clock), text([...head, 'Endpoints:         <none>', ...tail]));
  const notReady: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'bare', namespace: 'default' }, subsets: [{ notReadyAddresses: [{ ip: '10.42.0.8' }], ports: [{ port: 80 }] }] };
  // formatEndpoints returns "" here (its "<none>" is only for no subsets); the tab cell is still padded.
  t.equal(describeService(bare, notReady, [], clock), text([...head, 'Endpoints:         ', ...tail]));
  t.notMatch(describeService(bare, webEndpoints, undefined, clock), /Events/, 'events that could not be searched print no Events line');
});

t.test('formatEndpoints: a headless subset without ports lists bare IPs whatever the port name; IPv6 is bracketed', async (t) => {
  const headless: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db' }, subsets: [{ addresses: [{ ip: '10.42.2.3' }, { ip: '10.42.2.4' }] }] };
  t.equal(formatEndpoints(headless, 'postgres'), '10.42.2.3,10.42.2.4');
  t.equal(formatEndpoints(webEndpoints, 'http'), '', 'an unnamed endpoint port does not serve a named Service port');
  const v6 = { ...webEndpoints, subsets: [{ addresses: [{ ip: 'fd00::5' }], ports: [{ port: 8080 }] }] } as Endpoints;
  t.equal(formatEndpoints(v6, ''), '[fd00::5]:8080');
  t.equal(formatEndpoints({ ...webEndpoints, subsets: [] }, ''), '<none>');
});
