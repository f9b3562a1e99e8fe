/**
 * Issue #11's done-when: two hubs on one PostgreSQL 15 and one Mosquitto (both started here,
 * Debian's), three real agents on Docker. A rolling update starts; the leader hub is killed
 * (SIGKILL) in the middle of it; the other hub takes the lease and finishes the rollout, with no
 * Pod created twice, none bound twice, and no object lost. The failover time is measured (the
 * leader's death to the new holder of the lease) and printed.
 *
 * The hubs share one identity (CA, tokens, encryption key: the second's data dir is seeded from
 * the first's, as docs/scale-out.md says to do), the broker's certificate is issued by that CA,
 * and the agents are sent to the broker by the join answer (mqttUrl).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import t from 'tap';
import pg from 'pg';
import { HUB_FILES } from '../../shared/defaults.js';
import { issueServerCert, loadOrCreateTls } from '../../hub/identity/tls.js';
import { TestCluster, trustingFetch } from '../helpers/cluster.js';
import { freePort } from '../helpers/ports.js';
import { startPostgres } from '../helpers/postgres.js';
import { startMosquitto, type LocalMosquitto } from '../helpers/mosquitto.js';
import { spawnSkiff, stop } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import type { PodView } from '../helpers/pods.js';

const REPLICAS = 3;

interface WatchedPod {
  name: string;
  replicaSet: string;
  nodeNames: Set<string>;
}

t.test('two hubs, one PostgreSQL, one Mosquitto: the leader dies mid-rollout and the other finishes it', async (t) => {
  const postgres = await startPostgres();
  t.teardown(() => postgres.close());
  const datastore = await postgres.createDatabase();
  let mosquitto: LocalMosquitto | undefined;
  const passwordFile = (dir: string, password: string): string => {
    const file = join(dir, 'mqtt-password');
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
    return file;
  };

  const cluster = await TestCluster.start(t, {
    beforeHubStart: async (dataDir) => {
      mkdirSync(dataDir, { recursive: true });
      const tls = loadOrCreateTls(dataDir, { host: '127.0.0.1' });
      const ca = { certPem: tls.caPem, keyPem: readFileSync(join(dataDir, 'tls', 'ca.key'), 'utf8') };
      const brokerCert = issueServerCert(ca, { dns: ['localhost'], ips: ['127.0.0.1'] }, new Date());
      mosquitto = await startMosquitto({ tls: { caPem: tls.caPem, certPem: brokerCert.certPem, keyPem: brokerCert.keyPem } });
      return ['--datastore-endpoint', datastore, '--mqtt-url', mosquitto.url, '--mqtt-password-file', passwordFile(dataDir, mosquitto.hubPassword)];
    },
  });
  t.teardown(() => mosquitto?.close());
  const broker = mosquitto!;

  // The second hub: the first one's identity, its own ports and data dir.
  const secondDir = join(cluster.dir, 'hub-2');
  mkdirSync(join(secondDir, 'tls'), { recursive: true });
  for (const file of ['tls/ca.crt', 'tls/ca.key', HUB_FILES.joinToken, 'admin-token', HUB_FILES.encryptionKey]) copyFileSync(join(cluster.hubDataDir, file), join(secondDir, file));
  const secondApiPort = await freePort();
  const secondArgs = [
    'hub', '--data-dir', secondDir, '--api-port', String(secondApiPort), '--mqtt-port', String(await freePort()), '--host', '127.0.0.1',
    '--datastore-endpoint', datastore, '--mqtt-url', broker.url, '--mqtt-password-file', passwordFile(secondDir, broker.hubPassword),
  ];
  const secondLog = process.env.SKIFF_TEST_SECOND_HUB_LOG ?? join(cluster.dir, 'hub-2.log');
  const second: ChildProcess = spawnSkiff(secondArgs, secondLog);
  t.teardown(async () => {
    // SIGTERM: a hub that stops cleanly gives its lease up (and writes its coverage).
    await stop(second, 'SIGTERM');
    // The cluster prints its own hub's and agents' logs on failure; this one is the test's.
    if (!t.passing()) t.comment(`second hub's log:\n${readFileSync(secondLog, 'utf8').split('\n').slice(-150).join('\n')}`);
  });
  const caFetch = await trustingFetch(cluster.caPem);
  const apiOf = (port: number) => async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await caFetch(`https://127.0.0.1:${port}${path}`, { ...init, headers: { authorization: `Bearer ${cluster.adminToken}`, 'content-type': 'application/json', ...(init.headers as object) } });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const firstApi = apiOf(cluster.apiPort);
  const secondApi = apiOf(secondApiPort);
  await waitFor('the second hub to answer', async () => (await caFetch(`https://127.0.0.1:${secondApiPort}/healthz`).catch(() => undefined))?.ok);

  const admin = new pg.Client({ connectionString: datastore });
  await admin.connect();
  t.teardown(() => admin.end());
  const holder = async (): Promise<{ holder: string; fencing: number } | undefined> => {
    const row = (await admin.query('SELECT holder, fencing FROM leader_leases WHERE name = $1', ['controllers'])).rows[0] as { holder: string; fencing: string } | undefined;
    return row ? { holder: row.holder, fencing: Number(row.fencing) } : undefined;
  };
  const pidOf = (lease: { holder: string }): number => Number(/-(\d+)-[0-9a-f]{6}$/.exec(lease.holder)?.[1]);

  const nodes = [await cluster.startAgent('a'), await cluster.startAgent('b'), await cluster.startAgent('c')];

  await t.test('both hubs serve the API; exactly one leads', async (t) => {
    const lease = await waitFor('a leader', holder);
    t.ok([cluster.hubPid, second.pid].includes(pidOf(lease)), `the leader is one of the two hubs (${lease.holder})`);
    const viaFirst = await firstApi<{ items: Array<{ metadata: { name: string } }> }>('/api/v1/nodes');
    const viaSecond = await secondApi<{ items: Array<{ metadata: { name: string } }> }>('/api/v1/nodes');
    t.same(viaSecond.items.map((n) => n.metadata.name), viaFirst.items.map((n) => n.metadata.name));
    t.same(viaFirst.items.map((n) => n.metadata.name).sort(), [...nodes].sort(), 'the three agents joined through the external broker');
  });

  // Objects that must outlive the failover, as they were before it.
  await firstApi('/api/v1/namespaces/default/configmaps', { method: 'POST', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep-me' }, data: { a: '1' } }) });
  await secondApi('/api/v1/namespaces/default/services', {
    method: 'POST',
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }),
  });
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      // Each new Pod takes a few seconds to be available: the rollout lasts long enough to be cut in the middle.
      minReadySeconds: 3,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never' }] },
      },
    },
  };
  await firstApi('/apis/apps/v1/namespaces/default/deployments', { method: 'POST', body: JSON.stringify(deployment) });
  interface DeploymentView {
    metadata: { generation: number; uid: string };
    spec: { template: { spec: { containers: Array<{ image: string }> } } };
    status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; replicas?: number };
  }
  const complete = (d: DeploymentView): boolean =>
    d.status?.observedGeneration === d.metadata.generation && d.status.updatedReplicas === REPLICAS && d.status.availableReplicas === REPLICAS && d.status.replicas === REPLICAS;
  await waitFor('web:1 on three nodes', async () => complete(await secondApi<DeploymentView>('/apis/apps/v1/namespaces/default/deployments/web')), { timeoutMs: 120_000 });
  const before = {
    configMap: (await secondApi<{ metadata: { uid: string } }>('/api/v1/namespaces/default/configmaps/keep-me')).metadata.uid,
    service: (await secondApi<{ metadata: { uid: string } }>('/api/v1/namespaces/default/services/web')).metadata.uid,
    deployment: (await secondApi<DeploymentView>('/apis/apps/v1/namespaces/default/deployments/web')).metadata.uid,
    nodes: (await secondApi<{ items: Array<{ metadata: { uid: string } }> }>('/api/v1/nodes')).items.map((n) => n.metadata.uid).sort(),
  };

  // Every Pod the cluster ever has from here on, through the follower's watch (it outlives the leader).
  const seen = new Map<string, WatchedPod>();
  const watchAbort = new AbortController();
  t.teardown(() => watchAbort.abort());
  const listed = await secondApi<{ metadata: { resourceVersion: string } }>('/api/v1/namespaces/default/pods');
  const watchResponse = await caFetch(`https://127.0.0.1:${secondApiPort}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${listed.metadata.resourceVersion}`, {
    headers: { authorization: `Bearer ${cluster.adminToken}` },
    signal: watchAbort.signal,
  });
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of watchResponse.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim() === '') continue;
        const event = JSON.parse(line) as { type: string; object: PodView };
        const pod = event.object;
        const entry = seen.get(pod.metadata.name!) ?? { name: pod.metadata.name!, replicaSet: pod.metadata.ownerReferences?.[0]?.name ?? '', nodeNames: new Set<string>() };
        if (pod.spec?.nodeName) entry.nodeNames.add(pod.spec.nodeName);
        seen.set(entry.name, entry);
      }
    }
  })().catch(() => undefined); // aborted at teardown

  const current = await secondApi<DeploymentView & { metadata: { resourceVersion: string } }>('/apis/apps/v1/namespaces/default/deployments/web');
  current.spec.template.spec.containers[0]!.image = 'skiff-test/web:2';
  await secondApi('/apis/apps/v1/namespaces/default/deployments/web', { method: 'PUT', body: JSON.stringify(current) });

  const leaderBefore = (await holder())!;
  const leaderIsFirst = pidOf(leaderBefore) === cluster.hubPid;
  const survivorApi = leaderIsFirst ? secondApi : firstApi;
  await t.test('the leader is killed in the middle of the rollout', async (t) => {
    const midway = await waitFor('the rollout to be under way (a web:2 Pod running, not all)', async () => {
      const d = await survivorApi<DeploymentView>('/apis/apps/v1/namespaces/default/deployments/web');
      const updated = d.status?.updatedReplicas ?? 0;
      return d.status?.observedGeneration === d.metadata.generation && updated >= 1 && updated < REPLICAS ? d : undefined;
    }, { intervalMs: 100, timeoutMs: 120_000 });
    t.comment(`killing the leader (${leaderIsFirst ? 'first' : 'second'} hub) at ${midway.status?.updatedReplicas} of ${REPLICAS} updated`);
    const killedAt = Date.now();
    if (leaderIsFirst) await cluster.stopHub('SIGKILL');
    else await stop(second, 'SIGKILL');
    const next = await waitFor('the other hub to take the lease', async () => {
      const lease = await holder();
      return lease && lease.holder !== leaderBefore.holder ? lease : undefined;
    }, { intervalMs: 50, timeoutMs: 60_000 });
    const failoverMs = Date.now() - killedAt;
    t.comment(`failover: the new leader held the lease ${failoverMs} ms after the old one was killed (lease ${10} s, retry ${2} s)`);
    t.equal(next.fencing, leaderBefore.fencing + 1, 'a new fencing token');
    t.equal(pidOf(next), leaderIsFirst ? second.pid : cluster.hubPid, 'the surviving hub leads');
  });

  await t.test('the new leader finishes the rollout: no Pod created or bound twice, no object lost', async (t) => {
    const done = await waitFor('the rollout to complete under the new leader', async () => {
      const d = await survivorApi<DeploymentView>('/apis/apps/v1/namespaces/default/deployments/web');
      return complete(d) && d.spec.template.spec.containers[0]!.image === 'skiff-test/web:2' ? d : undefined;
    }, { timeoutMs: 180_000 });
    t.ok(done);
    const pods = await waitFor('exactly three Pods left, all web:2 and running', async () => {
      const list = (await survivorApi<{ items: PodView[] }>('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).items;
      return list.length === REPLICAS && list.every((p) => p.spec.containers[0]!.image === 'skiff-test/web:2' && p.status?.phase === 'Running') ? list : undefined;
    }, { timeoutMs: 120_000 });
    const newReplicaSet = pods[0]!.metadata.ownerReferences![0]!.name;
    const createdByNewSet = [...seen.values()].filter((p) => p.replicaSet === newReplicaSet);
    t.equal(createdByNewSet.length, REPLICAS, `the new ReplicaSet created exactly ${REPLICAS} Pods over the whole rollout (${createdByNewSet.map((p) => p.name).join(', ')})`);
    t.ok([...seen.values()].every((p) => p.nodeNames.size <= 1), 'no Pod was ever bound to two nodes');
    const running = (await Promise.all(nodes.map((node) => cluster.containers(node)))).flat().filter((c) => c.state === 'running' && c.labels['skiff.pod.namespace'] === 'default');
    t.equal(running.length, REPLICAS, 'three containers run on the nodes, one per Pod');
    t.same(new Set(running.map((c) => c.labels['skiff.pod.name'])), new Set(pods.map((p) => p.metadata.name)), 'exactly the three Pods');

    t.equal((await survivorApi<{ metadata: { uid: string } }>('/api/v1/namespaces/default/configmaps/keep-me')).metadata.uid, before.configMap, 'the ConfigMap');
    t.equal((await survivorApi<{ metadata: { uid: string } }>('/api/v1/namespaces/default/services/web')).metadata.uid, before.service, 'the Service');
    t.equal(done.metadata.uid, before.deployment, 'the Deployment');
    t.same((await survivorApi<{ items: Array<{ metadata: { uid: string } }> }>('/api/v1/nodes')).items.map((n) => n.metadata.uid).sort(), before.nodes, 'the three Nodes');
  });
});
