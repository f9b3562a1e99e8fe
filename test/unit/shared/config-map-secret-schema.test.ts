/**
 * ConfigMap and Secret validation through validateObject (what apply and the API run): each bad
 * field named as Kubernetes names it (`data[bad key]`), stringData folding, and the immutability rule.
 */
import t from 'tap';
import { applyDefaults } from '../../../hub/api/defaults.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { configKeyProblem, foldStringData, immutableUpdateErrors, isBase64 } from '../../../shared/api/schema/config.js';
import { validateObject } from '../../../shared/api/validate.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function errorsOf(object: object): Array<[string, string]> {
  const result = validateObject(object);
  return result.ok ? [] : result.errors.map((e) => [e.path, e.message]);
}

function paths(object: object): string[] {
  return errorsOf(object).map(([path]) => path);
}

const cm = (extra: object): object => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, ...extra });
const secret = (extra: object): object => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, ...extra });

t.test('config keys follow IsConfigMapKey', async (t) => {
  for (const ok of ['a', 'key.name', 'KEY_NAME', 'key-name', '.env', '..a', 'x'.repeat(253)]) t.equal(configKeyProblem(ok), undefined, ok);
  for (const bad of ['', '.', '..', 'bad key', 'a/b', 'é', 'x'.repeat(254)]) t.ok(configKeyProblem(bad), `"${bad.slice(0, 10)}" refused`);
});

t.test('a valid ConfigMap passes', async (t) => {
  t.same(errorsOf(cm({ data: { 'app.properties': 'a=1\n', MODE: 'edge' }, binaryData: { logo: b64('\u0000\u0001') }, immutable: true })), []);
  t.same(errorsOf(cm({})), [], 'no data at all');
});

t.test('ConfigMap errors name the field', async (t) => {
  t.same(paths(cm({ data: { 'bad key': 'x' } })), ['data[bad key]']);
  t.same(paths(cm({ binaryData: { '..': b64('x') } })), ['binaryData[..]']);
  t.same(paths(cm({ binaryData: { logo: 'not base64!' } })), ['binaryData[logo]']);
  t.same(paths(cm({ data: { same: 'a' }, binaryData: { same: b64('a') } })), ['data[same]']);
  t.match(errorsOf(cm({ data: { same: 'a' }, binaryData: { same: b64('a') } }))[0]![1], /duplicate of key present in binaryData/);
  t.same(paths(cm({ data: { n: 1 } })), ['data.n'], 'a value must be a string');
  t.same(paths(cm({ immutable: 'yes' })), ['immutable']);
  t.same(paths(cm({ spec: {} })), ['spec'], 'unknown fields are reported');
});

t.test('a valid Secret passes, of each accepted type', async (t) => {
  t.same(errorsOf(secret({ data: { password: b64('s3cret') }, stringData: { user: 'admin' } })), []);
  t.same(errorsOf(secret({ type: 'kubernetes.io/basic-auth', stringData: { username: 'u', password: 'p' } })), []);
  t.same(errorsOf(secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } })), []);
  t.same(errorsOf(secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{}}') } })), []);
  t.same(errorsOf(secret({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{"r":{}}}' } })), [], 'after the stringData merge');
});

t.test('Secret errors name the field', async (t) => {
  t.same(paths(secret({ data: { 'bad key': b64('x') } })), ['data[bad key]']);
  t.same(paths(secret({ stringData: { 'a/b': 'x' } })), ['stringData[a/b]']);
  const notBase64 = errorsOf(secret({ data: { password: 'plain text' } }));
  t.same(notBase64.map(([p]) => p), ['data[password]']);
  t.match(notBase64[0]![1], /illegal base64 data/);
  t.same(paths(secret({ type: 'kubernetes.io/service-account-token' })), ['type'], 'service-account-token is refused');
  t.same(paths(secret({ type: 'kubernetes.io/dockerconfigjson' })), ['data[.dockerconfigjson]']);
  t.same(paths(secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{nope') } })), ['data[.dockerconfigjson]']);
  t.same(paths(secret({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auth":{}}' } })), ['data[.dockerconfigjson]'], 'no auths object');
  t.same(paths(secret({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":[]}' } })), ['data[.dockerconfigjson]']);
  t.same(paths(secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } })), ['data[tls.key]']);
  t.same(paths(secret({ type: 'kubernetes.io/basic-auth' })), ['data[username]']);
});

t.test('base64 is standard padded base64', async (t) => {
  for (const ok of ['', 'YQ==', 'YWI=', 'YWJj', b64('hello world')]) t.ok(isBase64(ok), ok);
  for (const bad of ['YQ', 'Y', 'a b=', '****', 'YWJj\n']) t.notOk(isBase64(bad), bad);
});

t.test('stringData is folded into data and dropped; type defaults to Opaque', async (t) => {
  const stored = applyDefaults(secret({ data: { a: b64('old'), keep: b64('k') }, stringData: { a: 'new', b: 'plain' } }) as KubeObject);
  t.same(stored, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { a: b64('new'), keep: b64('k'), b: b64('plain') } });
  t.notOk('stringData' in stored);
  t.same(foldStringData({ type: 'kubernetes.io/tls' }), { type: 'kubernetes.io/tls' }, 'nothing to fold');
  t.same(applyDefaults(cm({ data: { a: 'b' } }) as KubeObject), cm({ data: { a: 'b' } }), 'a ConfigMap is stored as sent');
});

t.test('an immutable object keeps its data', async (t) => {
  const current = { kind: 'ConfigMap', data: { a: '1', b: '2' }, immutable: true };
  t.same(immutableUpdateErrors(current, { kind: 'ConfigMap', data: { b: '2', a: '1' }, immutable: true }), [], 'same data, other key order');
  t.same(immutableUpdateErrors(current, { kind: 'ConfigMap', data: { a: '1' }, immutable: true }).map((e) => e.path), ['data']);
  t.same(immutableUpdateErrors(current, { kind: 'ConfigMap', data: { a: '1', b: '2' } }).map((e) => e.path), ['immutable']);
  t.same(immutableUpdateErrors({ kind: 'Secret', type: 'Opaque', data: {}, immutable: true }, { kind: 'Secret', type: 'kubernetes.io/tls', data: {}, immutable: true }).map((e) => e.path), ['type']);
  t.same(immutableUpdateErrors({ kind: 'ConfigMap', data: { a: '1' } }, { kind: 'ConfigMap', data: { a: '2' }, immutable: true }), [], 'a mutable object may change and become immutable');
});
