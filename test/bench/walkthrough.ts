/**
 * Issue #2's figures: time from `skiff apply` to 3/3 Running with a local image, and from
 * `docker rm -f` of one container to its replacement running, against the floor of plain
 * `docker run -d` of the same three containers, measured in the same run.
 */
import { TestCluster } from '../helpers/cluster.js';
import { docker } from '../helpers/processes.js';
import { fixture, isRunningAndReady, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';
import { summary } from './stats.js';

const quietTap = { teardown: () => undefined, passing: () => true, comment: () => undefined };

/** Polls the API directly: a CLI process per poll would add its own start-up to every sample. */
async function webPods(cluster: TestCluster): Promise<PodView[]> {
  return (await cluster.api<{ items: PodView[] }>('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).items;
}

async function dockerRunFloor(iterations: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    const ids = await Promise.all([0, 1, 2].map(async () => (await docker(['run', '-d', '--label', 'skiff.bench=floor', 'skiff-test/web:1'])).stdout.trim()));
    samples.push(performance.now() - start);
    await docker(['rm', '-f', ...ids]);
  }
  return samples;
}

export async function benchWalkthrough(iterations: number): Promise<string[]> {
  const cluster = await TestCluster.start(quietTap, { agents: ['bench'] });
  const node = cluster.nodeName('bench');
  const applySamples: number[] = [];
  const healDockerSamples: number[] = [];
  const healReportedSamples: number[] = [];
  try {
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      await cluster.skiffProcess(['apply', '-f', fixture('web-deployment.yaml')]);
      await waitFor('3/3 running', async () => {
        const pods = await webPods(cluster);
        return pods.length === 3 && pods.every(isRunningAndReady);
      }, { intervalMs: 50 });
      applySamples.push(performance.now() - start);

      const [victim] = (await cluster.containers(node)).filter((c) => c.state === 'running');
      const podName = victim!.labels['skiff.pod.name'];
      const removed = performance.now();
      await docker(['rm', '-f', victim!.id]);
      await waitFor('a replacement container running', async () => (await cluster.containers(node)).some((c) => c.state === 'running' && c.labels['skiff.pod.name'] === podName && c.id !== victim!.id), { intervalMs: 20 });
      healDockerSamples.push(performance.now() - removed);
      await waitFor('the hub to see it running', async () => {
        const pod = (await webPods(cluster)).find((p) => p.metadata.name === podName);
        return pod && isRunningAndReady(pod) && pod.status?.containerStatuses?.[0]?.containerID !== `docker://${victim!.id}`;
      }, { intervalMs: 50 });
      healReportedSamples.push(performance.now() - removed);

      await cluster.skiffProcess(['delete', 'deployment', 'web']);
      await waitFor('containers gone', async () => (await cluster.containers(node)).length === 0);
    }
  } finally {
    await cluster.destroy();
  }
  const floor = await dockerRunFloor(iterations);
  return [
    `apply -> 3/3 Running (local image):      ${summary(applySamples)}`,
    `docker run -d x3 (the floor):              ${summary(floor)}`,
    `docker rm -f -> replacement running:       ${summary(healDockerSamples)}`,
    `docker rm -f -> hub reports it Running:    ${summary(healReportedSamples)}`,
  ];
}
