import t from 'tap';
import { applyStrategicMergePatch } from '../../../../hub/api/patch/strategic-merge.js';
import type { JsonObject, JsonValue } from '../../../../hub/api/patch/json-value.js';

const podSpec = (spec: JsonObject): JsonObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });
const patchPod = (spec: JsonObject, patch: JsonObject) => applyStrategicMergePatch(podSpec(spec), { spec: patch }, 'Pod').spec as JsonObject;
const names = (list: JsonValue | undefined) => (list as JsonObject[]).map((item) => item.name);

t.test('maps merge and null deletes, as a merge patch', async (t) => {
  const doc: JsonObject = { metadata: { name: 'p', labels: { a: '1', b: '2' } } };
  t.same(applyStrategicMergePatch(doc, { metadata: { labels: { b: null, c: '3' } } }, 'Pod').metadata, { name: 'p', labels: { a: '1', c: '3' } });
  t.same(applyStrategicMergePatch(doc, { metadata: { annotations: { x: 'y', z: null } } }, 'Pod').metadata, { name: 'p', labels: { a: '1', b: '2' }, annotations: { x: 'y' } }, 'unmatched nulls are ignored');
  t.same(applyStrategicMergePatch(doc, { metadata: { labels: 'x' } }, 'Pod').metadata, { name: 'p', labels: 'x' }, 'a different type replaces');
  t.same(applyStrategicMergePatch(doc, { metadata: { nope: null } }, 'Pod'), doc);
});

t.test('keyed lists merge item by item on their merge key', async (t) => {
  const spec: JsonObject = { containers: [{ name: 'a', image: 'a:1', ports: [{ containerPort: 80, name: 'http' }] }, { name: 'b', image: 'b:1' }] };
  const patched = patchPod(spec, { containers: [{ name: 'b', image: 'b:2' }] });
  t.same(patched.containers, [{ name: 'a', image: 'a:1', ports: [{ containerPort: 80, name: 'http' }] }, { name: 'b', image: 'b:2' }]);
  const ports = patchPod(spec, { containers: [{ name: 'a', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }] }] });
  t.same((ports.containers as JsonObject[])[0]!.ports, [{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 443 }]);
});

t.test('a new item without an order goes before the server-only items (Kubernetes mergeSortedSlice)', async (t) => {
  const patched = patchPod({ containers: [{ name: 'a' }, { name: 'b' }] }, { containers: [{ name: 'c', image: 'c' }] });
  t.same(names(patched.containers), ['c', 'a', 'b']);
  const mixed = patchPod({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }, { containers: [{ name: 'c', image: 'x' }, { name: 'd' }, { name: 'a', image: 'y' }] });
  t.same(names(mixed.containers), ['b', 'c', 'd', 'a'], 'patch items in patch order; b goes first, as the server had it before c');
  const interleaved = patchPod({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }, { containers: [{ name: 'c', image: 'x' }] });
  t.same(names(interleaved.containers), ['a', 'b', 'c']);
});

t.test('lists without a strategy are replaced: tolerations, command, envFrom', async (t) => {
  const spec = { tolerations: [{ key: 'a', operator: 'Exists' }], containers: [{ name: 'a', command: ['x', 'y'], envFrom: [{ configMapRef: { name: 'c' } }] }] };
  t.same(patchPod(spec, { tolerations: [{ key: 'b', operator: 'Exists' }] }).tolerations, [{ key: 'b', operator: 'Exists' }]);
  const container = (patchPod(spec, { containers: [{ name: 'a', command: ['z'], envFrom: [{ secretRef: { name: 's', optional: null } }] }] }).containers as JsonObject[])[0]!;
  t.same(container.command, ['z']);
  t.same(container.envFrom, [{ secretRef: { name: 's' } }]);
});

