/** Service and Endpoints rows as kubectl 1.32 prints them (printService, printEndpoints). */
import t from 'tap';
import { printTable, printerFor } from '../../../hub/printers/registry.js';
import { endpointsCells, endpointsColumns, endpointsText, serviceCells, serviceColumns, servicePortsText } from '../../../hub/printers/service.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { Endpoints, Service } from '../../../shared/api/schema/service.js';
import { NOW, ago } from './fixtures/objects.js';

const service = (spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', creationTimestamp: ago(125) }, spec });

t.test('service columns: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, wide SELECTOR', async (t) => {
  t.same(
    serviceColumns.map((c) => [c.name.toUpperCase(), c.priority]),
    [
      ['NAME', 0],
      ['TYPE', 0],
      ['CLUSTER-IP', 0],
      ['EXTERNAL-IP', 0],
      ['PORT(S)', 0],
      ['AGE', 0],
      ['SELECTOR', 1],
    ],
  );
  t.equal(printerFor(resolveResource('svc')!).columns, serviceColumns);
});

t.test('a NodePort Service prints port:nodePort/protocol per port', async (t) => {
  const s = service({
    type: 'NodePort',
    clusterIP: '10.43.12.7',
    clusterIPs: ['10.43.12.7'],
    selector: { tier: 'front', app: 'web' },
    ports: [
      { name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' },
      { name: 'https', port: 443, nodePort: 30443, protocol: 'TCP' },
    ],
  });
  t.same(serviceCells(s, NOW), ['web', 'NodePort', '10.43.12.7', '<none>', '80:30080/TCP,443:30443/TCP', '2m5s', 'app=web,tier=front']);
});

t.test('a ClusterIP Service, a headless one, and one without ports or selector', async (t) => {
  t.same(serviceCells(service({ type: 'ClusterIP', clusterIP: '10.43.0.9', clusterIPs: ['10.43.0.9'], ports: [{ port: 53, protocol: 'TCP' }] }), NOW).slice(1, 5), ['ClusterIP', '10.43.0.9', '<none>', '53/TCP']);
  t.same(serviceCells(service({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' } }), NOW).slice(1, 7), ['ClusterIP', 'None', '<none>', '<none>', '2m5s', 'app=db']);
  t.equal(servicePortsText([]), '<none>');
  t.equal(serviceCells(service({ ports: [{ port: 80 }] }), NOW)[6], '<none>', 'no selector');
});

const address = (ip: string) => ({ ip });

t.test('endpoints columns: NAME ENDPOINTS AGE', async (t) => {
  t.same(endpointsColumns.map((c) => c.name.toUpperCase()), ['NAME', 'ENDPOINTS', 'AGE']);
  t.equal(printerFor(resolveResource('ep')!).columns, endpointsColumns);
});

t.test('ENDPOINTS lists ip:port, three at most, then "+ N more..."', async (t) => {
  t.equal(endpointsText(undefined), '<none>');
  t.equal(endpointsText([]), '<none>');
  t.equal(endpointsText([{ addresses: [address('10.0.0.1'), address('10.0.0.2')], ports: [{ port: 80 }] }]), '10.0.0.1:80,10.0.0.2:80');
  t.equal(endpointsText([{ addresses: [address('10.0.0.1'), address('10.0.0.2'), address('10.0.0.3'), address('10.0.0.4')], ports: [{ port: 80 }] }]), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...');
  t.equal(
    endpointsText([{ addresses: [address('10.0.0.1'), address('10.0.0.2')], ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }]),
    '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...',
    'every port of every address counts',
  );
  t.equal(endpointsText([{ notReadyAddresses: [address('10.0.0.1')], ports: [{ port: 80 }] }]), '', 'not-ready addresses are not shown (kubectl prints an empty cell)');
  t.equal(endpointsText([{ addresses: [address('10.0.0.1')] }]), '10.0.0.1', 'a headless Service without ports: bare IPs');
});

t.test('endpoints cells and the Table', async (t) => {
  const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', creationTimestamp: ago(30) }, subsets: [{ addresses: [address('10.0.0.1')], ports: [{ port: 80 }] }] };
  t.same(endpointsCells(ep, NOW), ['web', '10.0.0.1:80', '30s']);
  const table = printTable(resolveResource('endpoints')!, [ep], NOW);
  t.same(table.rows[0]?.cells, ['web', '10.0.0.1:80', '30s']);
});
