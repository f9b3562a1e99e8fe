/**
 * Chaos: the Docker engine restarts under a running agent, and a "device reboot" without the hub
 * (issue #7). The agent runs against a private, real dockerd (second-engine.ts), so stopping the
 * engine stops every container on it, as a reboot does, without disturbing the tests that share
 * the main engine.
 *
 * 1. Engine restarted while agent and hub run: the agent rides out the engine's absence, then
 *    brings each Pod back in a new sandbox; the hub keeps the same Pods (same uids), each
 *    container's restartCount grows.
 * 2. Reboot with the hub gone: the hub is killed, the agent killed -9, the engine restarted and
 *    every container removed; the agent, started again with no hub to ask, brings every Pod back
 *    from its own store. When the hub returns, the Pods are the same ones, Running and Ready.
 */
import type { Test } from 'tap';
import { DEFAULTS } from '../../shared/defaults.js';
import { TestCluster } from '../helpers/cluster.js';
import { webDeployment } from '../helpers/manifests.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';
import { SecondEngine } from './second-engine.js';

const REPLICAS = 2;

export async function engineRestart(t: Test): Promise<void> {
  const engine = await SecondEngine.start(t, ['skiff-test/web:1', DEFAULTS.node.pauseImage]);
  const cluster = await TestCluster.start(t);
  const node = await cluster.startAgent('eng', [], { env: { DOCKER_HOST: engine.host } });

  /** This node's running containers on the private engine: "pod/container" (sandboxes as pod/POD). */
  const running = async (): Promise<string[]> => {
    const ps = await engine.docker(['ps', '--filter', `label=skiff.node=${node}`, '--format', '{{.Label "skiff.pod.name"}}/{{.Label "skiff.container.name"}}']);
    return ps.stdout.split('\n').filter(Boolean).sort();
  };
  const readyPods = (check: (pods: PodView[]) => boolean = () => true): Promise<PodView[]> =>
    waitFor(`${REPLICAS} Pods Running and Ready`, async () => {
      const pods = await listPods(cluster, 'app=survivor');
      return pods.length === REPLICAS && pods.every(isRunningAndReady) && check(pods) ? pods : undefined;
    }, { timeoutMs: 120_000 });
  const uids = (pods: PodView[]): string[] => pods.map((p) => p.metadata.uid!).sort();
  const restartsOf = (pods: PodView[]): number[] => pods.map((p) => p.status?.containerStatuses?.[0]?.restartCount ?? -1);

  const applied = await cluster.skiff(['apply', '-f', '-'], { input: webDeployment('survivor', {}, { replicas: REPLICAS }) });
  t.equal(applied.code, 0, applied.stderr);
  const before = await readyPods();
  const containersBefore = await running();
  t.equal(containersBefore.length, REPLICAS * 2, 'each Pod runs a sandbox and its container on the private engine');

  await t.test('the engine restarts under a running agent', async (t) => {
    await engine.stop();
    t.same(await running(), [], 'the engine is down');
    await engine.startDaemon();
    const after = await readyPods((pods) => restartsOf(pods).every((n) => n >= 1));
    t.same(uids(after), uids(before), 'the same Pods: nothing re-created by the hub');
    t.ok(restartsOf(after).every((n) => n >= 1), `each container restarted (restartCount ${restartsOf(after).join(', ')})`);
    const sandboxes = await engine.docker(['ps', '--filter', `label=skiff.node=${node}`, '--filter', 'label=skiff.container.name=POD', '--format', '{{.Label "skiff.container.attempt"}}']);
    t.ok(sandboxes.stdout.split('\n').filter(Boolean).every((attempt) => Number(attempt) >= 2), 'in new sandboxes');
    t.equal((await running()).length, REPLICAS * 2, 'a sandbox and a container per Pod again, nothing more');
  });

  await t.test('a reboot with the hub gone: every Pod comes back from the agent’s own store', async (t) => {
    await cluster.stopHub('SIGKILL');
    await cluster.stopAgent(node, 'SIGKILL');
    await engine.stop();
    await engine.startDaemon();
    const all = (await engine.docker(['ps', '-aq', '--filter', `label=skiff.node=${node}`])).stdout.split('\n').filter(Boolean);
    if (all.length > 0) await engine.docker(['rm', '-f', ...all]);
    t.same(await running(), [], 'nothing runs after the reboot');
    await cluster.startAgent('eng', [], { awaitReady: false });
    const back = await waitFor('every Pod back without the hub', async () => {
      const list = await running();
      return list.filter((c) => c.endsWith('/web')).length === REPLICAS && list.filter((c) => c.endsWith('/POD')).length === REPLICAS ? list : undefined;
    }, { timeoutMs: 120_000 });
    t.same(
      [...new Set(back.map((c) => c.split('/')[0]))].sort(),
      before.map((p) => p.metadata.name).sort(),
      'the same Pods (by name) run again, started by the agent alone',
    );
    await cluster.startHub();
    const after = await readyPods();
    t.same(uids(after), uids(before), 'the hub sees the same Pods, Running and Ready');
  });
}
