/**
 * Chaos scenario "hub killed -9 mid-rollout" (issue #7, scenario 1): a 6-replica Deployment spread
 * over three agents rolls from web:1 to web:2 with maxSurge 1 and maxUnavailable 0; when the
 * rollout is partway (new-template Pods exist and old ones still serve), the hub is killed with
 * SIGKILL, stays down for a while, and is started again on the same data dir.
 *
 * Pass criteria: after the restart the Deployment and every ReplicaSet it had are still there (same
 * uids), every Pod the API listed just before the kill is still listed, the rollout completes
 * (`skiff rollout status` exits 0; six Ready web:2 Pods and nothing else, in the API and in Docker),
 * and at no observation did the Deployment have more Pods than replicas + maxSurge = 7.
 *
 * What is counted, precisely (what Kubernetes' rolling update bounds: Pods that are not
 * terminating; a terminating Pod's containers may legitimately still run during its grace):
 * - API samples (while the hub is up, every ~150 ms): Pods with label app=roll and no
 *   deletionTimestamp.
 * - Docker samples (all the time, the hub down included, several a second): on the three nodes,
 *   the distinct Pod uids with a running Pod container (sandboxes excluded), minus Pods already
 *   terminating at that sample. A Pod is terminating from its deletion, which the hub stamps as
 *   deletionTimestamp - deletionGracePeriodSeconds in whole seconds (rounded down, so that may be up
 *   to 1 s early); a Pod that left the API without ever being seen terminating counts as terminating
 *   from the last sample that listed it (also no later than its real deletion). Both err towards
 *   excluding a Pod, never towards counting a terminating one, so the check can miss an excess that
 *   lasts under a second but never reports one that was not there. A Pod that Docker runs and the
 *   API never listed always counts: the hub does not know it, so nothing makes it terminating.
 */
import type { Test } from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { webDeployment } from '../helpers/manifests.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { docker } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const DEPLOYMENT = 'roll';
const REPLICAS = 6;
const MAX_SURGE = 1;
const OLD_IMAGE = 'skiff-test/web:1';
const NEW_IMAGE = 'skiff-test/web:2';
/** Docker samples to take while the hub is down, at least. */
const SAMPLES_WHILE_DOWN = 6;
const API_SAMPLE_INTERVAL_MS = 150;
const DOCKER_SAMPLE_INTERVAL_MS = 100;
/** How long the hub stays down at least (and until SAMPLES_WHILE_DOWN Docker samples are taken). */
const OUTAGE_MS = 4_000;
/** The labels agent/runtime/labels.ts puts on every container (node, Pod uid, container name). */
const DOCKER_FORMAT = '{{.Label "skiff.node"}} {{.Label "skiff.pod.uid"}} {{.Label "skiff.container.name"}}';
const SANDBOX_CONTAINER = 'POD';
const PATIENCE_MS = 90_000;

interface ApiPod {
  uid: string;
  name: string;
  image: string;
  node: string | undefined;
  /** When its deletion began (ms, hub clock, rounded down to the second); undefined while not terminating. */
  deletionStartMs: number | undefined;
}

interface ApiSample {
  atMs: number;
  pods: ApiPod[];
}

interface DockerSample {
  /** When the sample's `docker ps` returned: every container it lists ran at some time up to then. */
  atMs: number;
  hubDown: boolean;
  /** Pod uid -> node, for every Pod with a running (non-sandbox) container. */
  running: Map<string, string>;
}

function apiPod(pod: PodView): ApiPod {
  const { deletionTimestamp, deletionGracePeriodSeconds } = pod.metadata;
  return {
    uid: pod.metadata.uid!,
    name: pod.metadata.name!,
    image: pod.spec.containers[0]!.image,
    node: pod.spec.nodeName,
    deletionStartMs: deletionTimestamp === undefined ? undefined : Date.parse(deletionTimestamp) - (deletionGracePeriodSeconds ?? 0) * 1000,
  };
}

