import t from 'tap';
import { deploymentCells, deploymentColumns } from '../../../hub/printers/deployment.js';
import { replicaSetCells, replicaSetColumns } from '../../../hub/printers/replica-set.js';
import { formatLabelSelector, selectorString } from '../../../hub/printers/template-cells.js';
import type { Deployment, ReplicaSet } from '../../../shared/api/schema/workloads.js';
import { NOW, ago } from './fixtures/objects.js';

const template = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.27' },
      { name: 'sidecar', image: 'busybox' },
    ],
  },
};

t.test('deployment columns: NAME READY UP-TO-DATE AVAILABLE AGE, wide CONTAINERS IMAGES SELECTOR', async (t) => {
  t.same(
    deploymentColumns.map((c) => [c.name.toUpperCase(), c.priority]),
    [
      ['NAME', 0],
      ['READY', 0],
      ['UP-TO-DATE', 0],
      ['AVAILABLE', 0],
      ['AGE', 0],
      ['CONTAINERS', 1],
      ['IMAGES', 1],
      ['SELECTOR', 1],
    ],
  );
});

t.test('deployment cells read replicas from spec and status', async (t) => {
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', creationTimestamp: ago(2 * 86400) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', tier: 'front' } }, template },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  t.same(deploymentCells(d, NOW), ['web', '2/3', 3, 2, '2d', 'nginx,sidecar', 'nginx:1.27,busybox', 'app=web,tier=front']);
});

t.test('a new deployment without status defaults to 1 desired replica and zeros', async (t) => {
  const d: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', creationTimestamp: ago(5) }, spec: { selector: { matchLabels: { app: 'web' } }, template } };
  t.same(deploymentCells(d, NOW).slice(0, 5), ['web', '0/1', 0, 0, '5s']);
});

t.test('replicaset columns and cells: DESIRED CURRENT READY', async (t) => {
  t.same(replicaSetColumns.filter((c) => c.priority === 0).map((c) => c.name.toUpperCase()), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-5d4f', creationTimestamp: ago(90) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f' } }, template },
    status: { replicas: 3, readyReplicas: 1 },
  };
  t.same(replicaSetCells(rs, NOW), ['web-5d4f', 3, 3, 1, '90s', 'nginx,sidecar', 'nginx:1.27,busybox', 'app=web,pod-template-hash=5d4f']);
});

t.test('selectors print as Kubernetes prints them: sorted by key, set values sorted', async (t) => {
  const cases: Array<[Parameters<typeof selectorString>[0], string]> = [
    [{ matchLabels: { b: '2', a: '1' } }, 'a=1,b=2'],
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] }, 'env in (dev,prod)'],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['x'] }] }, 'env notin (x)'],
    [
      {
        matchLabels: { zone: 'a' },
        matchExpressions: [
          { key: 'gpu', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      },
      'gpu,!legacy,zone=a',
    ],
    [{}, ''],
    [undefined, ''],
  ];
  for (const [selector, text] of cases) t.equal(selectorString(selector), text, text || 'empty');
  t.equal(formatLabelSelector({}), '<none>');
});
