import t from 'tap';
import { specHash } from '../../../agent/reconcile/spec-hash.js';
import { canonicalJson } from '../../../shared/canonical-json.js';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { pod } from './fixtures/builders.js';

const base = pod('web', {}, [
  { image: 'web:1', command: ['/bin/httpd'], env: [{ name: 'A', value: '1' }], resources: { limits: { memory: '128Mi', cpu: '500m' } }, ports: [{ containerPort: 80, hostPort: 8080 }] },
]);
const hashOf = (p: DesiredPod): string => specHash(p, p.spec.containers[0]!);
const withContainer = (change: object): DesiredPod => ({ ...base, spec: { ...base.spec, containers: [{ ...base.spec.containers[0]!, ...change }] } });

t.test('the spec hash is 16 hex digits and stable across calls and key order', async (t) => {
  t.match(hashOf(base), /^[0-9a-f]{16}$/);
  t.equal(hashOf(base), hashOf(structuredClone(base)));
  const reverseKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(reverseKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
  const reordered = reverseKeys(base.spec.containers[0]) as DesiredPod['spec']['containers'][number];
  t.not(JSON.stringify(reordered), JSON.stringify(base.spec.containers[0]), 'really reordered');
  t.equal(specHash(base, reordered), hashOf(base));
  t.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: undefined }] }), '{"a":[2,{"d":3}],"b":1}');
});

t.test('a pinned hash: changing what is hashed restarts every container in the fleet', async (t) => {
  // If this fails, the normalised spec changed: bump HASH_VERSION on purpose or undo the change.
  t.equal(hashOf(pod('pinned', {}, [{ image: 'skiff-test/web:1' }])), '9ea642145fa408ac');
});

t.test('equivalent specs hash the same', async (t) => {
  const table: Array<[string, DesiredPod]> = [
    ['memory as bytes instead of Mi', withContainer({ resources: { limits: { memory: '134217728', cpu: '0.5' } } })],
    ['imagePullPolicy is not hashed', withContainer({ imagePullPolicy: 'Always' })],
    ['restartPolicy is not hashed', { ...base, spec: { ...base.spec, restartPolicy: 'Never' } }],
    ['terminationGracePeriodSeconds is not hashed', { ...base, spec: { ...base.spec, terminationGracePeriodSeconds: 5 } }],
    ['a port without hostPort is not hashed', withContainer({ ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 9090 }] })],
    ['an explicit TCP protocol', withContainer({ ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] })],
  ];
  for (const [name, p] of table) t.equal(hashOf(p), hashOf(base), name);
});

t.test('specs that run differently hash differently', async (t) => {
  const table: Array<[string, DesiredPod]> = [
    ['image', withContainer({ image: 'web:2' })],
    ['command', withContainer({ command: ['/bin/sh'] })],
    ['args', withContainer({ args: ['-v'] })],
    ['env value', withContainer({ env: [{ name: 'A', value: '2' }] })],
    ['env order', withContainer({ env: [{ name: 'B', value: '' }, { name: 'A', value: '1' }] })],
    ['working dir', withContainer({ workingDir: '/srv' })],
    ['memory limit', withContainer({ resources: { limits: { memory: '64Mi', cpu: '500m' } } })],
    ['cpu request', withContainer({ resources: { limits: { memory: '128Mi', cpu: '500m' }, requests: { cpu: '100m' } } })],
    ['host port', withContainer({ ports: [{ containerPort: 80, hostPort: 8081 }] })],
    ['hostname', { ...base, spec: { ...base.spec, hostname: 'other' } }],
  ];
  const seen = new Set([hashOf(base)]);
  for (const [name, p] of table) {
    t.not(hashOf(p), hashOf(base), name);
    seen.add(hashOf(p));
  }
  t.equal(seen.size, table.length + 1, 'all distinct');
});
