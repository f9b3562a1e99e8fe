/**
 * DaemonSets on a fleet of real agents: one Pod on every node matching the nodeSelector, following
 * nodes that join and labels that change, an image change rolled out node by node (and with
 * maxSurge, a new Pod started next to the old one), `rollout status` and `rollout restart`,
 * `rollout history` and `undo` through ControllerRevisions, the kubectl columns, and the Pods (and
 * revisions) going with the DaemonSet. What the CLI prints is asserted through the CLI; the loops
 * waiting for the cluster to get somewhere poll the API, not a CLI process per probe.
 */
import t from 'tap';
import { watchEvents, type WatchEvent } from '../../hub/cli/watch-stream.js';
import type { KubeObject } from '../../shared/api/object.js';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

function manifest(image: string, rollout: { updateStrategy?: Record<string, unknown>; minReadySeconds?: number } = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'probe', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'probe' } },
      ...rollout,
      template: {
        metadata: { labels: { app: 'probe' } },
        spec: { nodeSelector: { tier: 'edge' }, terminationGracePeriodSeconds: 5, containers: [{ name: 'web', image }] },
      },
    },
  });
}

/** Read-modify-write of a Node through the API, retrying when an agent's status report wins the race. */
async function updateNode(cluster: TestCluster, name: string, change: (node: KubeObject) => void): Promise<void> {
  const path = `${cluster.apiUrl}/api/v1/nodes/${name}`;
  const headers = { Authorization: `Bearer ${cluster.adminToken}`, 'content-type': 'application/json' };
  await waitFor(`node ${name} updated`, async () => {
    const node = (await (await cluster.fetch(path, { headers })).json()) as KubeObject;
    change(node);
    const res = await cluster.fetch(path, { method: 'PUT', headers, body: JSON.stringify(node) });
    if (res.status === 409) return false;
    if (!res.ok) throw new Error(`PUT node: ${res.status} ${await res.text()}`);
    return true;
  });
}

const live = (pods: PodView[]) => pods.filter((p) => p.metadata.deletionTimestamp === undefined);

/** The probe Pods now, and every change to them from then on, read from a raw API watch in the background. */
async function watchProbePods(cluster: TestCluster): Promise<{ initial: PodView[]; events: WatchEvent[]; close(): void }> {
  const collection = `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent('app=probe')}`;
  const list = await cluster.api<{ metadata: { resourceVersion: string }; items: PodView[] }>(collection);
  const controller = new AbortController();
  const url = `${cluster.apiUrl}${collection}&watch=true&resourceVersion=${list.metadata.resourceVersion}`;
  const response = await cluster.fetch(url, { signal: controller.signal });
  if (response.status !== 200) throw new Error(`watch pods: ${response.status} ${await response.text()}`);
  const events: WatchEvent[] = [];
  void (async () => {
    try {
      for await (const event of watchEvents(response.body!)) events.push(event);
    } catch {
      // aborted by close()
    }
  })();
  return { initial: list.items, events, close: () => controller.abort() };
}

/** The Pods as the API held them at the start and after each watch event, replayed in order. */
function statesOf(initial: readonly PodView[], events: readonly WatchEvent[]): PodView[][] {
  const pods = new Map<string, PodView>(initial.map((p) => [p.metadata.name!, p]));
  const states: PodView[][] = [[...pods.values()]];
  for (const event of events) {
    const pod = event.object as PodView;
    if (event.type === 'DELETED') pods.delete(pod.metadata.name!);
    else if (event.type === 'ADDED' || event.type === 'MODIFIED') pods.set(pod.metadata.name!, pod);
    else continue;
    states.push([...pods.values()]);
  }
  return states;
}

/** Waits until exactly `nodes` each run one Ready probe Pod (and no other node runs one) with `image`. */
function onePodPerNode(cluster: TestCluster, nodes: string[], image: string): Promise<PodView[]> {
  return waitFor(`one ready ${image} Pod on each of ${nodes.join(', ')}`, async () => {
    const pods = await listPods(cluster, 'app=probe');
    const where = pods.map((p) => p.spec.nodeName).sort();
    const ok = pods.length === nodes.length && where.join() === [...nodes].sort().join() && pods.every((p) => isRunningAndReady(p) && p.spec.containers[0]!.image === image);
    return ok ? pods : undefined;
  });
}

