/**
 * The config part of a node's desired state: which ConfigMaps and Secrets a node's Pods refer to
 * (only its own Pods', never another node's), how each is encoded for the node, and how the
 * content hash follows them.
 */
import t from 'tap';
import { configKeysOf, contentHash, desiredConfigObject, desiredPodsFor } from '../../../hub/dispatch/desired-state.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { PodSpec } from '../../../shared/api/schema/pod.js';
import { pod } from './fixtures.js';

/** A Pod on `nodeName` whose one container reads the given ConfigMaps and Secrets via envFrom. */
function consumer(name: string, nodeName: string, refs: { configMaps?: string[]; secrets?: string[] }, o: { namespace?: string; deletionTimestamp?: string } = {}): KubeObject {
  const base = pod(name, { nodeName, ...o });
  const envFrom = [...(refs.configMaps ?? []).map((n) => ({ configMapRef: { name: n } })), ...(refs.secrets ?? []).map((n) => ({ secretRef: { name: n } }))];
  return { ...base, spec: { ...(base.spec as PodSpec), containers: [{ name: 'c', image: 'i', envFrom }] } };
}

function configMap(name: string, data: Record<string, string>, binaryData?: Record<string, string>, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: '5' }, data, ...(binaryData ? { binaryData } : {}) } as KubeObject;
}

function secret(name: string, data: Record<string, string>, resourceVersion = '7', type?: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion }, ...(type ? { type } : {}), data } as KubeObject;
}

const keyText = (refs: Array<{ kind: string; namespace: string; name: string }>): string[] => refs.map((r) => `${r.kind}/${r.namespace}/${r.name}`);

t.test("a node's config is exactly what its own Pods refer to (node isolation)", async (t) => {
  const pods = [
    consumer('a1', 'pi-a', { configMaps: ['shared', 'only-a'], secrets: ['a-creds'] }),
    consumer('a2', 'pi-a', { configMaps: ['shared'] }, { namespace: 'edge' }),
    consumer('b1', 'pi-b', { configMaps: ['shared'], secrets: ['b-creds'] }),
    consumer('unbound', '', { secrets: ['nobody'] }),
    consumer('leaving', 'pi-a', { secrets: ['leaving-creds'] }, { deletionTimestamp: '2026-01-01T00:00:00Z' }),
  ];
  t.same(keyText(configKeysOf(desiredPodsFor('pi-a', pods))), ['ConfigMap/default/only-a', 'ConfigMap/default/shared', 'ConfigMap/edge/shared', 'Secret/default/a-creds']);
  t.same(keyText(configKeysOf(desiredPodsFor('pi-b', pods))), ['ConfigMap/default/shared', 'Secret/default/b-creds']);
  t.same(configKeysOf(desiredPodsFor('pi-c', pods)), []);
});

t.test('a ConfigMap reaches the node as base64, data and binaryData merged; a Secret as stored', async (t) => {
  t.same(desiredConfigObject(configMap('settings', { 'app.conf': 'port=80\n', greeting: 'grüß' }, { 'logo.png': 'iVBORw==' })), {
    kind: 'ConfigMap',
    namespace: 'default',
    name: 'settings',
    data: { 'app.conf': Buffer.from('port=80\n').toString('base64'), greeting: Buffer.from('grüß', 'utf8').toString('base64'), 'logo.png': 'iVBORw==' },
  });
  t.same(desiredConfigObject(configMap('empty', {})), { kind: 'ConfigMap', namespace: 'default', name: 'empty', data: {} });
  t.same(desiredConfigObject(secret('creds', { password: 'aHVudGVyMg==' })), { kind: 'Secret', namespace: 'default', name: 'creds', type: 'Opaque', data: { password: 'aHVudGVyMg==' } });
  t.same(desiredConfigObject(secret('reg', { '.dockerconfigjson': 'e30=' }, '7', 'kubernetes.io/dockerconfigjson')).type, 'kubernetes.io/dockerconfigjson');
});

t.test('the hash changes when a ConfigMap is edited, added or removed, and not otherwise', async (t) => {
  const pods = desiredPodsFor('pi-a', [consumer('a1', 'pi-a', { configMaps: ['settings'] })]);
  const before = contentHash(pods, [], [configMap('settings', { level: 'info' })]);
  t.equal(contentHash(pods, [], [configMap('settings', { level: 'info' })]), before, 'the same content: the same hash');
  const relabelled = { ...configMap('settings', { level: 'info' }), metadata: { name: 'settings', namespace: 'default', uid: 'uid-settings', resourceVersion: '9', labels: { x: 'y' } } } as KubeObject;
  t.equal(contentHash(pods, [], [relabelled]), before, 'metadata the node is not sent does not count');
  t.not(contentHash(pods, [], [configMap('settings', { level: 'debug' })]), before, 'an edited value');
  t.not(contentHash(pods, [], [configMap('settings', { level: 'info' }, { blob: 'AA==' })]), before, 'an added binary key');
  t.not(contentHash(pods, [], []), before, 'the ConfigMap deleted');
  t.equal(contentHash(pods, [], []), contentHash(pods), 'no config: the same hash as before config existed');
});

t.test('a Secret counts by version, so no digest of its bytes is ever stored', async (t) => {
  const pods = desiredPodsFor('pi-a', [consumer('a1', 'pi-a', { secrets: ['creds'] })]);
  const before = contentHash(pods, [], [secret('creds', { password: 'aGk=' }, '7')]);
  t.equal(contentHash(pods, [], [secret('creds', { password: 'aGk=' }, '7')]), before, 'unchanged');
  t.not(contentHash(pods, [], [secret('creds', { password: 'aG8=' }, '8')]), before, 'an edit (a new resourceVersion)');
  t.equal(contentHash(pods, [], [secret('creds', { password: 'aG8=' }, '7')]), before, 'the bytes themselves are not hashed');
});
