import t from 'tap';
import { applyPatch, patchTypeOf, type PatchRequest } from '../../../../hub/api/patch/patch.js';
import { deployment, NOW } from './fixtures.js';

const TARGET = { group: 'apps', version: 'v1', kind: 'Deployment' };

function request(overrides: Partial<PatchRequest>): PatchRequest {
  return { type: 'merge', body: '{}', live: deployment(), target: TARGET, fieldManager: undefined, force: false, now: NOW, ...overrides };
}

t.test('patchTypeOf knows the four patch media types, with or without parameters', async (t) => {
  t.equal(patchTypeOf('application/json-patch+json'), 'json');
  t.equal(patchTypeOf('application/merge-patch+json'), 'merge');
  t.equal(patchTypeOf('application/strategic-merge-patch+json; charset=utf-8'), 'strategic');
  t.equal(patchTypeOf('Application/Apply-Patch+YAML'), 'apply');
});

t.test('patchTypeOf refuses every other type (the server answers 415)', async (t) => {
  for (const type of [undefined, '', 'application/json', 'application/apply-patch+cbor', 'text/plain', 'constructor']) t.equal(patchTypeOf(type), undefined, String(type));
});

t.test('applyPatch dispatches each type to its algorithm', async (t) => {
  const json = applyPatch(request({ type: 'json', body: '[{"op":"replace","path":"/spec/replicas","value":5}]' }));
  t.equal((json.spec as { replicas: number }).replicas, 5);
  const merge = applyPatch(request({ type: 'merge', body: '{"metadata":{"labels":{"tier":"front"}}}' }));
  t.same(merge.metadata.labels, { app: 'web', tier: 'front' });
  const strategic = applyPatch(request({ type: 'strategic', body: '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"x:2"}]}}}}' }));
  const containers = (strategic.spec as { template: { spec: { containers: Array<{ name: string; image: string }> } } }).template.spec.containers;
  t.same(containers.map((c) => `${c.name}=${c.image}`), ['web=x:2', 'sidecar=busybox']);
  const applied = applyPatch(request({ type: 'apply', fieldManager: 'me', body: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4\n' }));
  t.equal((applied.spec as { replicas: number }).replicas, 4);
  t.equal(applied.metadata.managedFields?.length, 1);
});

t.test('applyPatch leaves the live object untouched', async (t) => {
  const live = deployment();
  const before = JSON.stringify(live);
  applyPatch(request({ live, type: 'strategic', body: '{"spec":{"replicas":9,"template":{"spec":{"containers":[{"name":"web","image":"x:2"}]}}}}' }));
  applyPatch(request({ live, type: 'json', body: '[{"op":"remove","path":"/spec/template/spec/containers/0"}]' }));
  applyPatch(request({ live, type: 'apply', fieldManager: 'me', body: '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":1}}' }));
  t.equal(JSON.stringify(live), before);
});

t.test('a body that does not parse is a 400', async (t) => {
  for (const type of ['json', 'merge', 'strategic'] as const) {
    t.throws(() => applyPatch(request({ type, body: '{"spec":' })), { code: 'SKIFF_ERR_BAD_REQUEST', message: /^error decoding patch: / }, type);
  }
  t.throws(() => applyPatch(request({ type: 'apply', fieldManager: 'me', body: 'a: [1\n' })), { code: 'SKIFF_ERR_BAD_REQUEST', message: /^error decoding YAML: / });
  t.throws(() => applyPatch(request({ type: 'apply', fieldManager: 'me', body: '- 1\n' })), {
    code: 'SKIFF_ERR_BAD_REQUEST',
    message: 'error decoding YAML: json: cannot unmarshal array into Go value of type map[string]interface {}',
  });
  t.throws(() => applyPatch(request({ type: 'apply', fieldManager: 'me', body: '' })), { message: /cannot unmarshal null/ });
});

t.test('apply requires a field manager and force only goes with apply (422, as ValidatePatchOptions)', async (t) => {
  t.throws(() => applyPatch(request({ type: 'apply', body: '{}' })), {
    code: 'SKIFF_ERR_INVALID',
    message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
  });
  t.throws(() => applyPatch(request({ type: 'merge', force: true })), {
    code: 'SKIFF_ERR_INVALID',
    message: 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
  });
});

t.test('an apply must name the apiVersion, kind and name the URL addresses (400)', async (t) => {
  const apply = (body: string, live = deployment()) => () => applyPatch(request({ type: 'apply', fieldManager: 'me', body, live }));
  t.throws(apply('{"apiVersion":"apps/v2","kind":"Deployment","metadata":{"name":"web"}}'), {
    code: 'SKIFF_ERR_BAD_REQUEST',
    message: 'Incorrect version specified in apply patch. Specified patch version: apps/v2, expected: apps/v1',
  });
  t.throws(apply('{"kind":"Deployment","metadata":{"name":"web"}}'), { message: 'Incorrect version specified in apply patch. Specified patch version: , expected: apps/v1' });
  t.throws(apply('{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"web"}}'), {
    code: 'SKIFF_ERR_BAD_REQUEST',
    message: 'Incorrect kind specified in apply patch. Specified patch kind: DaemonSet, expected: Deployment',
  });
  t.throws(apply('{"apiVersion":"apps/v1","metadata":{"name":"web"}}'), { message: /Specified patch kind: , expected: Deployment/ });
  t.throws(apply('{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"db"}}'), {
    code: 'SKIFF_ERR_BAD_REQUEST',
    message: 'the name of the object (db) does not match the name on the URL (web)',
  });
  const unnamed = { ...deployment(), metadata: {} };
  t.throws(apply('{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}}', unnamed), { message: 'the name of the object (web) does not match the name on the URL ()' });
  t.throws(() => applyPatch(request({ type: 'apply', fieldManager: 'me', live: undefined, body: '{"apiVersion":"apps/v1","kind":"Deployment"}' })), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'metadata.name: Required value: name is required' });
  t.throws(apply('{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","managedFields":[]}}'), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'metadata.managedFields must be nil' });
});

t.test('the core group is addressed by its bare version', async (t) => {
  const created = applyPatch(
    request({ type: 'apply', fieldManager: 'me', live: undefined, target: { group: '', version: 'v1', kind: 'ConfigMap' }, body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1"}\n' }),
  );
  t.same(created.data, { a: '1' });
  t.equal(created.metadata.managedFields?.[0] && (created.metadata.managedFields[0] as { apiVersion: string }).apiVersion, 'v1');
});

t.test('the three non-apply types need a stored object', async (t) => {
  t.throws(() => applyPatch(request({ type: 'strategic', live: undefined })), { code: 'SKIFF_ERR_NOT_FOUND' });
});
