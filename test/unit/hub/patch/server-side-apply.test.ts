import t from 'tap';
import type { KubeObject } from '../../../../shared/api/object.js';
import { serverSideApply, type ApplyRequest } from '../../../../hub/api/patch/server-side-apply.js';
import { ownersOf, recordUpdate } from '../../../../hub/api/patch/managed-fields.js';
import { pathText } from '../../../../hub/api/patch/field-set.js';
import type { JsonObject } from '../../../../hub/api/patch/json-value.js';
import { deployment, LATER, NOW } from './fixtures.js';

type Spec = { replicas?: number; template: { spec: { containers: Array<{ name: string; image?: string }> } } };
const spec = (obj: KubeObject) => obj.spec as Spec;

/** The configuration `kubectl apply --server-side` would send for a small Deployment. */
function config(overrides: { replicas?: number; image?: string; labels?: Record<string, string>; containers?: JsonObject[] } = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: overrides.labels ?? { app: 'web' } },
    spec: {
      ...(overrides.replicas !== undefined ? { replicas: overrides.replicas } : {}),
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: overrides.containers ?? [{ name: 'web', image: overrides.image ?? 'skiff-test/web:1' }] } },
    },
  };
}

function apply(live: KubeObject | undefined, applied: JsonObject, overrides: Partial<ApplyRequest> = {}): KubeObject {
  return serverSideApply({ live, applied, manager: 'me', apiVersion: 'apps/v1', force: false, now: NOW, ...overrides });
}

const fieldsOfOwner = (obj: KubeObject, manager: string) =>
  [...(ownersOf(obj).find((o) => o.manager === manager)?.fields.values() ?? [])].map(pathText).sort();

/** A live Deployment that `kubectl create` (or client-side apply) wrote, so it owns every field. */
function createdBy(manager: string, obj = deployment()): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, managedFields: recordUpdate(undefined, obj, manager, 'apps/v1', NOW) } };
}

t.test('an apply to nothing creates the object and records what the manager applied', async (t) => {
  const created = apply(undefined, config({ replicas: 3 }));
  t.equal(spec(created).replicas, 3);
  t.same(created.metadata.managedFields, [
    {
      manager: 'me',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2026-01-02T03:04:05Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': { 'f:matchLabels': { 'f:app': {} } },
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
    },
  ]);
});

t.test('applying the same configuration again changes nothing, not even the time', async (t) => {
  const first = apply(undefined, config({ replicas: 3 }));
  const again = apply(first, config({ replicas: 3 }), { now: LATER });
  t.same(again, first);
});

t.test('a changed value is written and the time moves', async (t) => {
  const first = apply(undefined, config({ replicas: 3 }));
  const second = apply(first, config({ replicas: 4 }), { now: LATER });
  t.equal(spec(second).replicas, 4);
  t.equal((second.metadata.managedFields![0] as { time: string }).time, '2026-01-02T04:00:00Z');
});

t.test('fields applied last time and left out now are removed; fields nobody applied stay', async (t) => {
  const first = apply(undefined, config({ replicas: 3, labels: { app: 'web', tier: 'front' }, containers: [{ name: 'web', image: 'a' }, { name: 'log', image: 'b' }] }));
  const withStatus = { ...first, status: { replicas: 3 }, metadata: { ...first.metadata, uid: 'u-1' } };
  const second = apply(withStatus, config({ containers: [{ name: 'web', image: 'a' }] }), { now: LATER });
  t.equal(spec(second).replicas, undefined, 'replicas left the configuration');
  t.same(second.metadata.labels, { app: 'web' });
  t.same(spec(second).template.spec.containers, [{ name: 'web', image: 'a' }], 'a whole list item goes');
  t.same(second.status, { replicas: 3 });
  t.equal(second.metadata.uid, 'u-1');
});

t.test('a field another manager owns with another value is a 409 naming it, in Kubernetes words', async (t) => {
  const live = createdBy('kubectl-client-side-apply');
  t.throws(() => apply(live, config({ replicas: 3 })), {
    name: 'SkiffError',
    code: 'SKIFF_ERR_CONFLICT',
    message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    details: [{ path: '.spec.replicas', message: 'conflict with "kubectl-client-side-apply" using apps/v1' }],
  });
});

