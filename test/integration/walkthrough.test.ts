/**
 * Kubernetes' "deploy your first application" walkthrough with skiff in place of kubectl, on a
 * real hub, a real agent and the machine's real Docker engine (issue #2). Every step a user takes
 * and every output they read goes through the CLI; the loops that wait for the cluster to get
 * there read the API (a CLI start-up per probe would be most of the file's time).
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { docker } from '../helpers/processes.js';
import { fixture, isRunningAndReady, listPods, restarts, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

const POD_NAME = /^web-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

t.test('deploy, inspect, heal and delete an application', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['edge1'] });
  const node = cluster.nodeName('edge1');

  const started = Date.now();
  const apply = await cluster.skiffProcess(['apply', '-f', fixture('web-deployment.yaml')]);
  t.equal(apply.code, 0, `apply succeeds: ${apply.stderr}`);
  t.equal(apply.stdout.trim(), 'deployment.apps/web created');

  const pods = await waitFor('3 pods Running and Ready', async () => {
    const list = await listPods(cluster, 'app=web');
    return list.length === 3 && list.every(isRunningAndReady) ? list : undefined;
  });
  t.comment(`measured: apply to 3/3 Running took ${Date.now() - started} ms`);

  await t.test('pods are named <deployment>-<template-hash>-<suffix> and report their status', async (t) => {
    for (const pod of pods) {
      t.match(pod.metadata.name, POD_NAME);
      t.equal(pod.spec.nodeName, node);
      const [container] = pod.status!.containerStatuses!;
      t.match(container!.containerID, /^docker:\/\/[0-9a-f]{64}$/);
      t.equal(container!.restartCount, 0);
      t.ok(container!.state.running?.startedAt, 'running since a start time');
      t.ok(pod.status!.startTime);
      t.ok(pod.status!.podIP);
      t.equal(pod.metadata.labels?.app, 'web');
      t.ok(pod.metadata.labels?.['pod-template-hash']);
    }
    const hashes = new Set(pods.map((p) => p.metadata.labels?.['pod-template-hash']));
    t.equal(hashes.size, 1, 'one template hash');
  });

  await t.test('Docker runs one labelled container per pod, serving the page', async (t) => {
    const containers = (await cluster.containers(node)).filter((c) => c.state === 'running');
    t.equal(containers.length, 3);
    t.same(containers.map((c) => c.labels['skiff.pod.name']).sort(), pods.map((p) => p.metadata.name).sort());
    for (const c of containers) {
      t.equal(c.labels['skiff.node'], node);
      t.equal(c.labels['skiff.pod.namespace'], 'default');
      t.equal(c.labels['skiff.container.name'], 'web');
      t.ok(c.labels['skiff.pod.uid']);
      const page = await waitFor(`container ${c.name} to serve`, async () => (await fetch(`http://${c.ip}/`)).text());
      t.equal(page.trim(), 'v1');
    }
  });

  await t.test('get prints kubectl columns', async (t) => {
    // Independent reads of one settled state: all at once.
    const [getPods, getDeploy, getNodes, wide, yaml, deployment, list] = await Promise.all([
      cluster.skiffProcess(['get', 'pods']),
      cluster.skiffProcess(['get', 'deployments']),
      cluster.skiffProcess(['get', 'nodes']),
      cluster.skiffProcess(['get', 'pods', '-o', 'wide']),
      cluster.skiffProcess(['get', 'deployment', 'web', '-o', 'yaml']),
      cluster.getJson<{ status: { readyReplicas: number; availableReplicas: number; replicas: number } }>(['get', 'deployment', 'web']),
      cluster.getJson<{ kind: string; items: unknown[] }>(['get', 'pods']),
    ]);
    t.equal(getPods.code, 0);
    const [header, ...rows] = getPods.stdout.trimEnd().split('\n');
    t.match(header, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    t.equal(rows.length, 3);
    for (const row of rows) t.match(row, /^web-\S+\s+1\/1\s+Running\s+0\s+\d+s$/);

    t.match(getDeploy.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+3\/3\s+3\s+3\s+\S+\n$/);

    t.match(getNodes.stdout, new RegExp(`^NAME\\s+STATUS\\s+ROLES\\s+AGE\\s+VERSION\\n${node}\\s+Ready\\s+<none>\\s+\\S+\\s+v1\\.32`));

    t.match(wide.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    t.match(wide.stdout, node);

    t.match(yaml.stdout, /kind: Deployment/);
    t.match(yaml.stdout, /availableReplicas: 3/);

    t.match(deployment.status, { replicas: 3, readyReplicas: 3, availableReplicas: 3 });

    t.equal(list.kind, 'List');
    t.equal(list.items.length, 3);
  });

  await t.test('applying the same file again changes nothing', async (t) => {
    const again = await cluster.skiffProcess(['apply', '-f', fixture('web-deployment.yaml')]);
    t.equal(again.stdout.trim(), 'deployment.apps/web unchanged');
    const now = await listPods(cluster, 'app=web');
    t.same(now.map((p) => p.metadata.name).sort(), pods.map((p) => p.metadata.name).sort(), 'same pods');
  });

  await t.test('cluster-info and version answer from the hub', async (t) => {
    const [info, version] = await Promise.all([cluster.skiffProcess(['cluster-info']), cluster.skiffProcess(['version'])]);
    t.equal(info.code, 0);
    t.match(info.stdout, `Skiff hub is running at ${cluster.apiUrl}`);
    t.equal(version.code, 0);
    t.match(version.stdout, /^Client Version: \S+\nServer Version: v1\.32\.\d+-skiff/);
  });

  await t.test('a changed manifest is configured: scaling down and back up', async (t) => {
    const manifest = readFileSync(fixture('web-deployment.yaml'), 'utf8');
    const down = await cluster.skiffProcess(['apply', '-f', '-'], { input: manifest.replace('replicas: 3', 'replicas: 2') });
    t.equal(down.stdout.trim(), 'deployment.apps/web configured');
    await waitFor('2 pods', async () => {
      const list = await listPods(cluster, 'app=web');
      return list.length === 2 && list.every(isRunningAndReady);
    });
    await waitFor('2 containers', async () => (await cluster.containers(node)).length === 2);
    const up = await cluster.skiffProcess(['apply', '-f', fixture('web-deployment.yaml')]);
    t.equal(up.stdout.trim(), 'deployment.apps/web configured');
    const after = await waitFor('3 pods again', async () => {
      const list = await listPods(cluster, 'app=web');
      return list.length === 3 && list.every(isRunningAndReady) ? list : undefined;
    });
    const survivors = after.filter((p) => pods.some((o) => o.metadata.name === p.metadata.name));
    t.equal(survivors.length, 2, 'scaling keeps the pods that were kept, replaces none');
    pods.splice(0, pods.length, ...after);
  });

  await t.test('a deleted pod is replaced by the deployment', async (t) => {
    const victim = pods[0]!.metadata.name!;
    const del = await cluster.skiffProcess(['delete', 'pod', victim]);
    t.equal(del.code, 0, del.stderr);
    t.equal(del.stdout.trim(), `pod "${victim}" deleted`);
    const after = await waitFor('a replacement pod Running', async () => {
      const list = await listPods(cluster, 'app=web');
      return list.length === 3 && list.every(isRunningAndReady) && !list.some((p) => p.metadata.name === victim) ? list : undefined;
    });
    t.equal(after.filter((p) => !pods.some((o) => o.metadata.name === p.metadata.name)).length, 1, 'exactly one new pod');
    await waitFor('the victim container to be gone', async () => !(await cluster.containers(node)).some((c) => c.labels['skiff.pod.name'] === victim));
  });

  await t.test('a container removed behind skiff’s back is restarted and counted', async (t) => {
    const [pod] = await listPods(cluster, 'app=web');
    const containerId = pod!.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
    const removedAt = Date.now();
    t.equal((await docker(['rm', '-f', containerId])).code, 0);
    const healed = await waitFor('the pod to run again with one restart', async () => {
      const now = (await listPods(cluster, 'app=web')).find((p) => p.metadata.name === pod!.metadata.name);
      return now && isRunningAndReady(now) && restarts(now) === 1 ? now : undefined;
    });
    t.comment(`measured: docker rm -f to replacement Running (as reported to the hub) took ${Date.now() - removedAt} ms`);
    t.not(healed.status!.containerStatuses![0]!.containerID, pod!.status!.containerStatuses![0]!.containerID, 'a new container');
    const get = await cluster.skiffProcess(['get', 'pod', pod!.metadata.name!]);
    t.match(get.stdout, new RegExp(`${pod!.metadata.name}\\s+1/1\\s+Running\\s+1`));
  });

  await t.test('a container that exits is restarted (restartPolicy Always)', async (t) => {
    // A pod that has not restarted yet: its restart is immediate (kubelet's backoff starts at the second).
    const pod = (await listPods(cluster, 'app=web')).find((p) => restarts(p) === 0);
    t.ok(pod, 'a pod that has not restarted');
    const before = restarts(pod!);
    const containerId = pod!.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
    t.equal((await docker(['kill', containerId])).code, 0);
    const healed = await waitFor('the pod to run again', async () => {
      const now = (await listPods(cluster, 'app=web')).find((p) => p.metadata.name === pod!.metadata.name);
      return now && isRunningAndReady(now) && restarts(now) === before + 1 ? now : undefined;
    });
    t.ok(healed.status!.containerStatuses![0]!.lastState.terminated, 'last termination reported');
  });

  await t.test('deleting the deployment removes its pods and containers', async (t) => {
    const del = await cluster.skiffProcess(['delete', 'deployment', 'web']);
    t.equal(del.code, 0, del.stderr);
    t.equal(del.stdout.trim(), 'deployment.apps "web" deleted');
    await waitFor('no pods left', async () => (await listPods(cluster, 'app=web')).length === 0);
    await waitFor('no containers left', async () => (await cluster.containers(node)).length === 0);
    const rs = await cluster.getJson<{ items: PodView[] }>(['get', 'rs']);
    t.equal(rs.items.length, 0, 'its ReplicaSets are gone too');
  });
});
