/**
 * cordon, uncordon, label, taint and drain against a stub hub: what they write, what they print,
 * and kubectl's errors. The command lines run through the CLI's own entry function in this
 * process (a Node start-up per call was most of the file's time); the last subtest runs the built
 * executable as a user does, and checks it prints and exits the same way.
 */
import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import { requireBuild } from './fixtures/build-check.js';
import { startFakeHub, type FakeHub } from './fixtures/fake-hub.js';
import { runCli } from './fixtures/run-cli.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';

interface NodeView {
  metadata: KubeObject['metadata'];
  spec?: { unschedulable?: boolean; taints?: Array<{ key: string; value?: string; effect: string; timeAdded?: string }> };
}

function seedNode(hub: FakeHub, name: string, spec: NodeView['spec'] = {}): void {
  hub.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec });
}

function seedPod(hub: FakeHub, name: string, node: string, ownerKind?: string): void {
  hub.seed({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(ownerKind ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: ownerKind, name: 'owner', uid: 'owner-uid', controller: true }] } : {}) },
    spec: { nodeName: node, containers: [{ name: 'web', image: 'web:1' }] },
  });
}

if (requireBuild(t)) {
  async function withHub(t: { teardown(fn: () => unknown): void }) {
    const hub = await startFakeHub();
    t.teardown(() => hub.close());
    return {
      hub,
      cli: (args: string[]) => runCliInProcess(args, { config: hub.configFile }),
      node: (name: string) => hub.find('Node', name) as unknown as NodeView,
      writes: () => hub.requests.filter((r) => r.method === 'PUT' || r.method === 'DELETE' || r.method === 'POST').length,
    };
  }

  t.test('cordon and uncordon', async (t) => {
    const { hub, cli, node, writes } = await withHub(t);
    seedNode(hub, 'n1');
    hub.conflictPuts = 1;
    t.same(await cli(['cordon', 'n1']), { code: 0, stdout: 'node/n1 cordoned\n', stderr: '' });
    t.equal(node('n1').spec?.unschedulable, true);
    const before = writes();
    t.same(await cli(['cordon', 'node/n1']), { code: 0, stdout: 'node/n1 already cordoned\n', stderr: '' });
    t.equal(writes(), before, 'nothing to change: no PUT');
    t.same(await cli(['uncordon', 'n1']), { code: 0, stdout: 'node/n1 uncordoned\n', stderr: '' });
    t.notOk('unschedulable' in (node('n1').spec ?? {}), 'the field is removed, as kubectl\'s patch does');
    t.same(await cli(['uncordon', 'n1']), { code: 0, stdout: 'node/n1 already uncordoned\n', stderr: '' });
    t.same(await cli(['cordon', 'nope']), { code: 1, stdout: '', stderr: 'Error from server (NotFound): nodes "nope" not found\n' });
    t.same(await cli(['cordon']), { code: 1, stdout: '', stderr: 'error: USAGE: cordon NODE [flags]\n' });
    t.same(await cli(['cordon', 'pod/x']), { code: 1, stdout: '', stderr: 'error: expected resource of type node, got "pod"\n' });
  });

  t.test('label nodes and other types', async (t) => {
    const { hub, cli, node, writes } = await withHub(t);
    seedNode(hub, 'n1');
    hub.seed({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec: {} });
    t.same(await cli(['label', 'node', 'n1', 'tier=edge', 'zone=a']), { code: 0, stdout: 'node/n1 labeled\n', stderr: '' });
    t.same(node('n1').metadata.labels, { 'kubernetes.io/hostname': 'n1', tier: 'edge', zone: 'a' });
    const clash = await cli(['label', 'nodes', 'n1', 'tier=core', 'zone-']);
    t.same(clash, { code: 1, stdout: '', stderr: "error: 'tier' already has a value (edge), and --overwrite is false\n" });
    t.equal(node('n1').metadata.labels?.zone, 'a', 'nothing half-applied');
    t.same(await cli(['label', 'node/n1', 'tier=core', '--overwrite']), { code: 0, stdout: 'node/n1 labeled\n', stderr: '' });
    t.same(await cli(['label', 'no', 'n1', 'zone-']), { code: 0, stdout: 'node/n1 unlabeled\n', stderr: '' });
    t.same(node('n1').metadata.labels, { 'kubernetes.io/hostname': 'n1', tier: 'core' });
    const before = writes();
    t.same(await cli(['label', 'node', 'n1', 'zone-']), { code: 0, stdout: 'label "zone" not found.\nnode/n1 not labeled\n', stderr: '' });
    t.equal(writes(), before, 'not labeled: no PUT');
    t.same(await cli(['label', 'deployment/web', 'team=shop']), { code: 0, stdout: 'deployment.apps/web labeled\n', stderr: '' });
    t.equal(hub.find('Deployment', 'web')!.metadata.labels?.team, 'shop');
    t.same(await cli(['label', 'node', 'n1']), { code: 1, stdout: '', stderr: 'error: at least one label update is required\n' });
    t.same(await cli(['label', 'node', 'n1', 'a=b', 'n2']), { code: 1, stdout: '', stderr: 'error: all resources must be specified before label changes: n2\n' });
    t.same(await cli(['label', 'node', 'ghost', 'a=b']), { code: 1, stdout: '', stderr: 'Error from server (NotFound): nodes "ghost" not found\n' });
  });

  t.test('taint', async (t) => {
    const { hub, cli, node } = await withHub(t);
    seedNode(hub, 'n1');
    t.same(await cli(['taint', 'node', 'n1', 'dedicated=gpu:NoSchedule']), { code: 0, stdout: 'node/n1 tainted\n', stderr: '' });
    t.same(node('n1').spec?.taints, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], 'no timeAdded, as kubectl');
    t.same(await cli(['taint', 'nodes', 'n1', 'dedicated=cpu:NoSchedule']), {
      code: 1,
      stdout: '',
      stderr: 'error: node n1 already has dedicated taint(s) with same effect(s) and --overwrite is false\n',
    });
    t.same(await cli(['taint', 'node/n1', 'dedicated=cpu:NoSchedule', '--overwrite']), { code: 0, stdout: 'node/n1 modified\n', stderr: '' });
    t.same(await cli(['taint', 'node', 'n1', 'evict:NoExecute']), { code: 0, stdout: 'node/n1 tainted\n', stderr: '' });
    t.same(node('n1').spec?.taints, [{ key: 'evict', effect: 'NoExecute' }, { key: 'dedicated', value: 'cpu', effect: 'NoSchedule' }]);
    t.same(await cli(['taint', 'node', 'n1', 'k=v:Never']), { code: 1, stdout: '', stderr: 'error: invalid taint effect: Never, unsupported taint effect\n' });
    t.same(await cli(['taint', 'node', 'n1', 'nope-']), { code: 1, stdout: '', stderr: 'error: taint "nope" not found\n' });
    t.same(await cli(['taint', 'pod', 'x', 'k:NoSchedule']), { code: 1, stdout: '', stderr: 'error: invalid resource type pod, only node types are supported\n' });
    t.same(await cli(['taint', 'node', 'n1', 'dedicated:NoSchedule-', 'evict-']), { code: 0, stdout: 'node/n1 untainted\n', stderr: '' });
    t.notOk(node('n1').spec?.taints, 'an empty list is left out');
  });

  t.test('drain refuses DaemonSet Pods without --ignore-daemonsets, touching no Pod', async (t) => {
    const { hub, cli, node } = await withHub(t);
    seedNode(hub, 'n1');
    seedPod(hub, 'web-1', 'n1', 'ReplicaSet');
    seedPod(hub, 'ds-a', 'n1', 'DaemonSet');
    const result = await cli(['drain', 'n1']);
    t.same(result, {
      code: 1,
      stdout: 'node/n1 cordoned\n',
      stderr: [
        'error: unable to drain node "n1" due to error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-a, continuing command...',
        'There are pending nodes to be drained:',
        ' n1',
        'error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-a',
        '',
      ].join('\n'),
    });
    t.equal(hub.requests.filter((r) => r.method === 'DELETE' || r.path.endsWith('/eviction')).length, 0);
    t.equal(node('n1').spec?.unschedulable, true, 'the node stays cordoned, as kubectl leaves it');
  });

  t.test('drain evicts Pods through the eviction subresource and waits until they are gone', async (t) => {
    const { hub, cli } = await withHub(t);
    seedNode(hub, 'n1');
    seedNode(hub, 'n2');
    seedPod(hub, 'web-1', 'n1', 'ReplicaSet');
    seedPod(hub, 'web-2', 'n1', 'ReplicaSet');
    seedPod(hub, 'ds-a', 'n1', 'DaemonSet');
    seedPod(hub, 'elsewhere', 'n2', 'ReplicaSet');
    seedPod(hub, 'bare', 'n1');
    const refused = await cli(['drain', 'n1', '--ignore-daemonsets']);
    t.equal(refused.code, 1);
    t.match(refused.stderr, /^error: unable to drain node "n1" due to error: cannot delete Pods declare no controller \(use --force to override\): default\/bare, continuing command\.\.\.\n/);

    const result = await cli(['drain', 'n1', '--ignore-daemonsets', '--force', '--grace-period=5']);
    t.equal(result.code, 0, result.stderr);
    // Kinds in the order their first Pod is listed (kubectl's own order is a Go map's).
    t.equal(result.stderr, 'Warning: deleting Pods that declare no controller: default/bare; ignoring DaemonSet-managed Pods: default/ds-a\n');
    const lines = result.stdout.split('\n');
    t.same(lines.slice(0, 4), ['node/n1 already cordoned', 'evicting pod default/bare', 'evicting pod default/web-1', 'evicting pod default/web-2']);
    t.same(lines.slice(4, 7).sort(), ['pod/bare evicted', 'pod/web-1 evicted', 'pod/web-2 evicted']);
    t.same(lines.slice(7), ['node/n1 drained', '']);
    const evictions = hub.requests.filter((r) => r.method === 'POST');
    t.same(evictions.map((r) => r.path).sort(), ['/api/v1/namespaces/default/pods/bare/eviction', '/api/v1/namespaces/default/pods/web-1/eviction', '/api/v1/namespaces/default/pods/web-2/eviction']);
    t.same(evictions.find((r) => r.path.endsWith('/web-1/eviction'))?.body, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'web-1', namespace: 'default' },
      deleteOptions: { gracePeriodSeconds: 5 },
    } as unknown as KubeObject, '--grace-period travels in deleteOptions');
    t.equal(hub.requests.filter((r) => r.method === 'DELETE').length, 0, 'no plain DELETE');
    t.ok(hub.find('Pod', 'ds-a') && hub.find('Pod', 'elsewhere'), 'DaemonSet Pods and other nodes\' Pods stay');
  });

  t.test('drain times out with kubectl\'s messages', async (t) => {
    const { hub, cli } = await withHub(t);
    seedNode(hub, 'n1');
    seedPod(hub, 'stuck-1', 'n1', 'ReplicaSet');
    hub.stuck.add('stuck-1');
    const result = await cli(['drain', 'n1', '--timeout=1s']);
    t.same(result, {
      code: 1,
      stdout: 'node/n1 cordoned\nevicting pod default/stuck-1\n',
      stderr: [
        'There are pending pods in node "n1" when an error occurred: drain did not complete within 1s',
        'pod/stuck-1',
        'error: unable to drain node "n1" due to error: drain did not complete within 1s, continuing command...',
        'There are pending nodes to be drained:',
        ' n1',
        'error: drain did not complete within 1s',
        '',
      ].join('\n'),
    });
    t.equal((await cli(['drain', 'n1', '--timeout=soon'])).code, 1);
    t.same(await cli(['drain', 'n1', '--grace-period=x']), { code: 1, stdout: '', stderr: 'error: invalid argument "x" for "--grace-period" flag: strconv.ParseInt: parsing "x": invalid syntax\n' });
    t.same(await cli(['drain', 'ghost']), { code: 1, stdout: '', stderr: 'Error from server (NotFound): nodes "ghost" not found\n' });
  });

  t.test('the built executable writes, prints and exits as the CLI does', async (t) => {
    const { hub, node } = await withHub(t);
    seedNode(hub, 'n1');
    seedNode(hub, 'n2');
    seedPod(hub, 'ds-a', 'n2', 'DaemonSet');
    // One node per command: they run at once, and each is a read-modify-write of its node.
    const spawned = (args: string[]) => runCli(args, { config: hub.configFile });
    const [cordoned, refused] = await Promise.all([spawned(['cordon', 'n1']), spawned(['drain', 'n2'])]);
    t.same(cordoned, { code: 0, stdout: 'node/n1 cordoned\n', stderr: '' });
    t.equal(node('n1').spec?.unschedulable, true, 'the cordon reached the hub');
    t.equal(refused.code, 1, 'a refused drain exits 1');
    t.equal(refused.stdout, 'node/n2 cordoned\n');
    t.match(refused.stderr, /^error: unable to drain node "n2" due to error: cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): default\/ds-a, continuing command\.\.\.\n/);
  });
}