t.test('several conflicts are listed by manager', async (t) => {
  const live = createdBy('kubectl-client-side-apply');
  t.throws(() => apply(live, config({ replicas: 3, image: 'x:2' })), {
    code: 'SKIFF_ERR_CONFLICT',
    message:
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n' +
      '- .spec.replicas\n' +
      '- .spec.template.spec.containers[name="web"].image',
  });
  const byTwo = apply(apply(undefined, config({ replicas: 2 }), { manager: 'first' }), config({ replicas: 2, image: 'x:2' }), { manager: 'second', force: true });
  const withStatus = { ...byTwo, metadata: { ...byTwo.metadata, managedFields: [...byTwo.metadata.managedFields!, { manager: 'kubelet', operation: 'Update', apiVersion: 'apps/v1', subresource: 'status', time: 'T', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }] } };
  t.throws(() => apply(withStatus, config({ replicas: 5, image: 'y:3' })), {
    message:
      'Apply failed with 4 conflicts: conflicts with "first":\n- .spec.replicas\n' +
      'conflicts with "kubelet" with subresource "status" using apps/v1:\n- .spec.replicas\n' +
      'conflicts with "second":\n- .spec.replicas\n- .spec.template.spec.containers[name="web"].image',
  });
});

t.test('the same value is no conflict: both managers own the field', async (t) => {
  const live = createdBy('kubectl-client-side-apply');
  const applied = apply(live, config({ replicas: 2 }));
  t.ok(fieldsOfOwner(applied, 'me').includes('.spec.replicas'));
  t.ok(fieldsOfOwner(applied, 'kubectl-client-side-apply').includes('.spec.replicas'));
});

t.test('force takes a conflicting field over', async (t) => {
  const live = createdBy('kubectl-client-side-apply');
  const applied = apply(live, config({ replicas: 3 }), { force: true });
  t.equal(spec(applied).replicas, 3);
  t.ok(fieldsOfOwner(applied, 'me').includes('.spec.replicas'));
  t.notOk(fieldsOfOwner(applied, 'kubectl-client-side-apply').includes('.spec.replicas'));
});

t.test('a field another manager also owns is not removed when this manager lets go of it', async (t) => {
  const mine = apply(undefined, config({ labels: { app: 'web', shared: 'yes' } }));
  const both = apply(mine, config({ labels: { shared: 'yes' } }), { manager: 'other' });
  const dropped = apply(both, config({ labels: { app: 'web' } }), { now: LATER });
  t.same(dropped.metadata.labels, { app: 'web', shared: 'yes' });
  t.same(fieldsOfOwner(dropped, 'other'), ['.metadata.labels.shared', '.spec.selector.matchLabels.app', '.spec.template.metadata.labels.app', '.spec.template.spec.containers[name="web"]', '.spec.template.spec.containers[name="web"].image', '.spec.template.spec.containers[name="web"].name']);
});

t.test('keyed list items of other managers stay; set lists merge as sets', async (t) => {
  const live = createdBy('creator');
  const applied = apply(live, { ...config({ image: 'skiff-test/web:1' }), metadata: { name: 'web', finalizers: ['x'] } });
  t.same(spec(applied).template.spec.containers.map((c) => c.name), ['web', 'sidecar']);
  const withFinalizers = apply(applied, { ...config(), metadata: { name: 'web', finalizers: ['y'] } }, { manager: 'other' });
  t.same(withFinalizers.metadata.finalizers, ['x', 'y']);
});

t.test('nulls in the configuration are not fields; an apiVersion change moves the time', async (t) => {
  const created = apply(undefined, { ...config(), status: null, spec: { ...(config().spec as JsonObject), paused: null } });
  t.notOk('status' in created);
  t.notOk('paused' in (created.spec as JsonObject));
  const moved = apply(created, config(), { apiVersion: 'apps/v2', now: LATER });
  t.match(moved.metadata.managedFields![0], { apiVersion: 'apps/v2', time: '2026-01-02T04:00:00Z' });
});

t.test('a list without a strategy is replaced and owned whole', async (t) => {
  const created = apply(undefined, { ...config(), spec: { ...(config().spec as JsonObject), template: { spec: { containers: [{ name: 'web', args: ['a', 'b'] }], tolerations: [{ key: 'k' }] } } } });
  t.ok(fieldsOfOwner(created, 'me').includes('.spec.template.spec.tolerations'));
  const replaced = apply(created, { ...config(), spec: { ...(config().spec as JsonObject), template: { spec: { containers: [{ name: 'web', args: ['c'] }], tolerations: [{ key: 'j' }] } } } });
  t.same((replaced.spec as { template: { spec: JsonObject } }).template.spec.tolerations, [{ key: 'j' }]);
});

t.test('ownership of a field that no longer exists is dropped, and an owner left with nothing goes', async (t) => {
  const live = { ...deployment(), metadata: { ...deployment().metadata, managedFields: [{ manager: 'stale', operation: 'Update', apiVersion: 'apps/v1', time: 'T', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:paused': {} } } }] } };
  const applied = apply(live, config({ replicas: 2 }));
  t.same(applied.metadata.managedFields!.map((entry) => (entry as { manager: string }).manager), ['me']);
});
