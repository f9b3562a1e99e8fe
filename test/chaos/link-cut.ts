/**
 * Chaos scenario "link cut" (issue #7): an agent in its own network namespace runs a Deployment's
 * Pod; the link to the hub is cut; while cut, a crashed container is restarted by the agent alone,
 * and after `kill -9` of the agent and the Pod's containers removed (a device reboot, simulated),
 * the restarted agent brings the Pod back from its local store alone. When the link returns, the
 * hub sees the node Ready and the same Pod Running, and nothing is re-created: the containers the
 * agent started offline are the ones still running after it has applied a newer desired state.
 */
import type { Test } from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { docker } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { NetnsLink } from './netns.js';
import { webDeployment } from '../helpers/manifests.js';

/** Generous: the agent's reconnect backoff alone may wait up to 30 s after the link returns. */
const PATIENCE_MS = 120_000;

interface PodContainer {
  id: string;
  pod: string;
  podUid: string;
  container: string;
  running: boolean;
  startedAt: string;
}

/** Every container (sandboxes included, all states) Docker has for `node`, by its Skiff labels. */
async function podContainers(node: string): Promise<PodContainer[]> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=skiff.node=${node}`])).stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const inspected = await docker(['inspect', ...ids]);
  if (inspected.code !== 0) throw new Error(`docker inspect: ${inspected.stderr}`); // one went away in between: the poll retries
  const raw = JSON.parse(inspected.stdout) as Array<{ Id: string; State: { Running: boolean; StartedAt: string }; Config: { Labels: Record<string, string> } }>;
  return raw.map((c) => ({
    id: c.Id,
    pod: c.Config.Labels['skiff.pod.name'] ?? '',
    podUid: c.Config.Labels['skiff.pod.uid'] ?? '',
    container: c.Config.Labels['skiff.container.name'] ?? '',
    running: c.State.Running,
    startedAt: c.State.StartedAt,
  }));
}

/** The running sandbox and `web` container of `pod`, when both run. */
async function runningPair(node: string, pod: string): Promise<{ sandbox: PodContainer; web: PodContainer } | undefined> {
  const running = (await podContainers(node)).filter((c) => c.pod === pod && c.running);
  const sandbox = running.find((c) => c.container === 'POD');
  const web = running.find((c) => c.container === 'web');
  return sandbox && web ? { sandbox, web } : undefined;
}

function readyStatus(node: { status?: { conditions?: Array<{ type: string; status: string }> } }): string | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

export async function linkCut(t: Test): Promise<void> {
  const link = await NetnsLink.create(t);
  // The hub listens on the host end of the veth: the only hub address the namespace can reach.
  const cluster = await TestCluster.start(t, { hubHost: link.hostIp });
  const node = await cluster.startAgent('edge', [], { wrap: link.wrap });
  t.equal((await cluster.skiff(['apply', '-f', '-'], { input: webDeployment('web') })).code, 0, 'Deployment applied');
  const [pod] = await waitFor('the web Pod Running and Ready', async () => {
    const pods = (await listPods(cluster, 'app=web')).filter(isRunningAndReady);
    return pods.length === 1 ? pods : undefined;
  });
  const podName = pod!.metadata.name!;
  const podUid = pod!.metadata.uid!;

  await link.cut();
  t.comment(`link of ${node} cut (namespace ${link.name})`);

  // 1. A container crashes: the agent restarts it without the hub.
  const beforeCrash = await waitFor('the Pod’s containers running', () => runningPair(node, podName));
  t.equal((await docker(['kill', beforeCrash.web.id])).code, 0, 'web container killed');
  const afterCrash = await waitFor(
    'the agent to restart the crashed container, offline',
    async () => {
      const pair = await runningPair(node, podName);
      return pair && (pair.web.id !== beforeCrash.web.id || pair.web.startedAt !== beforeCrash.web.startedAt) ? pair : undefined;
    },
    { timeoutMs: PATIENCE_MS },
  );
  t.pass('crashed container restarted with the link cut');
  t.equal(afterCrash.web.podUid, podUid, 'same Pod (uid) after the restart');

  // 2. A reboot, simulated: the agent killed -9, the Pod's containers gone; the agent restarted, still cut.
  await cluster.stopAgent(node, 'SIGKILL');
  const removed = (await podContainers(node)).map((c) => c.id);
  t.ok(removed.length >= 2, 'the Pod had a sandbox and a web container');
  t.equal((await docker(['rm', '-f', ...removed])).code, 0, 'all the Pod’s containers removed');
  await cluster.startAgent('edge', [], { awaitReady: false });
  const offline = await waitFor('the Pod back from the local store, without the hub', () => runningPair(node, podName), { timeoutMs: PATIENCE_MS });
  t.equal(offline.web.podUid, podUid, 'the Pod came back with its uid');
  t.notOk(removed.includes(offline.web.id), 'its containers are new ones (the old were removed)');
  t.ok((await link.packetsDroppedByCut()) > 0, 'the agent tried to reach the hub and the cut dropped it');
  await waitFor('the hub to see the node NotReady', async () => readyStatus(await cluster.api(`/api/v1/nodes/${node}`)) !== 'True', { timeoutMs: PATIENCE_MS });
  t.pass('the hub saw the node NotReady during the cut');

  // 3. The link returns: the node is Ready, the same Pod Running, on the same containers.
  await link.restore();
  const healed = await waitFor(
    'the node Ready and the same Pod Running and Ready on the containers started offline',
    async () => {
      if (readyStatus(await cluster.api(`/api/v1/nodes/${node}`)) !== 'True') return undefined;
      const pods = await listPods(cluster, 'app=web');
      const same = pods.find((p: PodView) => p.metadata.uid === podUid);
      return same && isRunningAndReady(same) && same.status?.containerStatuses?.[0]?.containerID?.endsWith(offline.web.id) ? pods : undefined;
    },
    { timeoutMs: PATIENCE_MS },
  );
  t.same(
    healed.map((p) => `${p.metadata.name}/${p.metadata.uid}`),
    [`${podName}/${podUid}`],
    'the hub kept the Pod: same name and uid, no replacement',
  );

  // A newer desired state (a second Deployment for the node) reaches the agent and is applied...
  t.equal((await cluster.skiff(['apply', '-f', '-'], { input: webDeployment('later') })).code, 0, 'a second Deployment applied');
  await waitFor('the second Deployment’s Pod Running', async () => (await listPods(cluster, 'app=later')).some(isRunningAndReady), { timeoutMs: PATIENCE_MS });
  // ...without touching the Pod whose spec did not change.
  const after = await runningPair(node, podName);
  t.same(
    after && { sandbox: after.sandbox.id, web: after.web.id, startedAt: after.web.startedAt },
    { sandbox: offline.sandbox.id, web: offline.web.id, startedAt: offline.web.startedAt },
    'no churn on reconnect: the containers started offline still run, never restarted',
  );
  const webPods = await listPods(cluster, 'app=web');
  t.same(
    webPods.map((p) => p.metadata.uid),
    [podUid],
    'still exactly the one original Pod',
  );
}
