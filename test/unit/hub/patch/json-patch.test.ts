import t from 'tap';
import { applyJsonPatch } from '../../../../hub/api/patch/json-patch.js';
import type { JsonObject, JsonValue } from '../../../../hub/api/patch/json-value.js';

const DOC: JsonObject = { a: { b: [1, 2, 3], c: 'x', n: null }, 'k/e~y': 1 };

const apply = (patch: JsonValue, doc: JsonObject = DOC) => applyJsonPatch(doc, patch);
const invalid = (message: string) => ({ name: 'SkiffError', code: 'SKIFF_ERR_INVALID', message });

t.test('add sets a member, inserts into a list, appends with "-" and counts negative indices from the end', async (t) => {
  t.same(apply([{ op: 'add', path: '/a/d', value: { e: 1 } }]).a, { b: [1, 2, 3], c: 'x', n: null, d: { e: 1 } });
  t.same((apply([{ op: 'add', path: '/a/b/1', value: 9 }]).a as JsonObject).b, [1, 9, 2, 3]);
  t.same((apply([{ op: 'add', path: '/a/b/3', value: 9 }]).a as JsonObject).b, [1, 2, 3, 9]);
  t.same((apply([{ op: 'add', path: '/a/b/-', value: 9 }]).a as JsonObject).b, [1, 2, 3, 9]);
  t.same((apply([{ op: 'add', path: '/a/b/-1', value: 9 }]).a as JsonObject).b, [1, 2, 3, 9]);
  t.same((apply([{ op: 'add', path: '/a/b/-4', value: 9 }]).a as JsonObject).b, [9, 1, 2, 3]);
  t.same(apply([{ op: 'add', path: '/a/c' }]).a, { b: [1, 2, 3], c: null, n: null }, 'a missing value adds null');
});

t.test('paths decode ~1 and ~0 (RFC 6901)', async (t) => {
  t.same(apply([{ op: 'replace', path: '/k~1e~0y', value: 2 }])['k/e~y'], 2);
});

t.test('remove deletes a member or a list item, negative indices included', async (t) => {
  t.same(apply([{ op: 'remove', path: '/a/c' }]).a, { b: [1, 2, 3], n: null });
  t.same((apply([{ op: 'remove', path: '/a/b/0' }]).a as JsonObject).b, [2, 3]);
  t.same((apply([{ op: 'remove', path: '/a/b/-1' }]).a as JsonObject).b, [1, 2]);
  t.same(apply([{ op: 'remove', path: '/a/n' }]).a, { b: [1, 2, 3], c: 'x' }, 'a key holding null is there to remove');
});

t.test('replace sets an existing member or item, and (as evanphx/json-patch v4) a missing member too', async (t) => {
  t.same((apply([{ op: 'replace', path: '/a/b/2', value: 'z' }]).a as JsonObject).b, [1, 2, 'z']);
  t.equal((apply([{ op: 'replace', path: '/a/new', value: 1 }]).a as JsonObject).new, 1);
  t.equal((apply([{ op: 'replace', path: '/a/c' }]).a as JsonObject).c, null, 'no value is null');
});

t.test('move and copy take a value from one path to another', async (t) => {
  t.same(apply([{ op: 'move', from: '/a/n', path: '/z' }]).z, null, 'a null moves');
  t.same(apply([{ op: 'copy', from: '/a/n', path: '/z' }]).z, null, 'a null copies');
  t.same(apply([{ op: 'move', from: '/a/c', path: '/z' }]), { a: { b: [1, 2, 3], n: null }, 'k/e~y': 1, z: 'x' });
  const copied = apply([{ op: 'copy', from: '/a/b', path: '/a/b2' }]);
  t.same((copied.a as JsonObject).b2, [1, 2, 3]);
  ((copied.a as JsonObject).b2 as number[]).push(4);
  t.same((copied.a as JsonObject).b, [1, 2, 3], 'a copy is not shared');
});

t.test('test passes on an equal value (a missing or null member equals null) and otherwise fails with 422', async (t) => {
  t.same(apply([{ op: 'test', path: '/a', value: { c: 'x', n: null, b: [1, 2, 3] } }]), DOC);
  t.same(apply([{ op: 'test', path: '/a/missing', value: null }]), DOC);
  t.same(apply([{ op: 'test', path: '/a/n' }]), DOC);
  t.throws(() => apply([{ op: 'test', path: '/a/c', value: 'y' }, { op: 'remove', path: '/a' }]), invalid('testing value /a/c failed: test failed'));
  t.throws(() => apply([{ op: 'test', path: '/a/b/0', value: 2 }]), invalid('testing value /a/b/0 failed: test failed'));
  t.throws(() => apply([{ op: 'test', path: '/q/r', value: 1 }]), invalid('test operation does not apply: is missing path: /q/r: missing value'));
  t.throws(() => apply([{ op: 'test', path: '/a/b/7', value: 1 }]), invalid("error in test for path: '/a/b/7': Unable to access invalid index: 7: invalid index referenced"));
});

t.test('operations apply in order and a failure leaves the document unchanged', async (t) => {
  const doc = structuredClone(DOC);
  t.same(apply([{ op: 'add', path: '/x', value: {} }, { op: 'add', path: '/x/y', value: 1 }], doc).x, { y: 1 });
  t.throws(() => apply([{ op: 'remove', path: '/a' }, { op: 'remove', path: '/a' }], doc));
  t.same(doc, DOC);
});

