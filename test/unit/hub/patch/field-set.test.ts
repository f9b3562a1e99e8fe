import t from 'tap';
import { decodeFieldsV1, encodeFieldsV1, fieldSet, fieldsOf, pathText, removeAt, valueAt } from '../../../../hub/api/patch/field-set.js';
import type { JsonObject } from '../../../../hub/api/patch/json-value.js';

const DEPLOYMENT: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'u', labels: { app: 'web' }, finalizers: ['f'] },
  spec: {
    replicas: 2,
    strategy: {},
    template: { spec: { containers: [{ name: 'web', image: 'x', args: ['a'], ports: [{ containerPort: 80 }] }] } },
  },
  status: { replicas: 2 },
};

const texts = (set: ReturnType<typeof fieldsOf>) => [...set.values()].map(pathText).sort();

t.test('fieldsOf lists what an applied object sets, as ToFieldSet: leaves, atomic lists, items, set values', async (t) => {
  t.same(texts(fieldsOf(DEPLOYMENT, 'Deployment')), [
    '.metadata.finalizers[="f"]',
    '.metadata.labels.app',
    '.spec.replicas',
    '.spec.strategy',
    '.spec.template.spec.containers[name="web"]',
    '.spec.template.spec.containers[name="web"].args',
    '.spec.template.spec.containers[name="web"].image',
    '.spec.template.spec.containers[name="web"].name',
    '.spec.template.spec.containers[name="web"].ports[containerPort=80]',
    '.spec.template.spec.containers[name="web"].ports[containerPort=80].containerPort',
  ]);
});

t.test('fieldsOf with maps also lists every map that is not always there (for diffs)', async (t) => {
  const paths = texts(fieldsOf(DEPLOYMENT, 'Deployment', true));
  t.ok(paths.includes('.metadata.labels'));
  t.notOk(paths.includes('.metadata'));
  t.notOk(paths.includes('.spec'));
  t.notOk(paths.includes('.spec.template.spec'));
});

t.test('a list item without its key is addressed by index; nulls are not fields', async (t) => {
  const pod: JsonObject = { kind: 'Pod', spec: { containers: [{ image: 'x' }], nodeName: null } };
  t.same(texts(fieldsOf(pod, 'Pod')), ['.spec.containers[0]', '.spec.containers[0].image']);
});

t.test('fieldsV1 nests the tokens, with "." where an owned node has owned children, and decodes back', async (t) => {
  const set = fieldsOf(DEPLOYMENT, 'Deployment');
  const encoded = encodeFieldsV1(set);
  t.same(encoded, {
    'f:metadata': { 'f:finalizers': { 'v:"f"': {} }, 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:strategy': {},
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': {
              '.': {},
              'f:args': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { 'k:{"containerPort":80}': { '.': {}, 'f:containerPort': {} } },
            },
          },
        },
      },
    },
  });
  t.same(texts(decodeFieldsV1(encoded)), texts(set));
  t.same(decodeFieldsV1('nonsense').size, 0);
  t.same(texts(decodeFieldsV1({ 'f:a': { 'f:b': 'x', 'f:c': {} } })), ['.a.c']);
});

t.test('valueAt follows every token kind and removeAt deletes what it finds', async (t) => {
  const doc = structuredClone(DEPLOYMENT);
  const image = ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'];
  t.equal(valueAt(doc, image), 'x');
  t.equal(valueAt(doc, ['f:metadata', 'f:finalizers', 'v:"f"']), 'f');
  t.equal(valueAt(doc, ['f:spec', 'f:template', 'f:spec', 'f:containers', 'i:0', 'f:name']), 'web');
  t.equal(valueAt(doc, ['f:spec', 'f:template', 'f:spec', 'f:containers', 'i:3']), undefined);
  t.equal(valueAt(doc, ['f:spec', 'f:nope', 'f:deeper']), undefined);
  t.equal(valueAt(doc, ['f:spec', 'k:{"a":1}']), undefined, 'a key into a map');
  removeAt(doc, image);
  t.equal(valueAt(doc, image), undefined);
  removeAt(doc, ['f:metadata', 'f:finalizers', 'v:"f"']);
  t.same((doc.metadata as JsonObject).finalizers, []);
  removeAt(doc, ['f:nope', 'f:x']);
  removeAt(doc, ['f:spec', 'f:replicas', 'f:x']);
  removeAt(doc, ['f:metadata', 'f:missing']);
  t.equal(valueAt(doc, ['f:spec', 'f:replicas']), 2);
});

t.test('pathText prints paths as structured-merge-diff does in conflicts', async (t) => {
  t.equal(pathText(['f:spec', 'f:replicas']), '.spec.replicas');
  t.equal(pathText(['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image']), '.spec.containers[name="web"].image');
  t.equal(pathText(['f:metadata', 'f:finalizers', 'v:"x"']), '.metadata.finalizers[="x"]');
  t.equal(pathText(['f:a', 'i:2']), '.a[2]');
  t.equal(fieldSet([['f:a'], ['f:a']]).size, 1);
});
