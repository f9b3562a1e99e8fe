/**
 * kubectl's node commands on a real two-node fleet: label and taint change the Node as kubectl
 * would, a cordoned node gets no new Pods, and draining a node evicts its Pods, which their
 * Deployment recreates on the other node, while the drained node stays cordoned.
 */
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

interface NodeView {
  metadata: { name: string; labels: Record<string, string> };
  spec?: { unschedulable?: boolean; taints?: Array<Record<string, string>> };
}

/** `stubborn` Pods ignore SIGTERM and ask for 10 minutes' grace: only a shorter --grace-period ends them soon. */
function deployment(name: string, replicas: number, stubborn = false): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      terminationGracePeriodSeconds: ${stubborn ? 600 : 5}
      containers:
        - name: web
          image: skiff-test/web:1${stubborn ? `
          command: [sh, -c, 'trap "" TERM; while true; do sleep 1; done']` : ''}
`;
}

t.test('cordon, drain, label and taint on a two-node fleet', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['a', 'b'] });
  const a = cluster.nodeName('a');
  const b = cluster.nodeName('b');
  const node = (name: string) => cluster.getJson<NodeView>(['get', 'node', name]);
  const ok = async (args: string[], stdout: string): Promise<void> => {
    const result = await cluster.skiff(args);
    t.same({ code: result.code, stdout: result.stdout, stderr: result.stderr }, { code: 0, stdout, stderr: '' }, `skiff ${args.join(' ')}`);
  };
  const runningOf = async (app: string, count: number) =>
    waitFor(`${count} ${app} Pods running`, async () => {
      const pods = await listPods(cluster, `app=${app}`);
      return pods.length === count && pods.every(isRunningAndReady) ? pods : undefined;
    }, { timeoutMs: 120_000 });

  await t.test('label and taint change the Node as kubectl does', async (t) => {
    await ok(['label', 'node', a, 'tier=edge'], `node/${a} labeled\n`);
    t.equal((await node(a)).metadata.labels.tier, 'edge');
    const clash = await cluster.skiff(['label', 'node', a, 'tier=core']);
    t.same({ code: clash.code, stderr: clash.stderr }, { code: 1, stderr: "error: 'tier' already has a value (edge), and --overwrite is false\n" });
    await ok(['label', `node/${a}`, 'tier-'], `node/${a} unlabeled\n`);
    t.notOk((await node(a)).metadata.labels.tier);

    await ok(['taint', 'node', b, 'dedicated=gpu:NoSchedule'], `node/${b} tainted\n`);
    t.same((await node(b)).spec?.taints, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], 'kubectl sets no timeAdded');
    const bad = await cluster.skiff(['taint', 'node', b, 'k=v:Sometimes']);
    t.same({ code: bad.code, stderr: bad.stderr }, { code: 1, stderr: 'error: invalid taint effect: Sometimes, unsupported taint effect\n' });
    await ok(['taint', 'node', b, 'dedicated-'], `node/${b} untainted\n`);
    t.notOk((await node(b)).spec?.taints);
  });

  await t.test('a cordoned node gets no new Pods', async (t) => {
    await ok(['cordon', a], `node/${a} cordoned\n`);
    await ok(['cordon', a], `node/${a} already cordoned\n`);
    t.equal((await node(a)).spec?.unschedulable, true);
    const apply = await cluster.skiff(['apply', '-f', '-'], { input: deployment('first', 3) });
    t.equal(apply.code, 0, apply.stderr);
    const pods = await runningOf('first', 3);
    t.same(pods.map((p) => p.spec.nodeName), [b, b, b]);
    await ok(['uncordon', a], `node/${a} uncordoned\n`);
    t.notOk((await node(a)).spec?.unschedulable);
  });

  await t.test('drain evicts a node\'s Pods; their Deployment recreates them on the other node', async (t) => {
    // Put a Deployment's Pods on a alone, then let b take Pods again.
    await ok(['cordon', b], `node/${b} cordoned\n`);
    const apply = await cluster.skiff(['apply', '-f', '-'], { input: deployment('second', 2, true) });
    t.equal(apply.code, 0, apply.stderr);
    const before = await runningOf('second', 2);
    t.same(before.map((p) => p.spec.nodeName), [a, a]);
    await ok(['uncordon', b], `node/${b} uncordoned\n`);

    // The Pods would take 600 s to stop; drain's --grace-period=1 must reach the agent for the
    // drain to finish within its timeout.
    const drain = await cluster.skiff(['drain', a, '--timeout=90s', '--grace-period=1']);
    t.equal(drain.code, 0, drain.stderr);
    t.equal(drain.stderr, '');
    const lines = drain.stdout.trim().split('\n');
    const names = before.map((p) => p.metadata.name).sort();
    t.equal(lines[0], `node/${a} cordoned`);
    t.same(lines.filter((l) => l.startsWith('evicting pod ')).sort(), names.map((n) => `evicting pod default/${n}`));
    t.same(lines.filter((l) => l.endsWith(' evicted')).sort(), names.map((n) => `pod/${n} evicted`));
    t.equal(lines.at(-1), `node/${a} drained`);

    const after = await runningOf('second', 2);
    t.same(after.map((p) => p.spec.nodeName), [b, b], 'recreated on the other node');
    t.notOk(after.some((p) => names.includes(p.metadata.name!)), 'new Pods, not the evicted ones');
    t.equal((await node(a)).spec?.unschedulable, true, 'the drained node stays cordoned');
    t.same(await cluster.containers(a), [], 'no containers left on the drained node');
  });
});
