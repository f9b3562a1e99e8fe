import t from 'tap';
import type { KubeObject } from '../../../../shared/api/object.js';
import { entriesOf, managerOrUserAgent, ownersOf, recordUpdate, rfc3339, sameOwner } from '../../../../hub/api/patch/managed-fields.js';
import { deployment, LATER, NOW } from './fixtures.js';

const withEntries = (obj: KubeObject, entries: unknown[]): KubeObject => ({ ...obj, metadata: { ...obj.metadata, managedFields: entries } });

t.test('rfc3339 drops the milliseconds, as metav1.Time', async (t) => {
  t.equal(rfc3339(NOW), '2026-01-02T03:04:05Z');
});

t.test('a create gives its manager every field it set, with "." on the maps it created', async (t) => {
  const created = deployment();
  const entries = recordUpdate(undefined, created, 'kubectl-create', 'apps/v1', NOW);
  t.equal(entries.length, 1);
  const [entry] = entries;
  t.match(entry, { manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: '2026-01-02T03:04:05Z', fieldsType: 'FieldsV1' });
  t.same(entry!.fieldsV1['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } });
  const spec = entry!.fieldsV1['f:spec'] as Record<string, unknown>;
  t.same(spec['f:replicas'], {});
  t.same(spec['f:selector'], { '.': {}, 'f:matchLabels': { '.': {}, 'f:app': {} } });
  t.ok((spec['f:template'] as Record<string, Record<string, unknown>>)['f:spec']!['f:containers']);
});

t.test('an update moves the fields it changed to its manager and drops removed fields from everyone', async (t) => {
  const before = withEntries(deployment(), recordUpdate(undefined, deployment(), 'creator', 'apps/v1', NOW));
  const after = deployment({ replicas: 5 });
  delete after.metadata.labels;
  const entries = recordUpdate(before, after, 'scaler', 'apps/v1', LATER);
  const owners = ownersOf(withEntries(after, entries));
  const creator = owners.find((o) => o.manager === 'creator')!;
  const scaler = owners.find((o) => o.manager === 'scaler')!;
  t.same([...scaler.fields.keys()], ['["f:spec","f:replicas"]']);
  t.equal(scaler.time, '2026-01-02T04:00:00Z');
  t.notOk(creator.fields.has('["f:spec","f:replicas"]'));
  t.notOk([...creator.fields.keys()].some((key) => key.startsWith('["f:metadata","f:labels"')), 'removed labels leave their owner');
  t.equal(creator.time, '2026-01-02T03:04:05Z');
});

t.test('an update that changes nothing adds no entry and keeps the time of an existing one', async (t) => {
  const before = withEntries(deployment(), recordUpdate(undefined, deployment(), 'creator', 'apps/v1', NOW));
  t.same(recordUpdate(before, structuredClone(before), 'bystander', 'apps/v1', LATER), before.metadata.managedFields);
  t.same(recordUpdate(before, structuredClone(before), 'creator', 'apps/v1', LATER), before.metadata.managedFields);
});

t.test('the same manager with another apiVersion is another owner; an entry that owns nothing goes', async (t) => {
  const before = withEntries(deployment(), [{ manager: 'm', operation: 'Update', apiVersion: 'apps/v1beta1', time: 'T', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }]);
  const entries = recordUpdate(before, deployment({ replicas: 3 }), 'm', 'apps/v1', LATER);
  t.same(entries.map((e) => `${e.manager} ${e.apiVersion}`), ['m apps/v1']);
});

t.test('ownersOf skips malformed entries and keeps subresources', async (t) => {
  const obj = withEntries(deployment(), [
    'nonsense',
    { manager: 1, operation: 'Update' },
    { manager: 'x', operation: 'Delete' },
    { manager: 's', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } },
    { manager: 'a', operation: 'Apply', apiVersion: 7, time: 3, fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  ]);
  const owners = ownersOf(obj);
  t.same(owners.map((o) => `${o.manager}/${o.subresource ?? ''}/${o.apiVersion}/${o.time}`), ['s/status//', 'a///']);
  t.same(entriesOf(owners).map((e) => e.manager), ['a', 's'], 'Apply entries sort before Update entries');
  t.equal(entriesOf(owners)[1]!.subresource, 'status');
});

t.test('sameOwner: an Apply is its manager name, an Update also its apiVersion and subresource', async (t) => {
  const apply = { manager: 'm', operation: 'Apply' as const, apiVersion: 'apps/v1' };
  t.ok(sameOwner(apply, { ...apply, apiVersion: 'apps/v2' }));
  t.notOk(sameOwner(apply, { ...apply, operation: 'Update' }));
  t.notOk(sameOwner({ ...apply, operation: 'Update' }, { ...apply, operation: 'Update', apiVersion: 'v2' }));
  t.notOk(sameOwner(apply, { ...apply, subresource: 'status' }));
  t.notOk(sameOwner(apply, { ...apply, manager: 'n' }));
});

t.test('entriesOf orders by operation, time, manager, then apiVersion', async (t) => {
  const owner = (manager: string, operation: 'Apply' | 'Update', time: string, apiVersion = 'v1') => ({ manager, operation, time, apiVersion, fields: new Map([['x', ['f:x']]]) });
  const order = entriesOf([owner('b', 'Update', '2'), owner('a', 'Update', '2', 'v2'), owner('a', 'Update', '2'), owner('z', 'Apply', '9'), owner('c', 'Update', '1')]);
  t.same(order.map((e) => `${e.operation} ${e.time} ${e.manager} ${e.apiVersion}`), ['Apply 9 z v1', 'Update 1 c v1', 'Update 2 a v1', 'Update 2 a v2', 'Update 2 b v1']);
});

t.test('managerOrUserAgent: the named manager, else the User-Agent before its first slash', async (t) => {
  t.equal(managerOrUserAgent('kubectl-edit', 'kubectl/v1.32.0'), 'kubectl-edit');
  t.equal(managerOrUserAgent(undefined, 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc'), 'kubectl');
  t.equal(managerOrUserAgent('', 'python\u0007-client/1'), 'python-client');
  t.equal(managerOrUserAgent(undefined, undefined), '');
  t.equal(managerOrUserAgent(undefined, 'é'.repeat(100)), 'é'.repeat(64), 'cut to 128 bytes');
});
