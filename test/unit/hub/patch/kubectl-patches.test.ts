/**
 * The exact bodies kubectl v1.32 sent for common commands, captured from a stub API server
 * (`kubectl --server=http://127.0.0.1:PORT ...` logging each PATCH), applied to the object they
 * were computed against.
 */
import t from 'tap';
import type { KubeObject } from '../../../../shared/api/object.js';
import { applyPatch, type PatchRequest } from '../../../../hub/api/patch/patch.js';
import { NOW } from './fixtures.js';

interface Container {
  name: string;
  image: string;
  env?: Array<{ name: string; value: string }>;
}
interface DeploymentSpec {
  replicas: number;
  strategy: unknown;
  template: { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { containers: Container[] } };
}

const LIVE: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '5' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { rollingUpdate: { maxSurge: 1 }, type: 'RollingUpdate' },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], image: 'skiff-test/web:1', name: 'web' },
          { image: 'busybox', name: 'log' },
        ],
      },
    },
  },
};

const APPS = { group: 'apps', version: 'v1', kind: 'Deployment' };

function patch(type: PatchRequest['type'], body: unknown, live: KubeObject = LIVE, target = APPS): KubeObject {
  return applyPatch({ type, body: JSON.stringify(body), live, target, fieldManager: undefined, force: false, now: NOW });
}

const specOf = (obj: KubeObject) => obj.spec as DeploymentSpec;

t.test('kubectl apply -f of a changed Deployment (replicas, strategy, image, an env var and a container gone)', async (t) => {
  const lastApplied = '{"apiVersion":"apps/v1","kind":"Deployment"}\n';
  const body = {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
    spec: {
      replicas: 3,
      strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'web' }],
          containers: [
            { '$setElementOrder/env': [{ name: 'A' }], env: [{ $patch: 'delete', name: 'B' }], image: 'skiff-test/web:2', name: 'web' },
            { $patch: 'delete', name: 'log' },
          ],
        },
      },
    },
  };
  const result = patch('strategic', body);
  t.same(result.metadata.annotations, { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied });
  t.equal(specOf(result).replicas, 3);
  t.same(specOf(result).strategy, { type: 'Recreate' });
  t.same(specOf(result).template.spec.containers, [{ env: [{ name: 'A', value: '1' }], image: 'skiff-test/web:2', name: 'web' }]);
});

t.test('kubectl set image', async (t) => {
  const body = { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'log' }], containers: [{ image: 'skiff-test/web:3', name: 'web' }] } } } };
  t.same(specOf(patch('strategic', body)).template.spec.containers.map((c) => `${c.name}=${c.image}`), ['web=skiff-test/web:3', 'log=busybox']);
});

t.test('kubectl set env adds a variable to every container, in the order kubectl gives', async (t) => {
  const body = {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'web' }, { name: 'log' }],
          containers: [
            { '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }, { name: 'C' }], env: [{ name: 'C', value: '3' }], name: 'web' },
            { env: [{ name: 'C', value: '3' }], name: 'log' },
          ],
        },
      },
    },
  };
  const containers = specOf(patch('strategic', body)).template.spec.containers;
  t.same(containers.map((c) => c.env?.map((e) => e.name)), [['A', 'B', 'C'], ['C']]);
});

t.test('kubectl patch (default strategic) and rollout restart', async (t) => {
  t.equal(specOf(patch('strategic', { spec: { replicas: 4 } })).replicas, 4);
  const restarted = patch('strategic', { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-06T00:44:27Z' } } } } });
  t.same(specOf(restarted).template.metadata, { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-06T00:44:27Z' } });
});

t.test('kubectl label and annotate (merge patches)', async (t) => {
  t.same(patch('merge', { metadata: { labels: { tier: 'front' } } }).metadata.labels, { tier: 'front' });
  t.same(patch('merge', { metadata: { annotations: { note: 'x' } } }).metadata.annotations, { note: 'x' });
  t.same(patch('merge', { metadata: { labels: {} } }).metadata, { ...LIVE.metadata, labels: {} }, 'removing a label that is not there (kubectl label app-)');
});

t.test('kubectl patch --type json with a test', async (t) => {
  t.same(patch('json', [{ op: 'test', path: '/spec/replicas', value: 2 }]), LIVE);
  t.throws(() => patch('json', [{ op: 'test', path: '/spec/replicas', value: 9 }]), { code: 'SKIFF_ERR_INVALID', message: 'testing value /spec/replicas failed: test failed' });
});

t.test('kubectl cordon and taint on a Node (taints are atomic: kubectl sends the whole list)', async (t) => {
  const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u2', labels: { a: 'b' } }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } };
  const core = { group: '', version: 'v1', kind: 'Node' };
  t.same(patch('strategic', { spec: { unschedulable: true } }, node, core).spec, { taints: [{ key: 'k', effect: 'NoSchedule' }], unschedulable: true });
  const taints = [{ effect: 'NoExecute', key: 'x', value: 'y' }, { effect: 'NoSchedule', key: 'k' }];
  t.same((patch('strategic', { spec: { taints } }, node, core).spec as { taints: unknown }).taints, taints);
});
