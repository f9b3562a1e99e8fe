import t from 'tap';
import { LAST_APPLIED_ANNOTATION, decideApply, normalizeManifest, threeWayMerge } from '../../../hub/cli/apply-plan.js';
import { canonicalJson } from '../../../shared/canonical-json.js';
import { RESOURCES } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';

const deployments = RESOURCES.find((r) => r.kind === 'Deployment')!;
const namespaces = RESOURCES.find((r) => r.kind === 'Namespace')!;

function manifest(replicas = 2, labels?: Record<string, string>, annotations?: Record<string, string>): KubeObject {
  return normalizeManifest(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
      spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    },
    deployments,
    'default',
  );
}

/** What the hub would hold after `body` was stored. */
function stored(body: KubeObject, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { ...structuredClone(body), metadata: { ...body.metadata, uid: 'u1', resourceVersion: '7', creationTimestamp: '2024-01-01T00:00:00Z', ...extra }, status: { replicas: 2 } };
}

t.test('the namespace is the document’s, else the default; cluster-scoped kinds get none', async (t) => {
  t.equal(manifest().metadata.namespace, 'default');
  const own = normalizeManifest({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'edge' } }, deployments, 'other');
  t.equal(own.metadata.namespace, 'edge');
  const ns = normalizeManifest({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge', namespace: 'oops' } }, namespaces, 'default');
  t.equal(ns.metadata.namespace, undefined);
});

t.test('apply decides created, unchanged or configured', async (t) => {
  const first = decideApply(manifest(), undefined);
  t.equal(first.action, 'create', 'nothing live: create');
  if (first.action !== 'create') return;
  t.same(JSON.parse(first.body.metadata.annotations![LAST_APPLIED_ANNOTATION]!), manifest(), 'the annotation holds the manifest as applied');
  t.ok(first.body.metadata.annotations![LAST_APPLIED_ANNOTATION]!.endsWith('\n'), 'with a trailing newline, as kubectl writes it');

  const live = stored(first.body);
  t.same(decideApply(manifest(), live), { action: 'unchanged' }, 'same manifest again: unchanged');

  const changed = decideApply(manifest(3), live);
  t.equal(changed.action, 'configure', 'a changed field: configure');
  if (changed.action !== 'configure') return;
  t.equal(changed.body.metadata.resourceVersion, '7', 'the PUT carries the resourceVersion just read');
  t.same((changed.body.spec as { replicas: number }).replicas, 3);
  t.same(JSON.parse(changed.body.metadata.annotations![LAST_APPLIED_ANNOTATION]!), manifest(3));
});

t.test('key order never turns an unchanged manifest into a change', async (t) => {
  const body = (decideApply(manifest(), undefined) as { body: KubeObject }).body;
  const reordered = JSON.parse(JSON.stringify(manifest()), (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
  ) as KubeObject;
  t.same(decideApply(reordered, stored(body)), { action: 'unchanged' });
  t.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
});

t.test('objects created without apply are configured, keeping server annotations', async (t) => {
  const live = stored(manifest(), { annotations: { 'deployment.kubernetes.io/revision': '3' } });
  const decision = decideApply(manifest(), live);
  t.equal(decision.action, 'configure');
  if (decision.action !== 'configure') return;
  t.equal(decision.body.metadata.annotations!['deployment.kubernetes.io/revision'], '3');
  t.ok(decision.body.metadata.annotations![LAST_APPLIED_ANNOTATION]);
});

t.test('labels and annotations merge three ways: drop only what the last apply owned', async (t) => {
  const firstBody = (decideApply(manifest(2, { app: 'web', tier: 'front' }), undefined) as { body: KubeObject }).body;
  const live = stored(firstBody, { labels: { app: 'web', tier: 'front', 'added-by': 'someone' } });
  const decision = decideApply(manifest(2, { app: 'web' }), live);
  if (decision.action !== 'configure') return t.fail('expected configure');
  t.same(decision.body.metadata.labels, { app: 'web', 'added-by': 'someone' });
  t.same(threeWayMerge({ a: '1', b: '2', c: '3' }, { a: '1', b: '2' }, { a: '9' }), { a: '9', c: '3' });
  t.equal(threeWayMerge(undefined, { a: '1' }, undefined), undefined);
});

t.test('a manifest saved from get -o yaml does not nest its old last-applied annotation', async (t) => {
  const saved = manifest(2, undefined, { [LAST_APPLIED_ANNOTATION]: '{"old":true}\n', owner: 'ops' });
  t.same(saved.metadata.annotations, { owner: 'ops' });
  const created = decideApply(saved, undefined);
  if (created.action !== 'create') return t.fail('expected create');
  t.notMatch(created.body.metadata.annotations![LAST_APPLIED_ANNOTATION]!, /old/);
});

t.test('a stale resourceVersion in the manifest is not sent on create', async (t) => {
  const m = manifest();
  m.metadata.resourceVersion = '42';
  const decision = decideApply(m, undefined);
  if (decision.action !== 'create') return t.fail('expected create');
  t.equal(decision.body.metadata.resourceVersion, undefined);
});
