/**
 * The HorizontalPodAutoscaler end to end on a real hub, agent and Docker engine (issue #5): a
 * Deployment whose containers burn CPU until told to stop (a file made with `skiff exec`, at most
 * 60 s) is scaled up by an HPA made with `skiff autoscale`, and back down to its minimum once they
 * sleep, after the (shortened) downscale stabilization window. Every rescale is a SuccessfulRescale Event on the HPA, and
 * `skiff get hpa` shows kubectl's columns.
 */
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

const NAME = 'burner';

// Burns one core (held at its 200m limit) until /tmp/stop exists (the test makes it once the
// scale-up is seen, so the file does not wait out a fixed burn), or for 60 s at most; then idles.
const STOP_FILE = '/tmp/stop';
const BURN = `end=$(($(date +%s)+60)); while [ ! -e ${STOP_FILE} ] && [ $(date +%s) -lt $end ]; do :; done; exec sleep 100000`;

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: NAME },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: NAME } },
    template: {
      metadata: { labels: { app: NAME } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'burn',
            image: 'skiff-test/web:1',
            imagePullPolicy: 'Never',
            command: ['sh', '-c', BURN],
            resources: { requests: { cpu: '100m' }, limits: { cpu: '200m' } },
          },
        ],
      },
    },
  },
};

interface EventView {
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string };
}

t.test('an HPA scales a CPU-burning Deployment up, then back down', async (t) => {
  const cluster = await TestCluster.start(t, {
    agents: [],
    hubArgs: ['--horizontal-pod-autoscaler-sync-period', '2s', '--horizontal-pod-autoscaler-downscale-stabilization', '10s'],
  });
  // Samples every 2 s (instead of 10 s) so usage is known well within the 40 s burn.
  await cluster.startAgent('hpa', ['--metrics-interval', '2s']);

  const apply = await cluster.skiff(['apply', '-f', '-'], { input: JSON.stringify(deployment) });
  t.equal(apply.code, 0, apply.stderr);
  const rolledOut = await cluster.skiff(['rollout', 'status', `deployment/${NAME}`, '--timeout=120s']);
  t.equal(rolledOut.code, 0, rolledOut.stderr);

  const autoscale = await cluster.skiff(['autoscale', 'deployment', NAME, '--cpu-percent=50', '--min=1', '--max=3']);
  t.same([autoscale.code, autoscale.stdout, autoscale.stderr], [0, `horizontalpodautoscaler.autoscaling/${NAME} autoscaled\n`, '']);

  const replicas = async () => (await cluster.getJson<{ spec: { replicas: number } }>(['get', 'deployment', NAME])).spec.replicas;
  const rescales = async () =>
    (await cluster.getJson<{ items: EventView[] }>(['get', 'events'])).items.filter(
      (e) => e.involvedObject.kind === 'HorizontalPodAutoscaler' && e.involvedObject.name === NAME && e.reason === 'SuccessfulRescale',
    );

  await t.test('scaled up while the Pods burn CPU', async (t) => {
    const scaledTo = await waitFor('the HPA to scale the Deployment up', async () => {
      const n = await replicas();
      return n > 1 ? n : undefined;
    }, { timeoutMs: 120_000, intervalMs: 1_000 });
    t.ok(scaledTo > 1 && scaledTo <= 3, `scaled to ${scaledTo} (max 3)`);
    const up = await waitFor('a SuccessfulRescale event', async () => {
      const events = await rescales();
      return events.find((e) => / above target$/.test(e.message));
    });
    t.equal(up.type, 'Normal');
    t.match(up.message, /^New size: [23]; reason: cpu resource utilization \(percentage of request\) above target$/);

    const table = await cluster.skiff(['get', 'hpa']);
    t.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.split('\n');
    t.match(header, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/);
    t.match(row, new RegExp(`^${NAME}\\s+Deployment/${NAME}\\s+cpu: (\\d+%|<unknown>)/50%\\s+1\\s+3\\s+\\d\\s+\\S+$`));
  });

  await t.test('back down to the minimum once the Pods idle and the window has passed', async (t) => {
    const stopped = new Set<string>();
    const failures: string[] = [];
    /** Tells every burning Pod to idle, including any the HPA added since the last look. */
    const stopBurning = async (): Promise<void> => {
      const pods = await cluster.getJson<{ items: Array<{ metadata: { name: string }; status: { phase?: string } }> }>(['get', 'pods', '-l', `app=${NAME}`]);
      for (const pod of pods.items) {
        if (stopped.has(pod.metadata.name) || pod.status.phase !== 'Running') continue;
        const touched = await cluster.skiff(['exec', pod.metadata.name, '--', 'sh', '-c', `: > ${STOP_FILE}`]);
        if (touched.code === 0) stopped.add(pod.metadata.name);
        else failures.push(`${pod.metadata.name}: ${touched.code} ${touched.stderr.trim()}`);
      }
    };
    await waitFor('the HPA to scale the Deployment back to 1', async () => {
      await stopBurning();
      return (await replicas()) === 1;
    }, { timeoutMs: 240_000, intervalMs: 1_000 });
    t.ok(stopped.size >= 2, `the burning Pods were told to stop (${[...stopped].join(', ')}; failed: ${failures.slice(-3).join('; ')})`);
    const down = await waitFor('a scale-down event', async () => (await rescales()).find((e) => e.message === 'New size: 1; reason: All metrics below target'));
    t.equal(down.type, 'Normal');
    const hpa = await cluster.getJson<{ status: { currentReplicas: number; desiredReplicas: number; lastScaleTime?: string; conditions: Array<{ type: string; status: string }> } }>(['get', 'hpa', NAME]);
    t.ok(hpa.status.lastScaleTime, 'lastScaleTime is set');
    t.match(hpa.status.conditions.find((c) => c.type === 'ScalingActive'), { status: 'True' });
  });
});
