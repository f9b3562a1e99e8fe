/**
 * A full disk under the agent (issue #7): its data dir is a small tmpfs the test fills up. The
 * agent keeps its Pods running and restarting (container history waits in memory), does not act
 * on a desired state it cannot store (it keeps running the last one it stored), never corrupts
 * agent.db, and resumes — stores and applies the new state — once space returns.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { webDeployment } from '../helpers/manifests.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { docker } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

t.test('a full disk: Pods keep running and restarting, nothing is corrupted, the agent resumes when space returns', async (t) => {
  const mount = mkdtempSync(join(tmpdir(), 'skiff-full-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mount]);
  t.teardown(() => {
    spawnSync('umount', ['-l', mount]);
    rmSync(mount, { recursive: true, force: true });
  });
  const dataDir = join(mount, 'agent');
  const cluster = await TestCluster.start(t);
  // Only a memory threshold: no DiskPressure taint (which would rightly keep new Pods off this
  // node), so a new desired state does reach the agent while its disk is full.
  const node = await cluster.startAgent('full', ['--eviction-hard', 'memory.available<1Mi'], { dataDir });
  const apply = async (manifest: string): Promise<void> => {
    const result = await cluster.skiff(['apply', '-f', '-'], { input: manifest });
    t.equal(result.code, 0, result.stderr);
  };
  const running = (app: string, check: (p: PodView) => boolean = () => true): Promise<PodView> =>
    waitFor(`${app} running`, async () => {
      const [p] = await listPods(cluster, `app=${app}`);
      return p && isRunningAndReady(p) && check(p) ? p : undefined;
    }, { timeoutMs: 90_000 });
  const containersOf = async (app: string): Promise<string[]> => (await cluster.containers(node)).filter((c) => c.labels['skiff.pod.name']?.startsWith(`${app}-`) && c.state === 'running').map((c) => c.id);
  const agentLog = (): string => readFileSync(join(cluster.dir, 'agent-full.log'), 'utf8');

  await apply(webDeployment('steady'));
  const before = await running('steady');

  // Fill the disk: dd stops at ENOSPC.
  spawnSync('dd', ['if=/dev/zero', `of=${join(mount, 'filler')}`, 'bs=1M'], { stdio: 'ignore' });
  t.ok(statfsSync(mount).bavail === 0, 'the agent’s disk is full');

  await t.test('a new desired state is not acted on until it can be stored', async (t) => {
    await apply(webDeployment('late'));
    await waitFor('the agent to say it cannot store the desired state', async () => (agentLog().includes('cannot store the desired state') ? true : undefined), { timeoutMs: 60_000 });
    t.same(await containersOf('late'), [], 'no container for the new Deployment: the stored state is still the old one');
  });

  await t.test('a crashed container is still restarted', async (t) => {
    const [id] = await containersOf('steady');
    t.ok(id, 'the steady Pod runs');
    t.equal((await docker(['kill', id!])).code, 0);
    const after = await running('steady', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    t.equal(after.metadata.uid, before.metadata.uid, 'the same Pod');
    t.match(agentLog(), /cannot write container history/, 'the history waited in memory');
  });

  await t.test('space returns: the agent stores and applies the new state', async (t) => {
    rmSync(join(mount, 'filler'));
    const late = await running('late');
    t.equal(late.spec.nodeName, node);
    await cluster.stopAgent(node);
    const db = new Database(join(dataDir, 'agent.db'), { readonly: true });
    t.teardown(() => db.close());
    t.equal((db.pragma('integrity_check', { simple: true }) as string), 'ok', 'agent.db passes integrity_check');
    const stored = db.prepare('SELECT payload FROM desired_state WHERE id = 1').get() as { payload: string };
    const pods = (JSON.parse(stored.payload) as { pods: Array<{ metadata: { name: string } }> }).pods.map((p) => p.metadata.name);
    t.ok(pods.some((name) => name.startsWith('late-')), 'the stored desired state is the new one');
  });
});
