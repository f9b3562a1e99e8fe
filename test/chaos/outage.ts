/**
 * Chaos scenario (2) of issue #7, in one run: an edge site loses its uplink for minutes, and while
 * it is cut the device's agent is killed -9 and its Docker engine restarts with every container
 * gone (a reboot, simulated). The agent runs in its own network namespace (netns.ts) against a
 * private, real dockerd (second-engine.ts), so both the link and the engine can be taken away
 * without touching the tests that share the machine.
 *
 * Pass criteria, each asserted:
 * - while cut, a crashed container is restarted by the agent alone;
 * - after the reboot, the restarted agent brings the Pod back from its local store, without the hub
 *   (same uid, new containers), and the hub marks the node NotReady;
 * - the cut lasts at least CUT_MS, and the agent kept measuring through it: every metrics sample
 *   its outbox held when the link returned (from before the kill and after the restart) reaches
 *   the hub's series, each once, in order; the Pod's events from the outage arrive too;
 * - on reconnect the hub keeps the same Pod (no replacement), and a newer desired state is applied
 *   without restarting the Pod whose spec did not change (no churn).
 */
import type { Test } from 'tap';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULTS } from '../../shared/defaults.js';
import { nodeSeriesTimes, outboxRows, sampleTimesIn } from '../helpers/agent-outbox.js';
import { TestCluster } from '../helpers/cluster.js';
import { webDeployment } from '../helpers/manifests.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';
import { NetnsLink } from './netns.js';
import { SecondEngine } from './second-engine.js';

/** How long the link stays cut: minutes, as on a real site. The file waits, it does not work: tap runs others beside it. */
export const CUT_MS = 150_000;
/** The agent samples every 2 s, so the outage holds dozens of samples. */
const METRICS_INTERVAL = '2s';
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

interface EventView {
  reason: string;
  lastTimestamp?: string;
  involvedObject: { name: string };
}

function readyStatus(node: { status?: { conditions?: Array<{ type: string; status: string }> } }): string | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