t.test('Node taints are atomic, Service ports merge on port, ServiceAccount secrets on name', async (t) => {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } };
  t.same((applyStrategicMergePatch(node, { spec: { taints: [{ key: 'b', effect: 'NoSchedule' }] } }, 'Node').spec as JsonObject).taints, [{ key: 'b', effect: 'NoSchedule' }]);
  const service: JsonObject = { kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
  const ports = (applyStrategicMergePatch(service, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, 'Service').spec as JsonObject).ports;
  t.same(ports, [{ port: 80, targetPort: 9090 }, { port: 443 }]);
  const sa = { kind: 'ServiceAccount', metadata: { name: 'x' }, secrets: [{ name: 'a' }] };
  t.same(applyStrategicMergePatch(sa, { secrets: [{ name: 'b' }] }, 'ServiceAccount').secrets, [{ name: 'b' }, { name: 'a' }]);
  const cm = { kind: 'ConfigMap', metadata: { name: 'c', finalizers: ['a'] }, data: { k: 'v' } };
  t.same(applyStrategicMergePatch(cm, { metadata: { finalizers: ['b'] } }, 'ConfigMap').metadata, { name: 'c', finalizers: ['b', 'a'] }, 'every kind has ObjectMeta');
});

t.test('set lists (finalizers) merge as sets; $deleteFromPrimitiveList removes values', async (t) => {
  const doc: JsonObject = { kind: 'Pod', metadata: { name: 'p', finalizers: ['a', 'b'] } };
  t.same((applyStrategicMergePatch(doc, { metadata: { finalizers: ['b', 'c'] } }, 'Pod').metadata as JsonObject).finalizers, ['a', 'b', 'c']);
  t.same((applyStrategicMergePatch(doc, { metadata: { finalizers: ['c'] } }, 'Pod').metadata as JsonObject).finalizers, ['c', 'a', 'b']);
  t.same((applyStrategicMergePatch(doc, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'zz'] } }, 'Pod').metadata as JsonObject).finalizers, ['b']);
  t.same(applyStrategicMergePatch(doc, { metadata: { '$deleteFromPrimitiveList/other': ['a'] } }, 'Pod').metadata, { name: 'p', finalizers: ['a', 'b'] }, 'nothing to delete from');
  t.throws(() => applyStrategicMergePatch(doc, { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, 'Pod'), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'invalid patch format of primitive list' });
  t.same((applyStrategicMergePatch({ metadata: {} }, { metadata: { finalizers: ['x'] } }, 'Pod').metadata as JsonObject).finalizers, ['x']);
  t.same((applyStrategicMergePatch({ metadata: { finalizers: [] } }, { metadata: { finalizers: [] } }, 'Pod').metadata as JsonObject).finalizers, []);
});

t.test('$patch: delete in a list item removes the item with that key', async (t) => {
  const patched = patchPod({ containers: [{ name: 'a' }, { name: 'b' }] }, { containers: [{ name: 'a', $patch: 'delete' }] });
  t.same(patched.containers, [{ name: 'b' }]);
  t.throws(() => patchPod({ containers: [{ name: 'a' }] }, { containers: [{ $patch: 'delete', image: 'x', args: [null, 'y'] }] }), {
    code: 'SKIFF_ERR_INVALID',
    message: 'map: map[$patch:delete args:[<nil> y] image:x] does not contain declared merge key: name',
  });
});

t.test('$patch: replace in a list replaces the whole list', async (t) => {
  const patched = patchPod({ containers: [{ name: 'a', image: 'a' }, { name: 'b' }] }, { containers: [{ name: 'c', image: 'c' }, { $patch: 'replace' }] });
  t.same(patched.containers, [{ name: 'c', image: 'c' }]);
  t.same(patchPod({ volumes: [{ name: 'v', emptyDir: {} }], containers: [] }, { volumes: [{ $patch: 'replace' }] }).volumes, []);
});

t.test('other $patch values in list items are errors', async (t) => {
  t.throws(() => patchPod({ containers: [{ name: 'a' }] }, { containers: [{ name: 'a', $patch: 'merge' }] }), { code: 'SKIFF_ERR_INVALID', message: 'merging lists cannot yet be specified in the patch' });
  t.throws(() => patchPod({ containers: [{ name: 'a' }] }, { containers: [{ name: 'a', $patch: 'nope' }] }), { code: 'SKIFF_ERR_INVALID', message: 'unknown patch type: nope in map: map[$patch:nope name:a]' });
});

