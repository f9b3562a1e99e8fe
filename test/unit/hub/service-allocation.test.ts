/**
 * Service clusterIP and nodePort allocation as kube-apiserver's allocators behave, first as the
 * pure function, then inside a real SQLite store's write transaction through the API handlers:
 * concurrent creates never share a value, a full range is an error, a requested value out of
 * range or taken is refused in Kubernetes' words with nothing stored, an update keeps what was
 * allocated, clusterIP is immutable, and deleting a Service frees its values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ResourceHandlers } from '../../../hub/api/resource-handlers.js';
import { allocateService, parseCidr, serviceAdmission, type ServiceRanges } from '../../../hub/objects/service-allocation.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { ServiceSpec } from '../../../shared/api/schema/service.js';
import { isSkiffError, type SkiffError } from '../../../shared/errors.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const services = resolveResource('services')!;
const namespaces = resolveResource('namespaces')!;
const RANGES: ServiceRanges = { clusterIpCidr: '10.43.0.0/16', nodePortMin: 30000, nodePortMax: 32767 };
const SMALL: ServiceRanges = { clusterIpCidr: '10.43.0.0/29', nodePortMin: 30000, nodePortMax: 30002 };

const body = (name: string, spec: Partial<ServiceSpec> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});
const specOf = (o: KubeObject): ServiceSpec => o.spec as ServiceSpec;

function thrown(fn: () => unknown): SkiffError {
  try {
    fn();
  } catch (err) {
    if (isSkiffError(err)) return err;
    throw err;
  }
  throw new Error('expected an error');
}

t.test('the pure allocator', async (t) => {
  const random = seededRandom(1);
  await t.test('a new Service gets a clusterIP of the CIDR and a nodePort of the range per port', async (t) => {
    const out = allocateService(body('web', { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443 }] }), undefined, [], RANGES, random);
    const spec = specOf(out);
    t.match(spec.clusterIP, /^10\.43\.\d+\.\d+$/);
    t.not(spec.clusterIP, '10.43.0.1', 'the first address is kept for a `kubernetes` Service');
    t.same(spec.clusterIPs, [spec.clusterIP]);
    for (const p of spec.ports!) t.ok(p.nodePort! >= 30000 && p.nodePort! <= 32767, `nodePort ${p.nodePort} in range`);
    t.not(spec.ports![0]!.nodePort, spec.ports![1]!.nodePort);
  });

  await t.test('a ClusterIP Service gets no nodePort; a headless one no clusterIP', async (t) => {
    t.equal(specOf(allocateService(body('web'), undefined, [], RANGES, random)).ports![0]!.nodePort, undefined);
    const headless = specOf(allocateService(body('db', { clusterIP: 'None' }), undefined, [], RANGES, random));
    t.equal(headless.clusterIP, 'None');
    t.same(headless.clusterIPs, ['None']);
  });

  await t.test('requested values are kept when free and refused, in Kubernetes words, when not', async (t) => {
    const taken = allocateService(body('a', { type: 'NodePort', clusterIP: '10.43.0.10', ports: [{ port: 80, nodePort: 30080 }] }), undefined, [], RANGES, random);
    t.equal(specOf(taken).clusterIP, '10.43.0.10');
    t.equal(specOf(taken).ports![0]!.nodePort, 30080);
    const again = thrown(() => allocateService(body('b', { type: 'NodePort', clusterIP: '10.43.0.10', ports: [{ port: 80, nodePort: 30080 }] }), undefined, [taken], RANGES, random));
    t.equal(again.code, 'SKIFF_ERR_INVALID');
    t.equal(
      again.message,
      'Service "b" is invalid: [spec.clusterIPs: Invalid value: []string{"10.43.0.10"}: failed to allocate IP 10.43.0.10: provided IP is already allocated, spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated]',
    );
    const outside = thrown(() => allocateService(body('c', { type: 'NodePort', clusterIP: '10.0.0.1', ports: [{ port: 80, nodePort: 80 }] }), undefined, [], RANGES, random));
    t.same(outside.details, [
      { path: 'spec.clusterIPs', message: 'Invalid value: []string{"10.0.0.1"}: failed to allocate IP 10.0.0.1: provided IP is not in the valid range. The range of valid IPs is 10.43.0.0/16' },
      { path: 'spec.ports[0].nodePort', message: 'Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767' },
    ]);
  });

  await t.test('an update without clusterIP or nodePort keeps the allocated ones (matched by port name)', async (t) => {
    const stored = allocateService(body('web', { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }), undefined, [], RANGES, random);
    const updated = allocateService(body('web', { type: 'NodePort', ports: [{ name: 'https', port: 8443 }, { name: 'http', port: 80 }] }), stored, [], RANGES, random);
    t.equal(specOf(updated).clusterIP, specOf(stored).clusterIP);
    t.same(specOf(updated).clusterIPs, specOf(stored).clusterIPs);
    t.equal(specOf(updated).ports![0]!.nodePort, specOf(stored).ports![1]!.nodePort, 'https keeps its nodePort');
    t.equal(specOf(updated).ports![1]!.nodePort, specOf(stored).ports![0]!.nodePort, 'http keeps its nodePort');
    t.same(allocateService(structuredClone(stored), stored, [], RANGES, random), stored, 'the same spec again is the same spec');
  });

  await t.test('clusterIP is immutable', async (t) => {
    const stored = allocateService(body('web'), undefined, [], RANGES, random);
    const err = thrown(() => allocateService(body('web', { clusterIP: '10.43.9.9' }), stored, [], RANGES, random));
    t.same(err.details, [{ path: 'spec.clusterIP', message: 'Invalid value: "10.43.9.9": field is immutable' }]);
  });

  await t.test('a full range is an internal error, as Kubernetes reports it', async (t) => {
    // 10.43.0.0/29: .2 to .6 are usable (.0 network, .1 kept, .7 broadcast).
    const others = ['10.43.0.2', '10.43.0.3', '10.43.0.4', '10.43.0.5', '10.43.0.6'].map((ip, i) => allocateService(body(`s${i}`, { clusterIP: ip }), undefined, [], SMALL, random));
    t.equal(thrown(() => allocateService(body('x'), undefined, others, SMALL, random)).message, 'Internal error occurred: failed to allocate a serviceIP: range is full');
    const ports = [30000, 30001, 30002].map((nodePort, i) => body(`p${i}`, { type: 'NodePort', ports: [{ port: 80, nodePort }] }));
    t.equal(thrown(() => allocateService(body('y', { type: 'NodePort' }), undefined, ports, SMALL, random)).message, 'Internal error occurred: failed to allocate a nodePort: range is full');
    t.equal(specOf(allocateService(body('z', { type: 'NodePort' }), undefined, ports.slice(1), SMALL, random)).ports![0]!.nodePort, 30000, 'the one free port');
  });

  t.throws(() => parseCidr('10.43.0.0'), /invalid service CIDR/);
});

interface Hub {
  store: SqliteStore;
  api: ResourceHandlers;
}

async function hub(t: Test, ranges: ServiceRanges = RANGES): Promise<Hub> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-services-'));
  const store = new SqliteStore(join(dir, 'hub.db'), { admission: serviceAdmission(ranges, seededRandom(7)) });
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return { store, api: new ResourceHandlers(store) };
}

const route = { resource: services, namespace: 'default' };

t.test('through the API, inside the store transaction', async (t) => {
  await t.test('concurrent creates never share a clusterIP or nodePort', async (t) => {
    const h = await hub(t);
    const created = await Promise.all(Array.from({ length: 60 }, (_, i) => h.api.create(route, body(`s${i}`, { type: 'NodePort' }))));
    t.equal(new Set(created.map((s) => specOf(s).clusterIP)).size, 60, 'distinct clusterIPs');
    t.equal(new Set(created.map((s) => specOf(s).ports![0]!.nodePort)).size, 60, 'distinct nodePorts');
  });

  await t.test('a small range fills up, and deleting a Service frees its values', async (t) => {
    const h = await hub(t, SMALL);
    const created = await Promise.all([0, 1, 2].map((i) => h.api.create(route, body(`s${i}`, { type: 'NodePort' }))));
    t.same(created.map((s) => specOf(s).ports![0]!.nodePort).sort(), [30000, 30001, 30002]);
    await t.rejects(h.api.create(route, body('s3', { type: 'NodePort' })), { code: 'SKIFF_ERR_INTERNAL', message: 'Internal error occurred: failed to allocate a nodePort: range is full' });
    t.equal(await h.store.get(services, 'default', 's3'), undefined, 'nothing stored');
    const freed = specOf(created[1]!).ports![0]!.nodePort;
    await h.api.delete({ ...route, name: 's1' });
    const again = await h.api.create(route, body('s3', { type: 'NodePort' }));
    t.equal(specOf(again).ports![0]!.nodePort, freed, 'the freed nodePort is the only one left');
  });

  await t.test('a taken or out-of-range nodePort is refused and nothing is stored', async (t) => {
    const h = await hub(t);
    await h.api.create(route, body('first', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    await t.rejects(h.api.create(route, body('second', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })), {
      code: 'SKIFF_ERR_INVALID',
      message: 'Service "second" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    });
    await t.rejects(h.api.create(route, body('third', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] })), {
      message: 'Service "third" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    });
    t.same((await h.store.list(services, 'default')).map((s) => s.metadata.name), ['first']);
  });

  await t.test('replacing with the same manifest keeps clusterIP and nodePort; changing clusterIP is refused', async (t) => {
    const h = await hub(t);
    const created = await h.api.create(route, body('web', { type: 'NodePort' }));
    const replaced = await h.api.replace({ ...route, name: 'web' }, { ...body('web', { type: 'NodePort' }), metadata: { name: 'web', labels: { tier: 'front' } } });
    t.same(replaced.spec, created.spec, 'spec unchanged');
    t.equal(replaced.metadata.generation, 1, 'no new generation');
    await t.rejects(h.api.replace({ ...route, name: 'web' }, body('web', { type: 'NodePort', clusterIP: '10.43.200.200' })), {
      code: 'SKIFF_ERR_INVALID',
      message: 'Service "web" is invalid: spec.clusterIP: Invalid value: "10.43.200.200": field is immutable',
    });
    const toClusterIP = await h.api.replace({ ...route, name: 'web' }, body('web'));
    t.equal(specOf(toClusterIP).ports![0]!.nodePort, undefined, 'back to ClusterIP: the nodePort is released');
    t.equal(specOf(toClusterIP).clusterIP, specOf(created).clusterIP);
    const other = await h.api.create(route, body('other', { type: 'NodePort', ports: [{ port: 80, nodePort: specOf(created).ports![0]!.nodePort }] }));
    t.ok(other, 'the released nodePort can be taken by another Service');
  });
});