const liveOf = (sample: ApiSample): ApiPod[] => sample.pods.filter((p) => p.deletionStartMs === undefined);

/** Samples the API (while the hub is up) and Docker (always) until stopped; see the header for what counts. */
class Observer {
  readonly api: ApiSample[] = [];
  readonly docker: DockerSample[] = [];
  apiErrors = 0;
  hubDown = false;
  private stopped = false;
  /** Why a sampling loop died (a failed `docker ps` is a broken test, not a result); thrown by check(). */
  private failure: unknown;
  private readonly loops: Array<Promise<void>>;

  constructor(
    private readonly cluster: TestCluster,
    private readonly nodes: string[],
  ) {
    const failed = (err: unknown): void => {
      this.failure ??= err;
    };
    this.loops = [this.apiLoop().catch(failed), this.dockerLoop().catch(failed)];
  }

  private async apiLoop(): Promise<void> {
    while (!this.stopped) {
      if (!this.hubDown) {
        const atMs = Date.now();
        // The hub can die under a request: that sample is lost, counted, and the loop goes on.
        const pods = await listPods(this.cluster, `app=${DEPLOYMENT}`).catch(() => undefined);
        if (pods && !this.hubDown) this.api.push({ atMs, pods: pods.map(apiPod) });
        else if (!pods) this.apiErrors++;
      }
      await new Promise((resolve) => setTimeout(resolve, API_SAMPLE_INTERVAL_MS));
    }
  }

  /**
   * One `docker ps` for all three nodes per sample, rather than `cluster.containers(node)` (a ps
   * and an inspect per node): six times fewer processes, so several samples a second on 2 cores.
   * Same selection: the nodes' Pod containers (sandboxes excluded), here only the running ones.
   */
  private async dockerLoop(): Promise<void> {
    while (!this.stopped) {
      const hubDown = this.hubDown;
      const listed = await docker(['ps', '--filter', 'status=running', '--filter', 'label=skiff.node', '--format', DOCKER_FORMAT]);
      if (listed.code !== 0) throw new Error(`docker ps failed (${listed.code}): ${listed.stderr.trim()}`);
      const running = new Map<string, string>();
      for (const line of listed.stdout.split('\n').filter(Boolean)) {
        const [node = '', uid = '', container = ''] = line.split(' ');
        if (this.nodes.includes(node) && container !== SANDBOX_CONTAINER) running.set(uid, node);
      }
      this.docker.push({ atMs: Date.now(), hubDown: hubDown && this.hubDown, running });
      await new Promise((resolve) => setTimeout(resolve, DOCKER_SAMPLE_INTERVAL_MS));
    }
  }

  /** Throws what killed a sampling loop, if anything did. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    this.check();
  }

  /** When each Pod the API listed began terminating, as early as the samples allow (see the header). */
  terminatingSince(): Map<string, number> {
    const since = new Map<string, number>();
    for (const sample of this.api) {
      for (const pod of sample.pods) {
        if (pod.deletionStartMs !== undefined) since.set(pod.uid, Math.min(since.get(pod.uid) ?? Infinity, pod.deletionStartMs));
      }
    }
    const lastListed = new Map<string, number>();
    for (const sample of this.api) for (const pod of sample.pods) lastListed.set(pod.uid, sample.atMs);
    const finalSample = this.api.at(-1);
    for (const [uid, atMs] of lastListed) {
      const gone = finalSample !== undefined && !finalSample.pods.some((p) => p.uid === uid);
      if (gone && !since.has(uid)) since.set(uid, atMs);
    }
    return since;
  }

  /** Per Docker sample, the Pods running there that were not terminating by then. */
  dockerCounts(): Array<{ sample: DockerSample; live: string[] }> {
    const since = this.terminatingSince();
    return this.docker.map((sample) => ({
      sample,
      live: [...sample.running.keys()].filter((uid) => !((since.get(uid) ?? Infinity) <= sample.atMs)),
    }));
  }
}

