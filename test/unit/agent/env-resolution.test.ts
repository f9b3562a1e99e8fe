import t from 'tap';
import { configLookup } from '../../../agent/config/config-lookup.js';
import { resolveEnv, type EnvConsumer } from '../../../agent/config/env-resolution.js';
import type { DesiredConfigObject, DesiredPod } from '../../../shared/mqtt/messages.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
function object(kind: DesiredConfigObject['kind'], name: string, data: Record<string, string>, namespace = 'shop'): DesiredConfigObject {
  return { kind, namespace, name, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])), ...(kind === 'Secret' ? { type: 'Opaque' } : {}) };
}

const lookup = configLookup([
  object('ConfigMap', 'settings', { mode: 'fast', 'log.level': 'debug', '1bad': 'x', 'bad key': 'y' }),
  object('Secret', 'creds', { password: 's3cr3t', user: 'admin' }),
  object('ConfigMap', 'elsewhere', { mode: 'other-namespace' }, 'other'),
]);
const pod: DesiredPod = {
  metadata: { name: 'web-1', namespace: 'shop', uid: 'uid-1', labels: { app: 'web' }, annotations: { note: 'hi' } },
  spec: { containers: [{ name: 'main', image: 'skiff-test/web:1' }] },
};
const facts = { nodeName: 'pi-1', hostIP: '192.168.1.20' };
const resolve = (container: EnvConsumer, withFacts: Parameters<typeof resolveEnv>[3] = facts) => resolveEnv(pod, container, lookup, withFacts);
const envOf = (container: EnvConsumer): Record<string, string> => {
  const result = resolve(container);
  if ('error' in result) throw new Error(result.error.message);
  return Object.fromEntries(result.env);
};

t.test('values come from ConfigMap keys, Secret keys and the pod fields', async (t) => {
  t.same(
    envOf({
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
        { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
      ],
    }),
    { MODE: 'fast', PASSWORD: 's3cr3t', POD: 'web-1', NS: 'shop', UID: 'uid-1', NODE: 'pi-1', HOST_IP: '192.168.1.20', APP: 'web', NOTE: 'hi', SA: 'default' },
  );
});

t.test('status.podIP is the known pod IP, else empty', async (t) => {
  const container = { env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] };
  t.same(Object.fromEntries((resolve(container, { ...facts, podIP: '172.17.0.5' }) as { env: Map<string, string> }).env), { IP: '172.17.0.5' });
  t.same(envOf(container), { IP: '' });
});

const failures: Array<[string, EnvConsumer, string]> = [
  ['a missing ConfigMap', { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] }, 'configmap "nope" not found'],
  ['a missing Secret', { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }, 'secret "nope" not found'],
  ['a missing ConfigMap key', { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'k' } } }] }, "couldn't find key k in ConfigMap shop/settings"],
  ['a missing Secret key', { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] }, "couldn't find key k in Secret shop/creds"],
  ['a missing envFrom ConfigMap', { envFrom: [{ configMapRef: { name: 'nope' } }] }, 'configmap "nope" not found'],
  ['a missing envFrom Secret', { envFrom: [{ secretRef: { name: 'nope' } }] }, 'secret "nope" not found'],
  ['a ConfigMap of another namespace', { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'elsewhere', key: 'mode' } } }] }, 'configmap "elsewhere" not found'],
];
for (const [what, container, message] of failures) {
  t.test(`${what} is a CreateContainerConfigError with kubelet's message`, async (t) => {
    t.same(resolve(container), { error: { reason: 'CreateContainerConfigError', message } });
  });
}

t.test('optional references that are missing leave the variable out', async (t) => {
  t.same(
    envOf({
      envFrom: [{ configMapRef: { name: 'nope', optional: true } }, { secretRef: { name: 'nope', optional: true } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'settings', key: 'k', optional: true } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 'creds', key: 'k', optional: true } } },
        { name: 'D', value: 'kept' },
      ],
    }),
    { D: 'kept' },
  );
});

t.test('envFrom adds every valid key with the prefix, skips invalid names with a warning, and env overrides it', async (t) => {
  const result = resolve({
    envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }, { configMapRef: { name: 'settings' } }, { secretRef: { name: 'creds' } }],
    env: [{ name: 'user', value: 'override' }],
  });
  if ('error' in result) return t.fail(result.error.message);
  t.same(Object.fromEntries(result.env), {
    CFG_mode: 'fast',
    'CFG_log.level': 'debug',
    CFG_1bad: 'x',
    mode: 'fast',
    'log.level': 'debug',
    password: 's3cr3t',
    user: 'override',
  });
  t.same(
    result.warnings.map((w) => w.message),
    [
      'Keys [CFG_bad key] from the EnvFrom configMap shop/settings were skipped since they are considered invalid environment variable names.',
      'Keys [1bad, bad key] from the EnvFrom configMap shop/settings were skipped since they are considered invalid environment variable names.',
    ],
  );
});

