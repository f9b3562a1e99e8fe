import t from 'tap';
import { applyMergePatch } from '../../../../hub/api/patch/merge-patch.js';
import type { JsonObject, JsonValue } from '../../../../hub/api/patch/json-value.js';

// The examples of RFC 7386, appendix A, on a document wrapped in an object where needed.
t.test('RFC 7386 appendix A', async (t) => {
  const table: Array<[JsonObject, JsonValue, JsonObject]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    [{ a: 'b' }, {}, { a: 'b' }],
  ];
  for (const [doc, patch, want] of table) t.same(applyMergePatch(doc, patch), want, `${JSON.stringify(doc)} + ${JSON.stringify(patch)}`);
});

t.test('nulls inside a value that replaces are dropped from objects, kept in lists', async (t) => {
  t.same(applyMergePatch({ a: 1 }, { a: { b: null, c: [null, { d: null, e: 1 }] } }), { a: { c: [null, { e: 1 }] } });
});

t.test('kubectl label and annotate send merge patches of metadata', async (t) => {
  const doc: JsonObject = { metadata: { name: 'web', labels: { app: 'web', old: 'x' } } };
  t.same(applyMergePatch(doc, { metadata: { labels: { tier: 'front', old: null } } }).metadata, { name: 'web', labels: { app: 'web', tier: 'front' } });
  t.same(applyMergePatch(doc, { metadata: { annotations: { note: 'hi' } } }).metadata, { name: 'web', labels: { app: 'web', old: 'x' }, annotations: { note: 'hi' } });
  t.same(doc, { metadata: { name: 'web', labels: { app: 'web', old: 'x' } } }, 'the input is not changed');
});

t.test('a patch that is not an object is evanphx ErrBadJSONPatch (400); a list would replace the object (422)', async (t) => {
  for (const patch of [null, 'x', 1, true]) t.throws(() => applyMergePatch({}, patch), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'Invalid JSON Patch' }, JSON.stringify(patch));
  t.throws(() => applyMergePatch({}, [1]), { code: 'SKIFF_ERR_INVALID', message: /the patched object is a list/ });
});