t.test('a DaemonSet follows the fleet', async (t) => {
  const cluster = await TestCluster.start(t);
  const [a, b] = await Promise.all([cluster.startAgent('a', ['--node-label', 'tier=edge']), cluster.startAgent('b')]);

  const applied = await cluster.skiff(['apply', '-f', '-'], { input: manifest('skiff-test/web:1') });
  t.equal(applied.code, 0, applied.stderr);
  t.equal(applied.stdout, 'daemonset.apps/probe created\n');

  await t.test('one Pod on each matching node, bound by the DaemonSet and labelled with its revision', async (t) => {
    const [pod] = await onePodPerNode(cluster, [a], 'skiff-test/web:1');
    t.match(pod!.metadata.name, /^probe-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    t.match(pod!.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'probe', controller: true }]);
    t.match(pod!.metadata.labels, { app: 'probe', 'controller-revision-hash': /^[a-z0-9]+$/, 'pod-template-generation': '1' });
    const tolerations = (pod!.spec as { tolerations?: Array<{ key: string }> }).tolerations ?? [];
    t.ok(tolerations.some((tol) => tol.key === 'node.kubernetes.io/unreachable'), 'daemon Pods tolerate an unreachable node');
    t.same((await cluster.containers(b)).length, 0, 'the unlabelled node runs nothing');
  });

  const c = await cluster.startAgent('c', ['--node-label', 'tier=edge']);

  await t.test('a node that joins with the label gets its Pod', async (t) => {
    const pods = await onePodPerNode(cluster, [a, c], 'skiff-test/web:1');
    t.equal(pods.length, 2);
  });

  await t.test('labelling a node (even a cordoned one) adds a Pod; removing the label removes it', async (t) => {
    await updateNode(cluster, b, (node) => {
      node.metadata.labels = { ...node.metadata.labels, tier: 'edge' };
      node.spec = { ...(node.spec as object), unschedulable: true };
    });
    const withB = await onePodPerNode(cluster, [a, b, c], 'skiff-test/web:1');
    const podOnB = withB.find((p) => p.spec.nodeName === b)!;
    await waitFor(`the container of ${podOnB.metadata.name} on ${b}`, async () => (await cluster.containers(b)).some((x) => x.labels['skiff.pod.name'] === podOnB.metadata.name && x.state === 'running'));

    await updateNode(cluster, b, (node) => {
      const { tier: _removed, ...rest } = node.metadata.labels ?? {};
      node.metadata.labels = rest;
    });
    await onePodPerNode(cluster, [a, c], 'skiff-test/web:1');
    await waitFor(`no containers left on ${b}`, async () => (await cluster.containers(b)).length === 0);
    t.pass('the Pod left the relabelled node');
  });

  await t.test('skiff get ds shows the kubectl columns', async (t) => {
    // The status the table shows, settled first through the API; then the CLI prints it.
    await waitFor('DaemonSet status counts for 2 nodes', async () => {
      const { status } = await cluster.api<{ status?: Record<string, number> }>('/apis/apps/v1/namespaces/default/daemonsets/probe');
      const counts = ['desiredNumberScheduled', 'currentNumberScheduled', 'numberReady', 'updatedNumberScheduled', 'numberAvailable'].map((key) => status?.[key]);
      return counts.every((n) => n === 2);
    });
    const row = await waitFor('status counts for 2 nodes', async () => {
      const out = await cluster.skiff(['get', 'ds']);
      return /^probe\s+2\s+2\s+2\s+2\s+2\s+tier=edge\s+\d+[sm]\s*$/m.test(out.stdout) ? out.stdout : undefined;
    });
    t.match(row, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\n/);
    const [wide, events] = await Promise.all([
      cluster.skiff(['get', 'daemonsets', '-o', 'wide']),
      cluster.getJson<{ items: Array<{ involvedObject: { kind: string; name: string }; reason: string; message: string }> }>(['get', 'events']),
    ]);
    t.match(wide.stdout, /NODE SELECTOR\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/);
    t.match(wide.stdout, /web\s+skiff-test\/web:1\s+app=probe\n/);
    const ofDs = events.items.filter((e) => e.involvedObject.kind === 'DaemonSet' && e.involvedObject.name === 'probe');
    t.ok(ofDs.some((e) => e.reason === 'SuccessfulCreate' && /^Created pod: probe-/.test(e.message)));
    t.ok(ofDs.some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: probe-/.test(e.message)));
  });

  await t.test('an image change rolls out node by node', async (t) => {
    const before = (await listPods(cluster, 'app=probe')).map((p) => p.metadata.name);
    const applied = await cluster.skiff(['apply', '-f', '-'], { input: manifest('skiff-test/web:2') });
    t.equal(applied.stdout, 'daemonset.apps/probe configured\n', applied.stderr);
    let mostUnavailable = 0;
    const after = await waitFor('every node on web:2', async () => {
      const pods = live(await listPods(cluster, 'app=probe'));
      // maxUnavailable 1: at most one of the two nodes is without a ready Pod at any moment.
      const unavailable = [a, c].filter((n) => !pods.some((p) => p.spec.nodeName === n && isRunningAndReady(p))).length;
      mostUnavailable = Math.max(mostUnavailable, unavailable);
      const done = pods.length === 2 && pods.every((p) => isRunningAndReady(p) && p.spec.containers[0]!.image === 'skiff-test/web:2');
      return done ? pods : undefined;
    });
    t.ok(mostUnavailable <= 1, `at most one node unavailable during the rollout (saw ${mostUnavailable})`);
    t.same(after.map((p) => p.spec.nodeName).sort(), [a, c].sort());
    t.notOk(after.some((p) => before.includes(p.metadata.name)), 'every Pod was replaced');
    t.ok(after.every((p) => p.metadata.labels?.['pod-template-generation'] === '2'));
    await waitFor('status up to date', async () => {
      const current = (await cluster.api<{ status: Record<string, number> }>('/apis/apps/v1/namespaces/default/daemonsets/probe')).status;
      return current.updatedNumberScheduled === 2 && current.numberAvailable === 2;
    });
    const { status } = await cluster.getJson<{ status: Record<string, number> }>(['get', 'ds', 'probe']);
    t.same(status, { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 0, numberReady: 2, numberAvailable: 2, numberUnavailable: 0, updatedNumberScheduled: 2, observedGeneration: 2 });
  });

  await t.test('with maxSurge 1 and maxUnavailable 0 each node runs the new Pod next to the old one and is never without a ready Pod', async (t) => {
    const MIN_READY = 2;
    const refused = await cluster.skiff(['apply', '-f', '-'], { input: manifest('skiff-test/web:1', { updateStrategy: { rollingUpdate: { maxSurge: 1 } } }) });
    t.equal(refused.code, 1, 'maxSurge next to the default maxUnavailable 1 is refused, as Kubernetes does');
    t.match(refused.stderr, 'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero');

    // The old Pods must count as available under the new minReadySeconds, or the controller, as
    // Kubernetes', replaces every unavailable one at once instead of surging node by node.
    await waitFor(`the web:2 Pods Ready for more than ${MIN_READY}s`, async () => {
      const pods = live(await listPods(cluster, 'app=probe'));
      const readySince = pods.map((p) => Date.parse(p.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime ?? ''));
      return pods.length === 2 && readySince.every((since) => Date.now() - since > (MIN_READY + 1) * 1000);
    });
    const watch = await watchProbePods(cluster);
    t.teardown(() => watch.close());
    const applied = await cluster.skiff(['apply', '-f', '-'], { input: manifest('skiff-test/web:1', { updateStrategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, minReadySeconds: MIN_READY }) });
    t.equal(applied.stdout, 'daemonset.apps/probe configured\n', applied.stderr);
    // kubectl's DaemonSetStatusViewer lines, in whatever number the timing gives, ending in success.
    const status = await cluster.skiff(['rollout', 'status', 'ds/probe', '--timeout=3m']);
    t.equal(status.code, 0, status.stderr);
    const lines = status.stdout.trimEnd().split('\n');
    t.equal(lines.at(-1), 'daemon set "probe" successfully rolled out');
    for (const line of lines.slice(0, -1)) {
      t.match(line, /^(Waiting for daemon set spec update to be observed\.\.\.|Waiting for daemon set "probe" rollout to finish: (\d out of 2 new pods have been updated|\d of 2 updated pods are available)\.\.\.)$/);
    }
    const after = await waitFor('every node on web:1', async () => {
      const pods = await listPods(cluster, 'app=probe');
      const done = pods.length === 2 && pods.every((p) => isRunningAndReady(p) && p.spec.containers[0]!.image === 'skiff-test/web:1');
      return done ? pods : undefined;
    });
    watch.close();
    t.same(after.map((p) => p.spec.nodeName).sort(), [a, c].sort());
    t.ok(after.every((p) => p.metadata.labels?.['pod-template-generation'] === '3'));

    const states = statesOf(watch.initial, watch.events);
    t.ok(watch.events.length > 0, 'the watch saw the rollout');
    const readyOn = (pods: PodView[], node: string, image?: string) =>
      live(pods).filter((p) => p.spec.nodeName === node && isRunningAndReady(p) && (image === undefined || p.spec.containers[0]!.image === image)).length;
    for (const node of [a, c]) {
      const fewest = Math.min(...states.map((pods) => readyOn(pods, node)));
      t.ok(fewest >= 1, `${node} always had a ready Pod that was not terminating (fewest seen: ${fewest})`);
      const overlapped = states.some((pods) => readyOn(pods, node, 'skiff-test/web:2') === 1 && readyOn(pods, node, 'skiff-test/web:1') === 1);
      t.ok(overlapped, `${node} ran the old and the new Pod side by side, both ready`);
    }
    // The old Pod goes only once the new one is available: Ready for minReadySeconds, by the
    // timestamps the cluster itself recorded. deletionTimestamp is when the grace period ends, in
    // whole seconds (rounded down), so the deletion began within the second after stamp - grace.
    const retirements = new Map<string, { deletedBy: number; newReadySince: number | undefined }>();
    for (const pods of states) {
      for (const old of pods.filter((p) => p.spec.containers[0]!.image === 'skiff-test/web:2' && p.metadata.deletionTimestamp !== undefined)) {
        if (retirements.has(old.spec.nodeName!)) continue;
        const successor = live(pods).find((p) => p.spec.nodeName === old.spec.nodeName && p.spec.containers[0]!.image === 'skiff-test/web:1' && isRunningAndReady(p));
        const readySince = successor?.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
        const grace = old.metadata.deletionGracePeriodSeconds ?? 0;
        const deletedBy = Date.parse(old.metadata.deletionTimestamp!) - grace * 1000 + 1000;
        retirements.set(old.spec.nodeName!, { deletedBy, newReadySince: readySince ? Date.parse(readySince) : undefined });
      }
    }
    t.same([...retirements.keys()].sort(), [a, c].sort(), 'each node retired its old Pod');
    for (const [node, { deletedBy, newReadySince }] of retirements) {
      const after = newReadySince === undefined ? undefined : (deletedBy - newReadySince) / 1000;
      t.ok(after !== undefined && after >= MIN_READY, `${node}: the old Pod was deleted ${after === undefined ? 'with no ready successor' : `${(after - 1).toFixed(1)}-${after.toFixed(1)}s after its successor turned Ready`} (minReadySeconds ${MIN_READY})`);
    }
    t.comment(`rollout status said:\n${status.stdout}`);
    // Kubernetes' bound (daemon/update.go, numSurge): at most maxSurge nodes at a time hold a new
    // Pod that is not yet available next to an old one. A node whose new Pod is available no longer
    // counts: the same sync deletes its old Pod and surges onto the next node, so for a moment both
    // nodes may hold two live Pods. Not Ready implies not available, so this count is at most the
    // one Kubernetes bounds.
    const surging = (pods: PodView[]): number =>
      [a, c].filter((node) => {
        const onNode = live(pods).filter((p) => p.spec.nodeName === node);
        return onNode.length > 1 && onNode.some((p) => p.spec.containers[0]!.image === 'skiff-test/web:1' && !isRunningAndReady(p));
      }).length;
    t.equal(Math.max(...states.map(surging)), 1, 'maxSurge 1: one node at a time had a new Pod, not yet ready, next to its old one');
  });

  await t.test('skiff rollout restart ds replaces every Pod, and rollout status waits for it', async (t) => {
    const before = live(await listPods(cluster, 'app=probe')).map((p) => p.metadata.name);
    const restarted = await cluster.skiff(['rollout', 'restart', 'daemonset/probe']);
    t.equal(restarted.stdout, 'daemonset.apps/probe restarted\n', restarted.stderr);
    const status = await cluster.skiff(['rollout', 'status', 'daemonset/probe', '--timeout=3m']);
    t.equal(status.code, 0, status.stderr);
    t.match(status.stdout, /daemon set "probe" successfully rolled out\n$/);
    const after = await waitFor('two new ready Pods', async () => {
      const pods = await listPods(cluster, 'app=probe');
      return pods.length === 2 && pods.every((p) => isRunningAndReady(p) && !before.includes(p.metadata.name!)) ? pods : undefined;
    });
    t.same(after.map((p) => p.spec.nodeName).sort(), [a, c].sort());
  });

  await t.test('rollout history and undo go back through the ControllerRevisions, onto every node', async (t) => {
    type Revision = { metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> }; revision: number };
    const revisions = async () => (await cluster.getJson<{ items: Revision[] }>(['get', 'controllerrevisions'])).items.sort((x, y) => x.revision - y.revision);
    const historyOut = (numbers: number[]) => `daemonset.apps/probe \nREVISION  CHANGE-CAUSE\n${numbers.map((n) => `${n}         <none>\n`).join('')}\n`;
    // Templates so far: web:1 (revision 1, current again with maxSurge, so renumbered 3), web:2
    // (2), and web:1 restarted (4).
    // Reads of one settled state, all at once.
    const [history, before, pods, table, second] = await Promise.all([
      cluster.skiff(['rollout', 'history', 'ds/probe']),
      revisions(),
      listPods(cluster, 'app=probe'),
      cluster.skiff(['get', 'controllerrevisions']),
      cluster.skiff(['rollout', 'history', 'ds/probe', '--revision=2']),
    ]);
    t.equal(history.stdout, historyOut([2, 3, 4]), history.stderr);
    t.same(before.map((r) => r.revision), [2, 3, 4]);
    for (const r of before) {
      t.match(r.metadata.name, /^probe-[bcdfghjklmnpqrstvwxz2456789]+$/);
      t.match(r.metadata.ownerReferences, [{ kind: 'DaemonSet', name: 'probe', controller: true }]);
    }
    const current = before.at(-1)!.metadata.name;
    t.ok(pods.every((p) => `probe-${p.metadata.labels?.['controller-revision-hash']}` === current), "the Pods carry the current revision's hash");
    t.match(table.stdout, /^NAME\s+CONTROLLER\s+REVISION\s+AGE\n/);
    t.match(table.stdout, new RegExp(`^${current}\\s+daemonset\\.apps/probe\\s+4\\s+\\d+[sm]`, 'm'));
    t.match(second.stdout, /^daemonset\.apps\/probe with revision #2\nPod Template:\n/, second.stderr);
    t.match(second.stdout, /Image:\s+skiff-test\/web:2\n/);

    const toTwo = await cluster.skiff(['rollout', 'undo', 'ds/probe', '--to-revision=2']);
    t.equal(toTwo.stdout, 'daemonset.apps/probe rolled back\n', toTwo.stderr);
    await onePodPerNode(cluster, [a, c], 'skiff-test/web:2');
    t.equal((await cluster.skiff(['rollout', 'history', 'ds/probe'])).stdout, historyOut([3, 4, 5]), 'revision 2 is current again: renumbered 5');

    const previous = await cluster.skiff(['rollout', 'undo', 'daemonset/probe']);
    t.equal(previous.stdout, 'daemonset.apps/probe rolled back\n', previous.stderr);
    const restored = await onePodPerNode(cluster, [a, c], 'skiff-test/web:1');
    t.ok(restored.every((p) => p.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] !== undefined), 'back on revision 4, the restarted template');
    t.equal((await cluster.skiff(['rollout', 'history', 'ds/probe'])).stdout, historyOut([3, 5, 6]));

    // Neither changes anything: at once.
    const [skipped, unknown] = await Promise.all([
      cluster.skiff(['rollout', 'undo', 'ds/probe', '--to-revision=6']).then((r) => [r.code, r.stdout, r.stderr]),
      cluster.skiff(['rollout', 'undo', 'ds/probe', '--to-revision=2']).then((r) => [r.code, r.stdout, r.stderr]),
    ]);
    t.same(skipped, [0, 'daemonset.apps/probe skipped rollback (current template already matches revision 6)\n', '']);
    t.same(unknown, [1, '', 'error: unable to find specified revision 2 in history\n']);
  });

  await t.test('deleting the DaemonSet removes its Pods and their containers', async (t) => {
    const deleted = await cluster.skiff(['delete', 'ds', 'probe']);
    t.equal(deleted.stdout, 'daemonset.apps "probe" deleted\n', deleted.stderr);
    await waitFor('no probe Pods', async () => (await listPods(cluster, 'app=probe')).length === 0);
    await waitFor('no controller revisions', async () => (await cluster.api<{ items: unknown[] }>('/apis/apps/v1/namespaces/default/controllerrevisions')).items.length === 0);
    await waitFor('no containers on any node', async () => (await Promise.all([a, b, c].map((n) => cluster.containers(n)))).every((list) => list.length === 0));
    t.pass('pods and containers are gone');
  });
});