async function replicaSetUids(cluster: TestCluster): Promise<string[]> {
  const list = await cluster.api<{ items: Array<{ metadata: { uid: string } }> }>(
    `/apis/apps/v1/namespaces/default/replicasets?labelSelector=${encodeURIComponent(`app=${DEPLOYMENT}`)}`,
  );
  return list.items.map((rs) => rs.metadata.uid).sort();
}

export async function hubKillRollout(t: Test): Promise<void> {
  const startedMs = Date.now();
  const elapsed = (): string => `${((Date.now() - startedMs) / 1000).toFixed(1)} s`;
  const cluster = await TestCluster.start(t, { agents: ['one', 'two', 'three'] });
  const nodes = ['one', 'two', 'three'].map((short) => cluster.nodeName(short));
  const manifest = webDeployment(DEPLOYMENT, {}, { replicas: REPLICAS, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: MAX_SURGE, maxUnavailable: 0 } } });
  t.equal((await cluster.skiff(['apply', '-f', '-'], { input: manifest })).code, 0, 'Deployment applied');
  const first = await waitFor(
    `${REPLICAS} ${OLD_IMAGE} Pods Running and Ready`,
    async () => {
      const pods = (await listPods(cluster, `app=${DEPLOYMENT}`)).filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === REPLICAS && pods.every(isRunningAndReady) ? pods : undefined;
    },
    { timeoutMs: PATIENCE_MS },
  );
  const spread = new Set(first.map((p) => p.spec.nodeName));
  t.comment(`${elapsed()}: web:1 Pods per node: ${[...spread].map((n) => `${n}=${first.filter((p) => p.spec.nodeName === n).length}`).join(' ')}`);
  t.ok(spread.size > 1, 'the Deployment runs on more than one node');
  const deploymentUid = (await cluster.api<{ metadata: { uid: string } }>(`/apis/apps/v1/namespaces/default/deployments/${DEPLOYMENT}`)).metadata.uid;

  const observer = new Observer(cluster, nodes);
  t.equal((await cluster.skiff(['set', 'image', `deployment/${DEPLOYMENT}`, `web=${NEW_IMAGE}`])).code, 0, 'image set to web:2');
  await waitFor(
    'the rollout partway: at least 2 web:2 Pods and at least 2 web:1 Pods not terminating',
    () => {
      const latest = observer.api.at(-1);
      const live = latest ? liveOf(latest) : [];
      return live.filter((p) => p.image === NEW_IMAGE).length >= 2 && live.filter((p) => p.image === OLD_IMAGE).length >= 2;
    },
    { timeoutMs: PATIENCE_MS, intervalMs: 50 },
  );
  const beforeKill = observer.api.at(-1)!;
  const replicaSetsBefore = await replicaSetUids(cluster);
  t.equal(replicaSetsBefore.length, 2, 'two ReplicaSets (web:1 and web:2) before the kill');

  observer.hubDown = true;
  await cluster.stopHub('SIGKILL');
  const killedAt = observer.docker.length;
  const killedAtMs = Date.now();
  t.comment(`${elapsed()}: hub killed -9 with ${liveOf(beforeKill).filter((p) => p.image === NEW_IMAGE).length} web:2 and ${liveOf(beforeKill).filter((p) => p.image === OLD_IMAGE).length} web:1 Pods live`);
  await waitFor(
    `${SAMPLES_WHILE_DOWN} Docker samples and ${OUTAGE_MS} ms with the hub down`,
    () => {
      observer.check();
      return observer.docker.length - killedAt > SAMPLES_WHILE_DOWN && Date.now() - killedAtMs >= OUTAGE_MS;
    },
    { timeoutMs: PATIENCE_MS },
  );
  await cluster.startHub();
  observer.hubDown = false;
  t.comment(`${elapsed()}: hub restarted`);
  const firstSampleAfter = observer.api.length; // the API loop issues no request while hubDown, so later samples are post-restart

  // Nothing acknowledged is lost: the Deployment, its ReplicaSets and the Pods listed before the kill.
  const after = await cluster.api<{ metadata: { uid: string }; spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } } }>(
    `/apis/apps/v1/namespaces/default/deployments/${DEPLOYMENT}`,
  );
  t.equal(after.metadata.uid, deploymentUid, 'the Deployment survived the kill (same uid)');
  t.same([after.spec.replicas, after.spec.template.spec.containers[0]!.image], [REPLICAS, NEW_IMAGE], 'with its last spec (6 replicas of web:2)');
  const replicaSetsAfter = await replicaSetUids(cluster);
  t.same(
    replicaSetsBefore.filter((uid) => !replicaSetsAfter.includes(uid)),
    [],
    'every ReplicaSet survived the kill',
  );
  const firstAfter = await waitFor('an API sample after the restart', () => observer.api[firstSampleAfter]);
  t.same(
    liveOf(beforeKill).filter((p) => !firstAfter.pods.some((q) => q.uid === p.uid)).map((p) => p.name),
    [],
    'every Pod live before the kill is still listed after the restart',
  );

  // The rollout completes.
  const status = await cluster.skiff(['rollout', 'status', `deployment/${DEPLOYMENT}`, '--timeout=90s']);
  t.equal(status.code, 0, `skiff rollout status exits 0 (${status.stdout.trim().split('\n').at(-1) ?? ''}${status.stderr.trim()})`);
  const final = await waitFor(
    `exactly ${REPLICAS} Pods, all web:2, Running and Ready, none terminating`,
    async () => {
      const pods = await listPods(cluster, `app=${DEPLOYMENT}`);
      return pods.length === REPLICAS && pods.every((p) => !p.metadata.deletionTimestamp && isRunningAndReady(p) && p.spec.containers[0]!.image === NEW_IMAGE) ? pods : undefined;
    },
    { timeoutMs: PATIENCE_MS },
  );
  t.comment(`${elapsed()}: rollout complete`);
  const finalUids = final.map((p) => p.metadata.uid!).sort();
  await waitFor(
    'Docker to run exactly the 6 web:2 Pods',
    () => {
      observer.check();
      const latest = observer.docker.at(-1);
      return latest !== undefined && latest.atMs > Date.now() - 5_000 && [...latest.running.keys()].sort().join() === finalUids.join();
    },
    { timeoutMs: PATIENCE_MS },
  );
  t.pass('Docker runs exactly the 6 web:2 Pods the API lists');
  await observer.stop();

  // Never more Pods than replicas + maxSurge, at any observation.
  const limit = REPLICAS + MAX_SURGE;
  const apiOver = observer.api.filter((s) => liveOf(s).length > limit);
  t.comment(`API: ${observer.api.length} samples (${observer.apiErrors} failed around the kill), at most ${Math.max(...observer.api.map((s) => liveOf(s).length))} live Pods`);
  t.same(
    apiOver.map((s) => ({ atMs: s.atMs, live: liveOf(s).map((p) => `${p.name}@${p.node}`) })),
    [],
    `the API never listed more than ${limit} non-terminating Pods`,
  );
  const counts = observer.dockerCounts();
  const down = counts.filter((c) => c.sample.hubDown);
  t.ok(down.length >= SAMPLES_WHILE_DOWN, `Docker sampled while the hub was down (${down.length} samples)`);
  t.comment(
    `Docker: ${counts.length} samples, at most ${Math.max(...counts.map((c) => c.live.length))} live Pods (${Math.max(...down.map((c) => c.live.length))} while the hub was down), ` +
      `at most ${Math.max(...counts.map((c) => c.sample.running.size))} running terminating ones included`,
  );
  t.same(
    counts.filter((c) => c.live.length > limit).map((c) => ({ atMs: c.sample.atMs, hubDown: c.sample.hubDown, live: c.live.map((uid) => `${uid}@${c.sample.running.get(uid)}`) })),
    [],
    `Docker never ran more than ${limit} non-terminating Pods`,
  );
}