t.test('failures carry evanphx/json-patch v4 messages as a 422', async (t) => {
  const table: Array<[JsonValue, string]> = [
    [{ op: 'add', path: '/q/r', value: 1 }, 'add operation does not apply: doc is missing path: "/q/r": missing value'],
    [{ op: 'add', path: '/a/c/d', value: 1 }, 'add operation does not apply: doc is missing path: "/a/c/d": missing value'],
    [{ op: 'add', path: '/a/b/9/c', value: 1 }, 'add operation does not apply: doc is missing path: "/a/b/9/c": missing value'],
    [{ op: 'add', path: '/a/b/x/c', value: 1 }, 'add operation does not apply: doc is missing path: "/a/b/x/c": missing value'],
    [{ op: 'add', path: '/a/b/9', value: 1 }, "error in add for path: '/a/b/9': Unable to access invalid index: 9: invalid index referenced"],
    [{ op: 'add', path: '/a/b/-5', value: 1 }, "error in add for path: '/a/b/-5': Unable to access invalid index: -5: invalid index referenced"],
    [{ op: 'add', path: '/a/b/x', value: 1 }, `error in add for path: '/a/b/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`],
    [{ op: 'add', value: 1 }, 'add operation failed to decode path: operation missing path field: missing value'],
    [{ op: 'add', path: '', value: 1 }, 'add operation does not apply: doc is missing path: "": missing value'],
    [{ op: 'remove', path: '/a/zz' }, "error in remove for path: '/a/zz': Unable to remove nonexistent key: zz: missing value"],
    [{ op: 'remove', path: '/q/zz' }, 'remove operation does not apply: doc is missing path: "/q/zz": missing value'],
    [{ op: 'remove', path: '/a/b/3' }, "error in remove for path: '/a/b/3': Unable to access invalid index: 3: invalid index referenced"],
    [{ op: 'remove', path: '/a/b/-4' }, "error in remove for path: '/a/b/-4': Unable to access invalid index: -4: invalid index referenced"],
    [{ op: 'replace', path: '/q/r', value: 1 }, 'replace operation does not apply: doc is missing path: /q/r: missing value'],
    [{ op: 'replace', path: '/a/b/3', value: 1 }, 'replace operation does not apply: doc is missing key: /a/b/3: missing value'],
    [{ op: 'replace', path: 5, value: 1 }, 'replace operation failed to decode path: operation missing path field: missing value'],
    [{ op: 'move', path: '/z' }, 'move operation failed to decode from: operation, missing from field: missing value'],
    [{ op: 'move', from: '/q/r', path: '/z' }, 'move operation does not apply: doc is missing from path: /q/r: missing value'],
    [{ op: 'move', from: '/a/zz', path: '/z' }, "error in move for path: 'zz': Unable to remove nonexistent key: zz: missing value"],
    [{ op: 'move', from: '/a/b/5', path: '/z' }, "error in move for path: '5': Unable to access invalid index: 5: invalid index referenced"],
    [{ op: 'move', from: '/a/c', path: '/q/r' }, 'move operation does not apply: doc is missing destination path: /q/r: missing value'],
    [{ op: 'move', from: '/a/c', path: '/a/b/9' }, "error in move for path: '/a/b/9': Unable to access invalid index: 9: invalid index referenced"],
    [{ op: 'copy', from: '/q/r', path: '/z' }, 'copy operation does not apply: doc is missing from path: /q/r: missing value'],
    [{ op: 'copy', from: '/a/b/9', path: '/z' }, "error in copy for from: '/a/b/9': Unable to access invalid index: 9: invalid index referenced"],
    [{ op: 'copy', from: '/a/c' }, 'copy operation failed to decode path: operation missing path field: missing value'],
    [{ op: 'copy', from: '/a/c', path: '/q/r' }, 'copy operation does not apply: doc is missing destination path: /q/r: missing value'],
    [{ op: 'copy', from: '/a/c', path: '/a/b/9' }, 'error while adding value during copy: Unable to access invalid index: 9: invalid index referenced'],
    [{ op: 'test' }, 'test operation failed to decode path: operation missing path field: missing value'],
    [{ op: 'frobnicate', path: '/a' }, 'Unexpected kind: frobnicate'],
    [{ path: '/a' }, 'Unexpected kind: unknown'],
    [null, 'Unexpected kind: unknown'],
    [{ op: 'toString', path: '/a' }, 'Unexpected kind: toString'],
  ];
  for (const [operation, message] of table) t.throws(() => apply([operation]), invalid(message), JSON.stringify(operation));
});

t.test('a body that is not a list of objects is a 400 in Go words', async (t) => {
  t.throws(() => apply({ op: 'add' }), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' });
  t.throws(() => apply(['add']), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'json: cannot unmarshal string into Go value of type jsonpatch.Operation' });
  t.throws(() => apply([[1]]), { code: 'SKIFF_ERR_BAD_REQUEST', message: /cannot unmarshal array into/ });
  t.throws(() => apply(true), { message: /cannot unmarshal bool into/ });
  t.throws(() => apply(3), { message: /cannot unmarshal number into/ });
  t.throws(() => apply(null), { message: /cannot unmarshal null into/ });
});

t.test('kubectl rollout undo: replace the template and the annotations, guarded by a test', async (t) => {
  const doc: JsonObject = { metadata: { annotations: { 'deployment.kubernetes.io/revision': '2' } }, spec: { template: { spec: { containers: [{ name: 'web', image: 'v2' }] } } } };
  const patched = apply(
    [
      { op: 'replace', path: '/spec/template', value: { spec: { containers: [{ name: 'web', image: 'v1' }] } } },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '2' } },
    ],
    doc,
  );
  t.same(patched.spec, { template: { spec: { containers: [{ name: 'web', image: 'v1' }] } } });
});
