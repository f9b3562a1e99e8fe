import t from 'tap';
import { configLookup } from '../../../agent/config/config-lookup.js';
import { pullCredentials, registryOf, registryOfAuthKey } from '../../../agent/config/pull-auth.js';
import type { DesiredConfigObject, DesiredPod } from '../../../shared/mqtt/messages.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
function dockerSecret(name: string, auths: Record<string, object>, type = 'kubernetes.io/dockerconfigjson'): DesiredConfigObject {
  const key = type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
  const body = type === 'kubernetes.io/dockercfg' ? auths : { auths };
  return { kind: 'Secret', namespace: 'default', name, type, data: { [key]: b64(JSON.stringify(body)) } };
}
const podWith = (secrets: string[]): DesiredPod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u' },
  spec: { containers: [{ name: 'c', image: 'x' }], imagePullSecrets: secrets.map((name) => ({ name })) } as DesiredPod['spec'],
});

t.test('the registry of an image, as Docker parses references', async (t) => {
  const table: Array<[string, string]> = [
    ['busybox', 'docker.io'],
    ['library/busybox:1', 'docker.io'],
    ['someone/app:2', 'docker.io'],
    ['docker.io/someone/app', 'docker.io'],
    ['index.docker.io/someone/app', 'docker.io'],
    ['127.0.0.1:5000/web:1', '127.0.0.1:5000'],
    ['localhost/web', 'localhost'],
    ['Registry.Example.com/team/app@sha256:abc', 'registry.example.com'],
  ];
  for (const [image, registry] of table) t.equal(registryOf(image), registry, image);
});

t.test('auths keys match with or without scheme and path', async (t) => {
  const table: Array<[string, string]> = [
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry.example.com', 'registry.example.com'],
    ['http://127.0.0.1:5000', '127.0.0.1:5000'],
    ['https://127.0.0.1:5000/v2/', '127.0.0.1:5000'],
  ];
  for (const [key, registry] of table) t.equal(registryOfAuthKey(key), registry, key);
});

t.test('the first listed secret with the registry wins; missing ones are reported', async (t) => {
  const lookup = configLookup([
    dockerSecret('other-registry', { 'quay.io': { auth: b64('q:q') } }),
    dockerSecret('local', { 'http://127.0.0.1:5000': { auth: b64('alice:pa:ss') } }),
    dockerSecret('local-2', { '127.0.0.1:5000': { username: 'bob', password: 'b' } }),
    dockerSecret('legacy', { 'https://index.docker.io/v1/': { username: 'carol', password: 'c' } }, 'kubernetes.io/dockercfg'),
    { kind: 'Secret', namespace: 'default', name: 'opaque', type: 'Opaque', data: { '.dockerconfigjson': b64('not json') } },
  ]);
  t.same(pullCredentials(podWith(['gone', 'other-registry', 'local', 'local-2']), '127.0.0.1:5000/web:1', lookup), {
    auth: { serveraddress: 'http://127.0.0.1:5000', username: 'alice', password: 'pa:ss' },
    missing: ['gone'],
  });
  t.same(pullCredentials(podWith(['local-2', 'local']), '127.0.0.1:5000/web:1', lookup).auth, { serveraddress: '127.0.0.1:5000', username: 'bob', password: 'b' });
  t.same(pullCredentials(podWith(['legacy']), 'someone/app', lookup).auth, { serveraddress: 'https://index.docker.io/v1/', username: 'carol', password: 'c' });
  t.same(pullCredentials(podWith(['local', 'opaque']), 'quay.io/x/y', lookup), { missing: [] }, 'no secret for the registry: no auth');
  t.same(pullCredentials(podWith([]), 'busybox', lookup), { missing: [] });
});

t.test('credentials reach the engine as padded URL-safe base64 JSON (Go base64.URLEncoding)', async (t) => {
  const { registryAuthHeader } = await import('../../../agent/runtime/engine-api.js');
  const auth = { serveraddress: '127.0.0.1:5000', username: 'a?>', password: 'bb' }; // 67 bytes of JSON: needs padding
  const header = registryAuthHeader(auth);
  t.match(header, /^[A-Za-z0-9_-]+=*$/);
  t.equal(header.length % 4, 0, 'padded');
  t.same(JSON.parse(Buffer.from(header, 'base64url').toString()), auth);
});
