import t from 'tap';
import { applyDefaults } from '../../../hub/api/defaults.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { validateObject } from '../../../shared/api/validate.js';
import type { KubeObject } from '../../../shared/api/object.js';

function daemonSet(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'skiff-test/web:1' }] } },
      ...spec,
    },
  };
}

t.test('DaemonSet is served as apps/v1 daemonsets, short name ds', async (t) => {
  const rt = resolveResource('ds');
  t.same(rt && { group: rt.group, version: rt.version, kind: rt.kind, plural: rt.plural, namespaced: rt.namespaced }, {
    group: 'apps',
    version: 'v1',
    kind: 'DaemonSet',
    plural: 'daemonsets',
    namespaced: true,
  });
  t.equal(resolveResource('daemonsets.apps'), rt);
});

t.test('defaults: RollingUpdate with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10, template defaulted', async (t) => {
  const spec = applyDefaults(daemonSet()).spec as Record<string, any>;
  t.same(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  t.equal(spec.revisionHistoryLimit, 10);
  t.equal(spec.template.spec.restartPolicy, 'Always');
  t.equal(spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
});

t.test('defaults keep what is set, and OnDelete gets no rollingUpdate', async (t) => {
  const custom = applyDefaults(daemonSet({ updateStrategy: { rollingUpdate: { maxUnavailable: '50%' } }, revisionHistoryLimit: 2 })).spec as Record<string, any>;
  t.same(custom.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%', maxSurge: 0 } });
  t.equal(custom.revisionHistoryLimit, 2);
  const onDelete = applyDefaults(daemonSet({ updateStrategy: { type: 'OnDelete' } })).spec as Record<string, any>;
  t.same(onDelete.updateStrategy, { type: 'OnDelete' });
});

t.test('validation: schema and the selector/template rules of workloads', async (t) => {
  t.ok(validateObject(daemonSet()).ok);
  const mismatch = validateObject(daemonSet({ selector: { matchLabels: { app: 'other' } } }));
  t.same(!mismatch.ok && mismatch.errors.map((e) => e.path), ['spec.template.metadata.labels']);
  const empty = validateObject(daemonSet({ selector: {} }));
  t.same(!empty.ok && empty.errors.map((e) => e.path), ['spec.selector']);
  const badStrategy = validateObject(daemonSet({ updateStrategy: { type: 'Recreate' } }));
  t.same(!badStrategy.ok && badStrategy.errors.map((e) => e.path), ['spec.updateStrategy.type']);
  const replicas = validateObject(daemonSet({ replicas: 3 }));
  t.same(!replicas.ok && replicas.errors, [{ path: 'spec.replicas', message: 'unknown field (not supported by Skiff)' }]);
});

t.test('validation: exactly one of maxSurge and maxUnavailable is non-zero, as defaulting leaves them', async (t) => {
  const errors = (rollingUpdate: Record<string, unknown> | undefined, type?: string) => {
    const result = validateObject(daemonSet({ updateStrategy: { ...(type ? { type } : {}), ...(rollingUpdate ? { rollingUpdate } : {}) } }));
    return result.ok ? [] : result.errors;
  };
  t.same(errors({ maxSurge: 1, maxUnavailable: 0 }), []);
  t.same(errors({ maxSurge: '25%', maxUnavailable: '0%' }), []);
  t.same(errors({ maxUnavailable: 2 }), []);
  t.same(errors(undefined), [], 'the defaults (1 unavailable, no surge) are valid');
  t.same(errors({ maxSurge: 1 }), [{ path: 'spec.updateStrategy.rollingUpdate.maxSurge', message: 'Invalid value: 1: may not be set when maxUnavailable is non-zero' }], 'maxUnavailable defaults to 1');
  t.same(errors({ maxSurge: '10%', maxUnavailable: '10%' }), [{ path: 'spec.updateStrategy.rollingUpdate.maxSurge', message: 'Invalid value: 10%: may not be set when maxUnavailable is non-zero' }]);
  t.same(errors({ maxUnavailable: 0 }), [{ path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'Required value: cannot be 0 when maxSurge is 0' }]);
  t.same(errors({ maxUnavailable: '0%', maxSurge: 0 }), [{ path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'Required value: cannot be 0 when maxSurge is 0' }]);
  t.same(errors({ maxUnavailable: 0, maxSurge: '150%' }), [{ path: 'spec.updateStrategy.rollingUpdate.maxSurge', message: 'Invalid value: 150%: must not be greater than 100%' }]);
  t.same(errors({ maxUnavailable: 0, maxSurge: 0 }, 'OnDelete'), [], 'OnDelete ignores rollingUpdate');
});
