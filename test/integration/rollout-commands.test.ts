/**
 * The rollout commands on a real hub and agent on Docker: `set image`, `rollout status`,
 * `rollout history`, `rollout undo`, `rollout pause|resume` and `scale`, checked against the Pods
 * that really run.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { fixture, isRunningAndReady, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

const manifest = readFileSync(fixture('web-deployment.yaml'), 'utf8');

async function livePods(cluster: TestCluster): Promise<PodView[]> {
  const { items } = await cluster.api<{ items: PodView[] }>('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
  return items.filter((p) => !p.metadata.deletionTimestamp);
}

const images = (pods: PodView[]): string[] => pods.map((p) => p.spec.containers[0]!.image).sort();

t.test('set image, rollout status / history / undo and scale on a real cluster', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['ro'] });
  t.equal((await cluster.skiff(['apply', '-f', '-'], { input: manifest })).code, 0);

  const first = await cluster.skiff(['rollout', 'status', 'deployment/web', '--timeout=120s']);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, /deployment "web" successfully rolled out\n$/);

  await t.test('set image rolls out web:2', async (t) => {
    const set = await cluster.skiff(['set', 'image', 'deployment/web', 'web=skiff-test/web:2']);
    t.same([set.code, set.stdout, set.stderr], [0, 'deployment.apps/web image updated\n', '']);
    const status = await cluster.skiff(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    t.comment(status.stdout);
    t.equal(status.code, 0, status.stderr);
    t.match(status.stdout, /deployment "web" successfully rolled out\n$/);
    const pods = await livePods(cluster);
    t.same(images(pods), ['skiff-test/web:2', 'skiff-test/web:2', 'skiff-test/web:2']);
    t.ok(pods.every(isRunningAndReady));
  });

  await t.test('rollout history lists revisions 1 and 2', async (t) => {
    const history = await cluster.skiff(['rollout', 'history', 'deployment/web']);
    t.equal(history.code, 0, history.stderr);
    t.equal(history.stdout, 'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    const two = await cluster.skiff(['rollout', 'history', 'deployment/web', '--revision=2']);
    t.equal(two.code, 0, two.stderr);
    t.match(two.stdout, /^deployment\.apps\/web with revision #2\nPod Template:\n/);
    t.match(two.stdout, /Image: +skiff-test\/web:2\n/);
    const none = await cluster.skiff(['rollout', 'history', 'deployment/web', '--revision=9']);
    t.same([none.code, none.stderr], [1, 'error: unable to find the specified revision\n']);
  });

  await t.test('rollout undo returns to web:1', async (t) => {
    const undo = await cluster.skiff(['rollout', 'undo', 'deployment/web']);
    t.same([undo.code, undo.stdout, undo.stderr], [0, 'deployment.apps/web rolled back\n', '']);
    const status = await cluster.skiff(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    t.equal(status.code, 0, status.stderr);
    t.match(status.stdout, /deployment "web" successfully rolled out\n$/);
    const pods = await livePods(cluster);
    t.same(images(pods), ['skiff-test/web:1', 'skiff-test/web:1', 'skiff-test/web:1']);
    const history = await cluster.skiff(['rollout', 'history', 'deployment/web']);
    t.equal(history.stdout, 'deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n', 'revision 1 became revision 3');
    const again = await cluster.skiff(['rollout', 'undo', 'deployment/web', '--to-revision=3']);
    t.same([again.code, again.stdout], [0, 'deployment.apps/web skipped rollback (current template already matches revision 3)\n']);
  });

  await t.test('a paused Deployment starts no rollout until resumed', async (t) => {
    const pause = await cluster.skiff(['rollout', 'pause', 'deployment/web']);
    t.same([pause.code, pause.stdout], [0, 'deployment.apps/web paused\n']);
    const before = (await livePods(cluster)).map((p) => p.metadata.name).sort();
    t.equal((await cluster.skiff(['set', 'image', 'deployment/web', 'web=skiff-test/web:2'])).code, 0);
    const paused = await waitFor('Progressing=Unknown DeploymentPaused', async () => {
      const d = await cluster.getJson<{ status: { conditions?: Array<{ type: string; status: string; reason?: string }> } }>(['get', 'deployment', 'web']);
      return d.status.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused');
    });
    t.equal(paused.status, 'Unknown');
    const rs = await cluster.getJson<{ items: unknown[] }>(['get', 'rs']);
    const revisionsWhilePaused = rs.items.length;
    t.same((await livePods(cluster)).map((p) => p.metadata.name).sort(), before, 'no Pod replaced while paused');
    const resume = await cluster.skiff(['rollout', 'resume', 'deployment/web']);
    t.same([resume.code, resume.stdout], [0, 'deployment.apps/web resumed\n']);
    const status = await cluster.skiff(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    t.equal(status.code, 0, status.stderr);
    t.same(images(await livePods(cluster)), ['skiff-test/web:2', 'skiff-test/web:2', 'skiff-test/web:2'], 'the held change rolls out on resume');
    t.ok((await cluster.getJson<{ items: unknown[] }>(['get', 'rs'])).items.length >= revisionsWhilePaused, 'no revision was created or lost while paused');
  });

  await t.test('scale --replicas=1 leaves one Pod', async (t) => {
    const scale = await cluster.skiff(['scale', 'deployment/web', '--replicas=1']);
    t.same([scale.code, scale.stdout, scale.stderr], [0, 'deployment.apps/web scaled\n', '']);
    const status = await cluster.skiff(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    t.equal(status.code, 0, status.stderr);
    const pods = await waitFor('exactly 1 web pod left', async () => {
      const { items } = await cluster.api<{ items: PodView[] }>('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
      return items.length === 1 ? items : undefined;
    }, { timeoutMs: 60_000 });
    t.equal(pods[0]!.spec.containers[0]!.image, 'skiff-test/web:2', 'the image rolled out after resume');
    t.ok(isRunningAndReady(pods[0]!));
  });
});