t.test('$patch in a map replaces or deletes it; other values are errors', async (t) => {
  const doc: JsonObject = { metadata: { name: 'p', labels: { a: '1', b: '2' } } };
  t.same((applyStrategicMergePatch(doc, { metadata: { labels: { c: '3', x: null, $patch: 'replace' } } }, 'Pod').metadata as JsonObject).labels, { c: '3' });
  t.same((applyStrategicMergePatch(doc, { metadata: { labels: { $patch: 'delete' } } }, 'Pod').metadata as JsonObject).labels, {});
  t.same(applyStrategicMergePatch(doc, { metadata: { annotations: { $patch: 'delete' } } }, 'Pod').metadata, doc.metadata, 'deleting what is not there changes nothing');
  t.throws(() => applyStrategicMergePatch(doc, { metadata: { labels: { $patch: 'merge' } } }, 'Pod'), { code: 'SKIFF_ERR_INVALID', message: 'unknown patch type: merge in map: map[$patch:merge]' });
  t.same(applyStrategicMergePatch(doc, { $patch: 'replace', metadata: { name: 'q' } }, 'Pod'), { metadata: { name: 'q' } }, 'at the top too');
});

t.test('a keyed list item without its merge key is an error', async (t) => {
  t.throws(() => patchPod({ containers: [{ name: 'a' }] }, { containers: [{ image: 'x' }] }), {
    code: 'SKIFF_ERR_INVALID',
    message: 'map: map[image:x] does not contain declared merge key: name',
  });
  t.throws(() => patchPod({ containers: [{ name: 'a' }] }, { containers: ['x'] as JsonValue[] as JsonObject[] }), { message: /does not contain declared merge key/ });
});

t.test('a list of maps marked as a set cannot merge without a key', async (t) => {
  const doc: JsonObject = { metadata: { finalizers: [{ a: 1 }] } };
  t.throws(() => applyStrategicMergePatch(doc, { metadata: { finalizers: [{ b: 1 }] } }, 'Pod'), { code: 'SKIFF_ERR_INVALID', message: 'cannot merge lists without merge key for metadata.finalizers' });
});

t.test('$retainKeys clears the keys it does not list (Deployment strategy, kubectl apply Recreate)', async (t) => {
  const doc: JsonObject = { kind: 'Deployment', spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
  const patched = applyStrategicMergePatch(doc, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } }, 'Deployment');
  t.same(patched.spec, { strategy: { type: 'Recreate' } });
  t.throws(() => applyStrategicMergePatch(doc, { spec: { strategy: { $retainKeys: 'type' } } }, 'Deployment'), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'invalid patch format of retainKeys' });
  t.throws(() => applyStrategicMergePatch(doc, { spec: { strategy: { $retainKeys: [1] } } }, 'Deployment'), { code: 'SKIFF_ERR_BAD_REQUEST' });
});

t.test('volumes merge on name and each volume honours $retainKeys (switch emptyDir to configMap)', async (t) => {
  const spec = { containers: [], volumes: [{ name: 'v', emptyDir: {} }, { name: 'w', emptyDir: {} }] };
  const patched = patchPod(spec, { volumes: [{ name: 'v', $retainKeys: ['configMap', 'name'], configMap: { name: 'c' } }] });
  t.same(patched.volumes, [{ name: 'v', configMap: { name: 'c' } }, { name: 'w', emptyDir: {} }]);
  const added = patchPod(spec, { volumes: [{ name: 'x', $retainKeys: ['name', 'secret'], secret: { secretName: 's' } }] });
  t.same((added.volumes as JsonObject[])[0], { name: 'x', secret: { secretName: 's' } }, 'a new item loses its directives');
});

