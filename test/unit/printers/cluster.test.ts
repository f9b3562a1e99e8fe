import t from 'tap';
import { namespaceCells } from '../../../hub/printers/namespace.js';
import { nodeCells, nodeColumns, nodeRoles, nodeStatus } from '../../../hub/printers/node.js';
import type { Namespace, Node } from '../../../shared/api/schema/cluster.js';
import type { NodeCondition } from '../../../shared/api/status-types.js';
import { NOW, ago } from './fixtures/objects.js';

function node(ready: NodeCondition['status'] | undefined, extra: { unschedulable?: boolean; labels?: Record<string, string> } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'pi-1', creationTimestamp: ago(3 * 86400), ...(extra.labels ? { labels: extra.labels } : {}) },
    ...(extra.unschedulable ? { spec: { unschedulable: true } } : {}),
    status: {
      conditions: ready === undefined ? [] : [{ type: 'Ready', status: ready }],
      addresses: [
        { type: 'Hostname', address: 'pi-1' },
        { type: 'InternalIP', address: '192.168.1.20' },
      ],
      nodeInfo: {
        architecture: 'arm64',
        operatingSystem: 'linux',
        kernelVersion: '6.6.31-v8+',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'docker://27.3.1',
        kubeletVersion: 'v1.32.0-skiff.0.1.0',
      },
    },
  };
}

t.test('node STATUS comes from the Ready condition, plus SchedulingDisabled when cordoned', async (t) => {
  const cases: Array<[Node, string]> = [
    [node('True'), 'Ready'],
    [node('False'), 'NotReady'],
    // a node that stopped sending heartbeats has Ready=Unknown, which kubectl prints as NotReady
    [node('Unknown'), 'NotReady'],
    [node(undefined), 'Unknown'],
    [node('True', { unschedulable: true }), 'Ready,SchedulingDisabled'],
    [node('False', { unschedulable: true }), 'NotReady,SchedulingDisabled'],
  ];
  for (const [n, status] of cases) t.equal(nodeStatus(n), status, status);
});

t.test('node ROLES come from node-role.kubernetes.io/* and kubernetes.io/role labels, sorted', async (t) => {
  t.equal(nodeRoles(node('True')), '<none>');
  t.equal(nodeRoles(node('True', { labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/edge': 'true' } })), 'edge,worker');
  t.equal(nodeRoles(node('True', { labels: { 'kubernetes.io/role': 'gateway', 'node-role.kubernetes.io/': '' } })), 'gateway');
});

t.test('node cells, wide ones included', async (t) => {
  t.same(nodeColumns.map((c) => c.name.toUpperCase()), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
  t.same(nodeCells(node('True'), NOW), [
    'pi-1',
    'Ready',
    '<none>',
    '3d',
    'v1.32.0-skiff.0.1.0',
    '192.168.1.20',
    '<none>',
    'Debian GNU/Linux 12 (bookworm)',
    '6.6.31-v8+',
    'docker://27.3.1',
  ]);
  const bare: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'new' } };
  t.same(nodeCells(bare, NOW), ['new', 'Unknown', '<none>', '<unknown>', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
});

t.test('namespace cells: NAME STATUS AGE', async (t) => {
  const ns = (status?: unknown, deletionTimestamp?: string): Namespace => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'edge', creationTimestamp: ago(7200), ...(deletionTimestamp ? { deletionTimestamp } : {}) },
    ...(status ? { status } : {}),
  });
  t.same(namespaceCells(ns({ phase: 'Active' }), NOW), ['edge', 'Active', '120m']);
  t.same(namespaceCells(ns({ phase: 'Terminating' }), NOW), ['edge', 'Terminating', '120m']);
  t.same(namespaceCells(ns(), NOW), ['edge', 'Active', '120m'], 'no phase yet reads as Active');
  t.same(namespaceCells(ns(undefined, ago(1)), NOW), ['edge', 'Terminating', '120m']);
});