t.test('$(VAR) in values expands over earlier variables, including envFrom ones; valueFrom values stay literal', async (t) => {
  t.same(
    envOf({
      envFrom: [{ secretRef: { name: 'creds' } }],
      env: [
        { name: 'URL', value: 'db://$(user):$(password)@$(HOST)' },
        { name: 'HOST', value: 'db' },
        { name: 'ESCAPED', value: '$$(HOST)' },
        { name: 'LITERAL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
        { name: 'AGAIN', value: '$(HOST)-$(LITERAL)' },
      ],
    }),
    { user: 'admin', password: 's3cr3t', URL: 'db://admin:s3cr3t@$(HOST)', HOST: 'db', ESCAPED: '$(HOST)', LITERAL: 'fast', AGAIN: 'db-fast' },
  );
});

t.test('a name set twice keeps its first position and last value', async (t) => {
  const result = resolve({ env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'A', value: '3' }] });
  t.same('env' in result && [...result.env], [['A', '3'], ['B', '2']]);
});

t.test('resourceFieldRef reads limits and requests, rounded up by the divisor; an unset limit is the node allocatable', async (t) => {
  const sized: DesiredPod = {
    ...pod,
    spec: {
      containers: [
        { name: 'main', image: 'x', resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } } },
        { name: 'bare', image: 'x' },
      ],
    },
  };
  const ref = (resource: string, divisor?: string, containerName?: string) => ({
    name: resource,
    valueFrom: { resourceFieldRef: { resource, ...(divisor ? { divisor } : {}), ...(containerName ? { containerName } : {}) } },
  });
  const result = resolveEnv(
    sized,
    {
      name: 'main',
      env: [ref('limits.cpu'), ref('limits.memory', '1Mi'), ref('requests.cpu', '1m'), ref('requests.memory'), { ...ref('limits.memory', '1Mi', 'bare'), name: 'BARE_MEM' }],
    } as EnvConsumer & { name: string },
    lookup,
    { ...facts, allocatable: { cpu: '4', memory: '3814Mi' } },
  );
  if ('error' in result) return t.fail(result.error.message);
  t.same(Object.fromEntries(result.env), { 'limits.cpu': '1', 'limits.memory': '64', 'requests.cpu': '250', 'requests.memory': '67108864', BARE_MEM: '3814' });
});

t.test('Service variables: added after the container env, except names the container defines itself', async (t) => {
  const serviceEnv = new Map([
    ['WEB_SERVICE_HOST', '10.43.0.12'],
    ['WEB_SERVICE_PORT', '80'],
    ['user', 'from-service'],
    ['mode', 'from-service'],
  ]);
  const result = resolve(
    {
      envFrom: [{ secretRef: { name: 'creds' } }],
      env: [
        { name: 'WEB_SERVICE_PORT', value: '8080' },
        { name: 'A', value: 'first' },
        // An optional reference that is missing defines nothing: the Service's value stays.
        { name: 'mode', valueFrom: { configMapKeyRef: { name: 'settings', key: 'absent', optional: true } } },
      ],
    },
    { ...facts, serviceEnv },
  );
  if ('error' in result) return t.fail(result.error.message);
  t.same(
    [...result.env],
    [
      ['password', 's3cr3t'],
      ['user', 'admin'],
      ['WEB_SERVICE_PORT', '8080'],
      ['A', 'first'],
      ['WEB_SERVICE_HOST', '10.43.0.12'],
      ['mode', 'from-service'],
    ],
    'container variables first in declaration order, then the remaining Service ones',
  );
});

t.test('$(VAR) in values may name Service variables; the container variables defined before win', async (t) => {
  const serviceEnv = new Map([
    ['WEB_SERVICE_HOST', '10.43.0.12'],
    ['WEB_SERVICE_PORT', '80'],
    ['LATER', 'from-service'],
  ]);
  const result = resolve(
    {
      env: [
        { name: 'BEFORE', value: 'http://$(WEB_SERVICE_HOST):$(WEB_SERVICE_PORT)/' },
        { name: 'WEB_SERVICE_PORT', value: '8080' },
        { name: 'AFTER', value: 'http://$(WEB_SERVICE_HOST):$(WEB_SERVICE_PORT)/' },
        // LATER is the container's own only after this line: here it is still the Service's.
        { name: 'EARLY', value: '$(LATER)' },
        { name: 'LATER', value: 'mine' },
        { name: 'UNKNOWN', value: '$(NOPE_SERVICE_HOST)' },
      ],
    },
    { ...facts, serviceEnv },
  );
  if ('error' in result) return t.fail(result.error.message);
  t.same(Object.fromEntries(result.env), {
    BEFORE: 'http://10.43.0.12:80/',
    WEB_SERVICE_PORT: '8080',
    AFTER: 'http://10.43.0.12:8080/',
    EARLY: 'from-service',
    LATER: 'mine',
    UNKNOWN: '$(NOPE_SERVICE_HOST)',
    WEB_SERVICE_HOST: '10.43.0.12',
  });
  t.same([...serviceEnv], [['WEB_SERVICE_HOST', '10.43.0.12'], ['WEB_SERVICE_PORT', '80'], ['LATER', 'from-service']], 'the given map is not changed');
});

t.test('without Service variables a value naming one stays as written', async (t) => {
  t.same(envOf({ env: [{ name: 'URL', value: '$(WEB_SERVICE_HOST)' }] }), { URL: '$(WEB_SERVICE_HOST)' });
});