t.test('$setElementOrder orders the merged list as given, server-only items kept near their place', async (t) => {
  const spec = { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] };
  t.same(names(patchPod(spec, { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }] }).containers), ['c', 'a', 'b'], 'only reorders');
  const added = patchPod(spec, { '$setElementOrder/containers': [{ name: 'a' }, { name: 'd' }, { name: 'b' }, { name: 'c' }], containers: [{ name: 'd', image: 'd' }] });
  t.same(names(added.containers), ['a', 'd', 'b', 'c']);
  const serverOnly = patchPod(spec, { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }] });
  t.same(names(serverOnly.containers), ['b', 'c', 'a'], 'b, unknown to the client, goes before c, as the server had it');
  t.same(names(patchPod({}, { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a' }, { name: 'b' }] }).containers), ['b', 'a'], 'a new list');
  t.same(patchPod({}, { '$setElementOrder/containers': [{ name: 'a' }] }), {}, 'nothing to order');
  const leftOut = patchPod(spec, { '$setElementOrder/containers': [{ image: 'no key' }, { name: 'b' }], containers: [{ name: 'e' }, { name: 'd' }] });
  t.same(names(leftOut.containers), ['a', 'b', 'c', 'e', 'd'], 'a stays before b as the server had it; items neither the order nor the server knows go last');
  t.same(patchPod({ containers: ['x', { name: 'a' }] }, { '$setElementOrder/containers': [{ name: 'a' }] }).containers, [{ name: 'a' }, 'x'], 'a stored item that is not a map has no place');
  t.throws(() => patchPod(spec, { '$setElementOrder/containers': 'a' }), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'invalid patch format of setElementOrder list' });
});

t.test('$setElementOrder of a set list and of an atomic list', async (t) => {
  const doc: JsonObject = { kind: 'Pod', metadata: { finalizers: ['a', 'b'] }, spec: { containers: [{ name: 'x', args: ['1', '2'] }] } };
  const patched = applyStrategicMergePatch(doc, { metadata: { '$setElementOrder/finalizers': ['c', 'b', 'a'], finalizers: ['c'] } }, 'Pod');
  t.same((patched.metadata as JsonObject).finalizers, ['c', 'b', 'a']);
  const args = applyStrategicMergePatch(doc, { spec: { containers: [{ name: 'x', '$setElementOrder/args': ['3'], args: ['3'] }] } }, 'Pod');
  t.same(((args.spec as JsonObject).containers as JsonObject[])[0]!.args, ['3']);
});

t.test('env merges on name inside the container it belongs to, in every PodSpec mount', async (t) => {
  const template = (env: JsonValue) => ({ spec: { template: { spec: { containers: [{ name: 'web', env }] } } } });
  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet']) {
    const patched = applyStrategicMergePatch({ kind, ...template([{ name: 'A', value: '1' }]) }, template([{ name: 'B', value: '2' }]), kind);
    t.same((((patched.spec as JsonObject).template as JsonObject).spec as JsonObject).containers, [{ name: 'web', env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] }], kind);
  }
  const unknownKind = applyStrategicMergePatch({ kind: 'Widget', ...template([{ name: 'A', value: '1' }]) }, template([{ name: 'B', value: '2' }]), 'Widget');
  t.same((((unknownKind.spec as JsonObject).template as JsonObject).spec as JsonObject).containers, [{ name: 'web', env: [{ name: 'B', value: '2' }] }], 'a kind without a table replaces lists');
});

t.test('a body that is not an object is a 400 in Go words; null changes nothing', async (t) => {
  t.throws(() => applyStrategicMergePatch({}, [], 'Pod'), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' });
  t.throws(() => applyStrategicMergePatch({}, 'x', 'Pod'), { message: /cannot unmarshal string into/ });
  t.same(applyStrategicMergePatch({ a: 1 }, null, 'Pod'), { a: 1 });
});

t.test('new lists and maps are taken from the patch without directives or nulls', async (t) => {
  const patched = patchPod({}, { containers: [{ name: 'a', image: null, env: [{ name: 'X', $patch: 'delete' }] }], tolerations: [{ key: 'k', value: null }], affinity: { nodeAffinity: null } });
  t.same(patched, { containers: [{ name: 'a', env: [] }], tolerations: [{ key: 'k' }], affinity: {} });
});