export async function outage(t: Test): Promise<void> {
  const engine = await SecondEngine.start(t, ['skiff-test/web:1', DEFAULTS.node.pauseImage]);
  const link = await NetnsLink.create(t);
  // The hub listens on the host end of the veth: the only hub address the namespace can reach.
  const cluster = await TestCluster.start(t, { hubHost: link.hostIp });
  const node = await cluster.startAgent('edge', ['--metrics-interval', METRICS_INTERVAL], { wrap: link.wrap, env: { DOCKER_HOST: engine.host } });
  const agentDb = join(cluster.dir, 'agent-edge', 'agent.db');

  /** Every container (sandboxes included, all states) the private engine has for the node. */
  const podContainers = async (): Promise<PodContainer[]> => {
    const ids = (await engine.docker(['ps', '-aq', '--filter', `label=skiff.node=${node}`])).stdout.split('\n').filter(Boolean);
    if (ids.length === 0) return [];
    const inspected = await engine.docker(['inspect', ...ids]);
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
  };
  /** The running sandbox and `web` container of `pod`, when both run. */
  const runningPair = async (pod: string): Promise<{ sandbox: PodContainer; web: PodContainer } | undefined> => {
    const running = (await podContainers()).filter((c) => c.pod === pod && c.running);
    const sandbox = running.find((c) => c.container === 'POD');
    const web = running.find((c) => c.container === 'web');
    return sandbox && web ? { sandbox, web } : undefined;
  };

  t.equal((await cluster.skiff(['apply', '-f', '-'], { input: webDeployment('web') })).code, 0, 'Deployment applied');
  const [pod] = await waitFor('the web Pod Running and Ready', async () => {
    const pods = (await listPods(cluster, 'app=web')).filter(isRunningAndReady);
    return pods.length === 1 ? pods : undefined;
  }, { timeoutMs: PATIENCE_MS });
  const podName = pod!.metadata.name!;
  const podUid = pod!.metadata.uid!;

  await link.cut();
  const cutAt = Date.now();
  t.comment(`link of ${node} cut (namespace ${link.name}) at ${new Date(cutAt).toISOString()}`);

  // 1. A container crashes: the agent restarts it without the hub.
  const beforeCrash = await waitFor('the Pod’s containers running', () => runningPair(podName));
  t.equal((await engine.docker(['kill', beforeCrash.web.id])).code, 0, 'web container killed');
  const afterCrash = await waitFor('the agent to restart the crashed container, offline', async () => {
    const pair = await runningPair(podName);
    return pair && (pair.web.id !== beforeCrash.web.id || pair.web.startedAt !== beforeCrash.web.startedAt) ? pair : undefined;
  }, { timeoutMs: PATIENCE_MS });
  t.pass('crashed container restarted with the link cut');
  t.equal(afterCrash.web.podUid, podUid, 'same Pod (uid) after the restart');

  // 2. A reboot, still cut: the agent killed -9, the engine restarted, every container removed.
  // First, what it measured since the cut is on disk (the outbox writes every 2 s; a kill loses
  // at most that last interval, see agent/outbox/outbox.ts): those samples must survive the kill.
  await waitFor('samples taken since the cut written to the outbox', () => sampleTimesIn(outboxRows(agentDb)).filter((ms) => ms >= cutAt).length >= 2, { timeoutMs: PATIENCE_MS });
  await cluster.stopAgent(node, 'SIGKILL');
  const killedAt = Date.now();
  await engine.stop();
  await engine.startDaemon();
  const removed = (await podContainers()).map((c) => c.id);
  t.ok(removed.length >= 2, 'the Pod’s sandbox and web container survived the engine restart, stopped');
  t.equal((await engine.docker(['rm', '-f', ...removed])).code, 0, 'all the Pod’s containers removed');
  await cluster.startAgent('edge', [], { awaitReady: false });
  const restartedAt = Date.now();
  const offline = await waitFor('the Pod back from the local store, without the hub', () => runningPair(podName), { timeoutMs: PATIENCE_MS });
  t.equal(offline.web.podUid, podUid, 'the Pod came back with its uid');
  t.notOk(removed.includes(offline.web.id), 'its containers are new ones (the old were removed)');
  await waitFor('the hub to see the node NotReady', async () => readyStatus(await cluster.api(`/api/v1/nodes/${node}`)) !== 'True', { timeoutMs: PATIENCE_MS });
  t.pass('the hub saw the node NotReady during the cut');

  // 3. The cut goes on for minutes while the agent keeps measuring into its outbox.
  await sleep(Math.max(0, cutAt + CUT_MS - Date.now()));
  t.ok((await link.packetsDroppedByCut()) > 0, 'the agent kept trying to reach the hub and the cut dropped it');
  const held = sampleTimesIn(outboxRows(agentDb)).filter((ms) => ms >= cutAt);
  t.ok(held.some((ms) => ms < killedAt), 'the outbox holds samples taken before the kill');
  t.ok(held.some((ms) => ms >= restartedAt), 'and samples taken after the restart');
  t.ok(held.length >= CUT_MS / 2000 / 2, `${held.length} samples from the outage wait in the outbox`);
  await link.restore();
  const restoredAt = Date.now();
  t.ok(restoredAt - cutAt >= CUT_MS, `the link was cut for ${Math.round((restoredAt - cutAt) / 1000)} s`);

  // 4. The link returns: the node is Ready, the same Pod Running, on the containers started offline.
  const healed = await waitFor('the node Ready and the same Pod Running and Ready on the containers started offline', async () => {
    if (readyStatus(await cluster.api(`/api/v1/nodes/${node}`)) !== 'True') return undefined;
    const pods = await listPods(cluster, 'app=web');
    const same = pods.find((p: PodView) => p.metadata.uid === podUid);
    return same && isRunningAndReady(same) && same.status?.containerStatuses?.[0]?.containerID?.endsWith(offline.web.id) ? pods : undefined;
  }, { timeoutMs: PATIENCE_MS });
  t.same(healed.map((p) => `${p.metadata.name}/${p.metadata.uid}`), [`${podName}/${podUid}`], 'the hub kept the Pod: same name and uid, no replacement');

  // 5. What the agent measured during the outage arrives: each sample once, in order.
  const points = await waitFor('every sample of the outage in the hub’s series', async () => {
    const times = await nodeSeriesTimes((path) => cluster.api(path), node);
    return held.every((ms) => times.includes(ms)) ? times : undefined;
  }, { timeoutMs: PATIENCE_MS });
  t.same(points, [...points].sort((a, b) => a - b), 'the series is in order');
  t.equal(new Set(points).size, points.length, 'no sample stored twice');
  const outageEvents = await waitFor('the Pod’s events from the outage', async () => {
    const events = (await cluster.api<{ items: EventView[] }>('/api/v1/namespaces/default/events')).items.filter((e) => {
      const at = Date.parse(e.lastTimestamp ?? '');
      return e.involvedObject.name === podName && at >= cutAt && at <= restoredAt;
    });
    return events.some((e) => e.reason === 'Started') ? events : undefined;
  }, { timeoutMs: PATIENCE_MS });
  t.pass(`the Pod’s events from the outage arrived (${[...new Set(outageEvents.map((e) => e.reason))].join(', ')})`);

  // 6. A newer desired state (a second Deployment for the node) is applied...
  t.equal((await cluster.skiff(['apply', '-f', '-'], { input: webDeployment('later') })).code, 0, 'a second Deployment applied');
  await waitFor('the second Deployment’s Pod Running', async () => (await listPods(cluster, 'app=later')).some(isRunningAndReady), { timeoutMs: PATIENCE_MS });
  // ...without touching the Pod whose spec did not change.
  const after = await runningPair(podName);
  t.same(
    after && { sandbox: after.sandbox.id, web: after.web.id, startedAt: after.web.startedAt },
    { sandbox: offline.sandbox.id, web: offline.web.id, startedAt: offline.web.startedAt },
    'no churn on reconnect: the containers started offline still run, never restarted',
  );
  t.same((await listPods(cluster, 'app=web')).map((p) => p.metadata.uid), [podUid], 'still exactly the one original Pod');
}
