/**
 * Issue #3's figures: a 3-replica rolling update from web:1 to web:2 (default strategy: 25%
 * surge / 25% unavailable, so one Pod at a time) and the `rollout undo` back to web:1, each from
 * the command to the Deployment reporting the rollout complete (all replicas updated and
 * available, no old Pods left), as `skiff rollout status` would see it. The CI smoke run applies
 * it with one replica: the same code paths, a third of the containers.
 */
import { readFileSync } from 'node:fs';
import { TestCluster } from '../helpers/cluster.js';
import { fixture } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';
import { summary } from './stats.js';

const quietTap = { teardown: () => undefined, passing: () => true, comment: () => undefined };

interface DeploymentView {
  metadata: { generation?: number };
  spec: { replicas?: number; template: { spec: { containers: Array<{ image: string }> } } };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

/** kubectl's rollout-status condition: observed, all updated, no old replicas, all available. */
async function rolledOut(cluster: TestCluster, image: string): Promise<boolean> {
  const d = await cluster.api<DeploymentView>('/apis/apps/v1/namespaces/default/deployments/web');
  const want = d.spec.replicas ?? 1;
  const s = d.status;
  return (
    d.spec.template.spec.containers[0]!.image === image &&
    (s?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    s?.updatedReplicas === want &&
    s.replicas === want &&
    s.availableReplicas === want
  );
}

export async function benchRollout(iterations: number, replicas = 3): Promise<string[]> {
  const cluster = await TestCluster.start(quietTap, { agents: ['rollout'] });
  const updateSamples: number[] = [];
  const undoSamples: number[] = [];
  try {
    // The fixture's manifest (3 replicas), applied with the replicas asked for.
    const manifest = readFileSync(fixture('web-deployment.yaml'), 'utf8').replace(/^(\s*)replicas: 3$/m, `$1replicas: ${replicas}`);
    await cluster.skiffProcess(['apply', '-f', '-'], { input: manifest });
    await waitFor('web:1 rolled out', () => rolledOut(cluster, 'skiff-test/web:1'), { intervalMs: 50, timeoutMs: 60_000 });
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      await cluster.skiffProcess(['set', 'image', 'deployment/web', 'web=skiff-test/web:2']);
      await waitFor('web:2 rolled out', () => rolledOut(cluster, 'skiff-test/web:2'), { intervalMs: 50, timeoutMs: 60_000 });
      updateSamples.push(performance.now() - start);

      const undone = performance.now();
      await cluster.skiffProcess(['rollout', 'undo', 'deployment/web']);
      await waitFor('web:1 rolled back', () => rolledOut(cluster, 'skiff-test/web:1'), { intervalMs: 50, timeoutMs: 60_000 });
      undoSamples.push(performance.now() - undone);
    }
  } finally {
    await cluster.destroy();
  }
  return [
    `rolling update web:1 -> web:2, ${replicas} replicas: ${summary(updateSamples)}`,
    `rollout undo -> web:1, ${replicas} replicas:         ${summary(undoSamples)}`,
  ];
}
