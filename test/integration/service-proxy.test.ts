/**
 * The agents' service proxy with real containers on two agents (issue #8): each agent binds its
 * own node IP (127.0.0.2 and 127.0.0.3, as `--node-ip` on one machine), so a NodePort answers on
 * both, and requests to either spread over the Pods of both nodes (those of the other node through
 * its relay). Also: sessionAffinity ClientIP; a Pod killed mid-load drops out of rotation (the
 * failed requests are counted and printed); a Service selecting nothing refuses connections; and
 * inside a Pod the Service answers by name and through its {NAME}_SERVICE_HOST/_PORT variables.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { whoamiDeployment } from '../helpers/manifests.js';
import { docker } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';
import { waitFor } from '../helpers/wait.js';

const NODE_A_IP = '127.0.0.2';
const NODE_B_IP = '127.0.0.3';

const service = (name: string, selector: Record<string, string>, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { type: 'NodePort', selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...extra },
  });

/** One GET on a new connection: the body, or the error code. */
function get(host: string, port: number, path = '/'): Promise<{ body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ body: body.trim() }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

function tally(bodies: Array<string | undefined>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const body of bodies) if (body !== undefined) counts.set(body, (counts.get(body) ?? 0) + 1);
  return counts;
}

t.test('NodePort and clusterIP Services proxied by two agents', async (t) => {
  const cluster = await TestCluster.start(t, { agents: [] });
  const nodeA = await cluster.startAgent('a', ['--node-ip', NODE_A_IP]);
  const nodeB = await cluster.startAgent('b', ['--node-ip', NODE_B_IP]);
  const apply = async (manifest: string): Promise<void> => {
    const result = await cluster.skiff(['apply', '-f', '-'], { input: manifest });
    t.equal(result.code, 0, result.stderr);
  };
  await apply(whoamiDeployment('whoami-a', nodeA, { replicas: 2, labels: { tier: 'whoami' } }));
  await apply(whoamiDeployment('whoami-b', nodeB, { replicas: 2, labels: { tier: 'whoami' } }));
  await apply(service('whoami', { tier: 'whoami' }));
  const svc = await cluster.getJson<{ spec: { clusterIP: string; ports: Array<{ nodePort: number }> } }>(['get', 'svc', 'whoami']);
  const nodePort = svc.spec.ports[0]!.nodePort;
  const podNames = await waitFor('4 whoami Pods Running and Ready', async () => {
    const pods = await listPods(cluster, 'tier=whoami');
    return pods.length === 4 && pods.every(isRunningAndReady) ? pods.map((p) => p.metadata.name!).sort() : undefined;
  });
  // Both proxies have the view with all four endpoints when every Pod has answered through both.
  await waitFor('both NodePorts to reach all 4 Pods', async () => {
    for (const host of [NODE_A_IP, NODE_B_IP]) {
      const seen = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const { body } = await get(host, nodePort);
        if (body) seen.add(body);
      }
      if (seen.size !== 4) return false;
    }
    return true;
  });

  await t.test('requests to the NodePort of either node spread over the Pods of both nodes, round-robin', async (t) => {
    for (const host of [NODE_A_IP, NODE_B_IP]) {
      const results = await Promise.all(Array.from({ length: 40 }, () => get(host, nodePort)));
      t.same(results.filter((r) => r.error), [], `no failed request through ${host}`);
      const counts = tally(results.map((r) => r.body));
      t.same([...counts.keys()].sort(), podNames, `through ${host}, every Pod answered`);
      for (const [pod, n] of counts) t.ok(n >= 5, `through ${host}, ${pod} answered ${n} of 40`);
    }
  });

  await t.test('sessionAffinity ClientIP keeps a client on one Pod', async (t) => {
    await apply(service('whoami-sticky', { tier: 'whoami' }, { sessionAffinity: 'ClientIP' }));
    const sticky = await cluster.getJson<{ spec: { ports: Array<{ nodePort: number }> } }>(['get', 'svc', 'whoami-sticky']);
    const port = sticky.spec.ports[0]!.nodePort;
    const first = await waitFor('the sticky Service to answer', async () => (await get(NODE_A_IP, port)).body);
    const bodies: Array<string | undefined> = [];
    for (let i = 0; i < 12; i++) bodies.push((await get(NODE_A_IP, port)).body);
    t.same(tally(bodies), new Map([[first, 12]]), 'every request of this client went to the same Pod');
  });

  await t.test('a Service that selects nothing refuses connections at once', async (t) => {
    await apply(service('nobody', { app: 'no-such-app' }));
    const empty = await cluster.getJson<{ spec: { ports: Array<{ nodePort: number }> } }>(['get', 'svc', 'nobody']);
    const result = await get(NODE_A_IP, empty.spec.ports[0]!.nodePort);
    t.equal(result.error, 'ECONNREFUSED');
  });

  await t.test('inside a Pod the Service answers by name and through its environment variables', async (t) => {
    // Created after the Service, so its containers get the variables (fixed at creation, as kubelet's).
    await apply(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'client', labels: { app: 'client' } },
        spec: { nodeName: nodeA, terminationGracePeriodSeconds: 1, containers: [{ name: 'sh', image: 'skiff-test/web:1', imagePullPolicy: 'Never', command: ['sleep', '3600'] }] },
      }),
    );
    const container = await waitFor('the client container', async () => (await cluster.containers(nodeA)).find((c) => c.labels['skiff.pod.name'] === 'client' && c.state === 'running'));
    const exec = async (...command: string[]): Promise<string> => {
      const result = await docker(['exec', container.id, ...command]);
      return result.code === 0 ? result.stdout.trim() : `exit ${result.code}: ${result.stderr.trim()}`;
    };
    const env = await exec('env');
    t.match(env, new RegExp(`^WHOAMI_SERVICE_HOST=${svc.spec.clusterIP.replaceAll('.', '\\.')}$`, 'm'));
    t.match(env, /^WHOAMI_SERVICE_PORT=80$/m);
    t.match(env, /^WHOAMI_SERVICE_PORT_HTTP=80$/m);
    t.match(env, new RegExp(`^WHOAMI_PORT=tcp://${svc.spec.clusterIP.replaceAll('.', '\\.')}:80$`, 'm'));
    // busybox nc, not wget: the static busybox of the test image crashes in wget (also on the host).
    const httpGet = async (host: string, port = '80'): Promise<string> => {
      const response = await exec('sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 5 ${host} ${port}`);
      return response.split(/\r?\n/).filter((line) => line !== '').at(-1) ?? '';
    };
    for (const host of ['whoami', 'whoami.default', 'whoami.default.svc', 'whoami.default.svc.cluster.local', svc.spec.clusterIP]) {
      const body = await httpGet(host);
      t.ok(podNames.includes(body), `${host}:80 answered by a whoami Pod (${body})`);
    }
    const viaEnv = await httpGet('$WHOAMI_SERVICE_HOST', '$WHOAMI_SERVICE_PORT');
    t.ok(podNames.includes(viaEnv), `$WHOAMI_SERVICE_HOST:$WHOAMI_SERVICE_PORT answered by a whoami Pod (${viaEnv})`);
    // A Service created after the Pod still resolves by name (the hosts file follows the view).
    await apply(service('later', { tier: 'whoami' }));
    const later = await waitFor('the later Service in the hosts file', async () => {
      const body = await httpGet('later.default.svc.cluster.local');
      return podNames.includes(body) ? body : undefined;
    });
    t.ok(later);
  });

  await t.test("the seed tutorial's nginx Deployment and NodePort Service, applied as written: both nodes' nodePort 30007 reach all three replicas", async (t) => {
    // The machine is offline: the test web image stands in for nginx:1.14.2 (it serves port 80 too).
    const had = (await docker(['image', 'inspect', 'nginx:1.14.2'])).code === 0;
    if (!had) {
      t.equal((await docker(['tag', 'skiff-test/web:1', 'nginx:1.14.2'])).code, 0, 'tagged the stand-in image');
      t.teardown(async () => void (await docker(['rmi', 'nginx:1.14.2'])));
    }
    for (const file of ['nginx-deployment.yaml', 'nginx-service.yaml']) {
      const result = await cluster.skiff(['apply', '-f', join(repoRoot(), 'docs', 'examples', file)]);
      t.equal(result.code, 0, result.stderr);
    }
    const replicas = await waitFor('3 nginx Pods Running and Ready', async () => {
      const pods = await listPods(cluster, 'app=nginx');
      return pods.length === 3 && pods.every(isRunningAndReady) ? pods : undefined;
    });
    t.same(new Set(replicas.map((p) => p.spec.nodeName)), new Set([nodeA, nodeB]), 'the replicas run on both nodes');
    // Which replica answered is told by the packets each one's network namespace received.
    const sandboxPids = async (): Promise<Map<string, number>> => {
      const pids = new Map<string, number>();
      for (const node of [nodeA, nodeB]) {
        for (const c of await cluster.containers(node, { sandboxes: true })) {
          if (c.labels['skiff.container.name'] !== 'POD' || !c.labels['skiff.pod.name']?.startsWith('nginx-deployment-') || c.state !== 'running') continue;
          const pid = Number((await docker(['inspect', '-f', '{{.State.Pid}}', c.id])).stdout.trim());
          pids.set(c.labels['skiff.pod.name']!, pid);
        }
      }
      return pids;
    };
    const received = async (pid: number): Promise<number> => {
      const dev = await readFile(`/proc/${pid}/net/dev`, 'utf8');
      const eth0 = dev.split('\n').find((line) => line.trim().startsWith('eth0:'))!;
      return Number(eth0.split(':')[1]!.trim().split(/\s+/)[1]);
    };
    const pids = await sandboxPids();
    t.equal(pids.size, 3, 'three sandboxes');
    await waitFor('nodePort 30007 to answer on both nodes', async () => (await get(NODE_A_IP, 30007)).body === 'v1' && (await get(NODE_B_IP, 30007)).body === 'v1');
    const before = new Map(await Promise.all([...pids].map(async ([pod, pid]) => [pod, await received(pid)] as const)));
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => get(i % 2 === 0 ? NODE_A_IP : NODE_B_IP, 30007)));
    t.same(results.filter((r) => r.body !== 'v1'), [], 'every request answered with the page');
    for (const [pod, pid] of pids) {
      const delta = (await received(pid)) - before.get(pod)!;
      t.ok(delta >= 20, `replica ${pod} received ${delta} packets`);
    }
  });

  await t.test('a Pod killed mid-load drops out of rotation with few failed requests', async (t) => {
    const victim = (await cluster.containers(nodeB)).find((c) => c.labels['skiff.pod.name']?.startsWith('whoami-b') && c.state === 'running');
    t.ok(victim, 'a running whoami container on node b');
    const outcomes: Array<{ body?: string; error?: string }> = [];
    let loading = true;
    const load = (async () => {
      while (loading) outcomes.push(await get(NODE_A_IP, nodePort));
    })();
    await new Promise((r) => setTimeout(r, 1_000));
    const killedAt = outcomes.length;
    // How soon the Endpoints drop the Pod, and take it back once it has restarted and is Ready
    // (noted, not asserted: a figure for docs/services.md).
    const readyIps = async (): Promise<string[]> => {
      const ep = await cluster.api<{ subsets?: Array<{ addresses?: Array<{ ip: string }> }> }>('/api/v1/namespaces/default/endpoints/whoami');
      return (ep.subsets ?? []).flatMap((subset) => (subset.addresses ?? []).map((a) => a.ip));
    };
    const killedMs = Date.now();
    await docker(['kill', victim!.id]);
    let droppedMs: number | undefined;
    let backMs: number | undefined;
    while (backMs === undefined && Date.now() - killedMs < 30_000) {
      const listed = (await readyIps()).includes(victim!.ip);
      if (!listed) droppedMs ??= Date.now();
      else if (droppedMs !== undefined) backMs = Date.now();
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    loading = false;
    await load;
    const failed = outcomes.filter((o) => o.error);
    t.comment(`killed ${victim!.labels['skiff.pod.name']} after ${killedAt} requests; ${outcomes.length} requests in all, ${failed.length} failed (${failed.map((f) => f.error).join(', ') || 'none'})`);
    t.comment(
      droppedMs === undefined
        ? 'measured: the Pod restarted before the Endpoints dropped it'
        : `measured: out of the Endpoints ${droppedMs - killedMs} ms after the kill, back (restarted and Ready) ${backMs === undefined ? 'not within 30 s' : `after ${backMs - killedMs} ms`}`,
    );
    t.ok(outcomes.length > killedAt + 20, 'the load went on after the kill');
    // Its sandbox keeps the IP, so connections to it are refused and the proxy goes to the next
    // endpoint until the Endpoints drop it; a request already on it when it died fails.
    t.ok(failed.length <= 3, `at most 3 of ${outcomes.length} requests failed (${failed.length})`);
  });
});
