/** Ingress rows as kubectl prints them (printIngress, formatHosts, formatPorts, ingressLoadBalancerStatusStringer). */
import t from 'tap';
import { ingressAddressText, ingressCells, ingressColumns, ingressHostsText, ingressPortsText } from '../../../hub/printers/ingress.js';
import { printTable, printerFor } from '../../../hub/printers/registry.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { Ingress, IngressRule } from '../../../shared/api/schema/ingress.js';
import { NOW, ago } from '../printers/fixtures/objects.js';

const rule = (host?: string): IngressRule => ({ ...(host === undefined ? {} : { host }), http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } });

const ingress = (spec: Ingress['spec'], status?: Ingress['status']): Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(125) },
  spec,
  ...(status ? { status } : {}),
});

t.test('ingress columns: NAME CLASS HOSTS ADDRESS PORTS AGE, served for `get ing`', async (t) => {
  t.same(ingressColumns.map((c) => [c.name.toUpperCase(), c.priority]), [
    ['NAME', 0],
    ['CLASS', 0],
    ['HOSTS', 0],
    ['ADDRESS', 0],
    ['PORTS', 0],
    ['AGE', 0],
  ]);
  t.equal(ingressColumns[0]?.format, 'name');
  t.equal(printerFor(resolveResource('ing')!).columns, ingressColumns);
});

t.test('a two-host Ingress with TLS and an address', async (t) => {
  const ing = ingress(
    { ingressClassName: 'skiff', rules: [rule('shop.example.com'), rule('blog.example.com')], tls: [{ hosts: ['shop.example.com'], secretName: 'tls' }] },
    { loadBalancer: { ingress: [{ ip: '192.168.1.20' }, { ip: '192.168.1.10' }] } },
  );
  t.same(ingressCells(ing, NOW), ['web', 'skiff', 'shop.example.com,blog.example.com', '192.168.1.10,192.168.1.20', '80, 443', '2m5s']);
  t.same(printTable(resolveResource('ingresses')!, [ing as never], NOW).rows[0]?.cells, ingressCells(ing, NOW));
});

t.test('CLASS is <none> when unset; ADDRESS empty without status; PORTS 80 without tls', async (t) => {
  t.same(ingressCells(ingress({ defaultBackend: { service: { name: 'web', port: { number: 80 } } } }), NOW), ['web', '<none>', '*', '', '80', '2m5s']);
  t.equal(ingressPortsText([]), '80');
  t.equal(ingressPortsText([{ secretName: 'x' }]), '80, 443');
});

t.test('HOSTS: three at most, then "+ N more..." counting rules; "*" only when no rule has a host', async (t) => {
  t.equal(ingressHostsText(undefined), '*');
  t.equal(ingressHostsText([rule()]), '*');
  t.equal(ingressHostsText([rule(), rule('a.example')]), 'a.example', 'a host-less rule beside named ones is not shown');
  t.equal(ingressHostsText([rule('a'), rule('b'), rule('c')]), 'a,b,c');
  t.equal(ingressHostsText([rule('a'), rule('b'), rule('c'), rule('d')]), 'a,b,c + 1 more...');
  t.equal(ingressHostsText([rule('a'), rule('b'), rule('c'), rule('d'), rule('e')]), 'a,b,c + 2 more...');
  t.equal(ingressHostsText([rule(), rule('a'), rule('b'), rule('c')]), 'a,b,c', 'kubectl: no "more" until a fourth rule comes after three hosts');
  t.equal(ingressHostsText([rule(), rule('a'), rule('b'), rule('c'), rule()]), 'a,b,c + 2 more...', 'kubectl counts every rule past the third');
});

t.test('ADDRESS: each entry by IP, else hostname, sorted, unique, never clipped (server-side Tables are wide)', async (t) => {
  t.equal(ingressAddressText(undefined), '');
  t.equal(ingressAddressText({ loadBalancer: {} }), '');
  t.equal(ingressAddressText({ loadBalancer: { ingress: [{ hostname: 'edge.example' }, { ip: '10.0.0.2', hostname: 'ignored.example' }, { ip: '10.0.0.2' }, {}] } }), '10.0.0.2,edge.example');
  const many = { loadBalancer: { ingress: [{ ip: '192.168.100.101' }, { ip: '192.168.100.102' }] } };
  t.equal(ingressAddressText(many), '192.168.100.101,192.168.100.102');
});
