/**
 * Backup and restore of a real hub process (issue #9), as an operator replacing a lost hub does:
 * `skiff hub backup` while the hub runs and an agent is connected, a restore refused while the
 * hub still runs, then the hub stopped, its data dir gone, the backup restored into a fresh one
 * and a hub started there. The objects are back, the CA is the same one (the agent, which pinned
 * it at join, reconnects with its credentials without joining again) and the agent applies what
 * the restored hub publishes next.
 */
import { existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

interface PodJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status?: { phase?: string };
}

interface NodeJson {
  status?: { conditions?: Array<{ type: string; status: string; lastHeartbeatTime?: string }> };
}

function deployment(name: string): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never', command: ['sleep', '3600'] }] },
      },
    },
  };
}

t.test('a backup of a running hub restores into a fresh data dir with its objects and its CA', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['a'] });
  const node = cluster.nodeName('a');
  const runningPod = async (app: string): Promise<PodJson | undefined> => {
    const pods = await cluster.api<{ items: PodJson[] }>('/api/v1/namespaces/default/pods');
    return pods.items.find((pod) => pod.metadata.labels?.app === app && pod.spec.nodeName === node && pod.status?.phase === 'Running');
  };

  await cluster.create('/apis/apps/v1/namespaces/default/deployments', deployment('before'));
  await cluster.create('/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kept' }, data: { password: 'aHVudGVyMg==' } });
  await waitFor('the pod of deployment before to run', () => runningPod('before'), { timeoutMs: 90_000 });
  const caBefore = cluster.caPem;

  const backupDir = mkdtempSync(join(tmpdir(), 'skiff-it-backup-'));
  t.teardown(() => rmSync(backupDir, { recursive: true, force: true }));
  const file = join(backupDir, 'hub.backup');
  const backup = await cluster.skiffProcess(['hub', 'backup', file, '--data-dir', cluster.hubDataDir]);
  t.equal(backup.code, 0, backup.stderr);
  t.match(backup.stdout, /^backed up \d+ objects \(schema version \d+\) and \d+ files \(join-token, admin-token, admin\.config, kubeconfig, encryption\.key, tls\/ca\.crt, tls\/ca\.key, tls\/server\.crt, tls\/server\.key\)/);
  t.equal(statSync(file).mode & 0o777, 0o600);
  await cluster.create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-the-backup' }, data: {} });
  // The agent gets desired states of higher generations than the backup holds: the restored
  // hub's next ones must still be taken as newer.
  await cluster.create('/apis/apps/v1/namespaces/default/deployments', deployment('gone'));
  await waitFor('the pod of deployment gone to run', () => runningPod('gone'), { timeoutMs: 90_000 });

  const whileRunning = await cluster.skiffProcess(['hub', 'restore', file, '--data-dir', cluster.hubDataDir, '--force']);
  t.equal(whileRunning.code, 1);
  t.equal(whileRunning.stderr, `error: a hub is running on ${cluster.hubDataDir} (${join(cluster.hubDataDir, 'hub.db')} is in use): stop it before restoring\n`);

  // The hub machine is lost: its data dir goes away, and a fresh one is restored at the same path.
  await cluster.stopHub();
  renameSync(cluster.hubDataDir, join(cluster.dir, 'lost-hub'));
  t.notOk(existsSync(cluster.hubDataDir));
  const restore = await cluster.skiffProcess(['hub', 'restore', file, '--data-dir', cluster.hubDataDir]);
  t.equal(restore.code, 0, restore.stderr);
  const restoredAt = new Date();
  await cluster.startHub();

  t.equal(cluster.caPem, caBefore, 'the same CA: what agents pinned at join still verifies the hub');
  const restoredDeployment = await cluster.api<{ metadata: { name: string } }>('/apis/apps/v1/namespaces/default/deployments/before');
  t.equal(restoredDeployment.metadata.name, 'before', 'the Deployment is back');
  t.same((await cluster.api<{ data?: Record<string, string> }>('/api/v1/namespaces/default/secrets/kept')).data, { password: 'aHVudGVyMg==' }, 'Secrets decrypt with the restored key');
  const after = await cluster.fetch('/api/v1/namespaces/default/configmaps/after-the-backup');
  t.equal(after.status, 404, 'what was written after the backup is not in it');

  await waitFor('the agent to report to the restored hub', async () => {
    const ready = (await cluster.api<NodeJson>(`/api/v1/nodes/${node}`)).status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'True' && ready.lastHeartbeatTime !== undefined && new Date(ready.lastHeartbeatTime).getTime() >= restoredAt.getTime() - 1000;
  });
  await cluster.create('/apis/apps/v1/namespaces/default/deployments', deployment('restored'));
  await waitFor('the agent to run a pod the restored hub scheduled', () => runningPod('restored'), { timeoutMs: 90_000 });
  await waitFor('the agent to remove the pod the restored hub does not know', async () => {
    const containers = await cluster.containers(node);
    return !containers.some((container) => container.labels['skiff.pod.name']?.startsWith('gone-'));
  });
  t.pass('the agent applies the desired state the restored hub publishes');
});
