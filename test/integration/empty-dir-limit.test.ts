/**
 * emptyDir sizeLimit end to end, on real Docker (kubelet's localStorageEviction): with no node
 * pressure at all, a Pod that writes 3 MB into an emptyDir limited to 1Mi — on the node's disk,
 * and with medium Memory on the agent's tmpfs — ends Failed with reason Evicted and kubelet's
 * message, with a Warning Evicted event, its container gone and never restarted; a Pod whose
 * emptyDir stays under its limit keeps running, its container untouched. The agent samples every
 * second (--eviction-monitoring-interval); waits are generous, nothing is timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import t from 'tap';
import type { Event } from '../../shared/api/schema/event.js';
import { TestCluster } from '../helpers/cluster.js';
import { docker } from '../helpers/processes.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

/** A Pod whose container writes `script` into an emptyDir at /cache limited to `sizeLimit`, then sleeps. */
function writer(name: string, script: string, emptyDir: { sizeLimit: string; medium?: 'Memory' }): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { suite: 'empty-dir-limit' } },
    spec: {
      terminationGracePeriodSeconds: 30,
      volumes: [{ name: 'cache', emptyDir }],
      containers: [
        {
          name: 'web',
          image: 'skiff-test/web:1',
          imagePullPolicy: 'Never',
          command: ['sh', '-c', `${script} && exec sleep 3600`],
          volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
        },
      ],
    },
  });
}

const isEvicted = (pod: PodView | undefined): boolean => pod?.status?.phase === 'Failed' && pod.status.reason === 'Evicted';
const MESSAGE = 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ';

t.test('a Pod writing past its emptyDir sizeLimit is evicted; one within it keeps running', async (t) => {
  // emptyDir medium Memory needs a tmpfs; /run is not one on every test machine, /dev/shm is.
  const secretsDir = mkdtempSync('/dev/shm/skiff-it-secrets-');
  t.teardown(() => rmSync(secretsDir, { recursive: true, force: true }));
  const cluster = await TestCluster.start(t);
  const node = await cluster.startAgent('disk', ['--secrets-dir', secretsDir, '--eviction-monitoring-interval', '1s']);
  const apply = async (...manifests: string[]): Promise<void> => {
    const result = await cluster.skiff(['apply', '-f', '-'], { input: manifests.join('\n---\n') });
    t.equal(result.code, 0, result.stderr);
  };
  const byName = async (): Promise<Map<string, PodView>> => new Map((await listPods(cluster, 'suite=empty-dir-limit')).map((p) => [p.metadata.name!, p]));
  const containerOf = async (podName: string) =>
    (await cluster.containers(node)).find((c) => c.labels['skiff.pod.name'] === podName && c.labels['skiff.container.name'] === 'web' && c.state === 'running');

  // First the Pod within its limit, its file fully written: every later pass measures all of it.
  await apply(writer('within', 'dd if=/dev/zero of=/cache/f bs=1k count=512', { sizeLimit: '1Mi' }));
  const within = await waitFor('the pod within its limit running', async () => {
    const pod = (await byName()).get('within');
    return pod && isRunningAndReady(pod) ? containerOf('within') : undefined;
  }, { timeoutMs: 90_000 });
  await waitFor('its 512 KiB written', async () => {
    const size = await docker(['exec', within!.id, 'sh', '-c', 'wc -c < /cache/f']);
    return size.code === 0 && size.stdout.trim() === String(512 * 1024) ? true : undefined;
  });

  await apply(
    writer('over-disk', 'dd if=/dev/zero of=/cache/f bs=1M count=3', { sizeLimit: '1Mi' }),
    writer('over-memory', 'dd if=/dev/zero of=/cache/f bs=1M count=3', { sizeLimit: '1Mi', medium: 'Memory' }),
  );
  const pods = await waitFor('both pods over their limit evicted', async () => {
    const current = await byName();
    return isEvicted(current.get('over-disk')) && isEvicted(current.get('over-memory')) ? current : undefined;
  }, { timeoutMs: 90_000 });

  for (const name of ['over-disk', 'over-memory']) {
    const status = pods.get(name)!.status!;
    t.equal(status.message, MESSAGE, `${name}: kubelet's message`);
    t.match(status.containerStatuses, [{ name: 'web', ready: false, state: { terminated: { exitCode: 137 } } }], `${name}: its container killed`);
  }
  const events = await waitFor('two Evicted events', async () => {
    const list = (await cluster.api<{ items: Event[] }>('/api/v1/namespaces/default/events')).items.filter((e) => e.reason === 'Evicted');
    return list.length === 2 ? list : undefined;
  });
  t.same(events.map((e) => e.involvedObject.name).sort(), ['over-disk', 'over-memory']);
  for (const event of events) t.match(event, { type: 'Warning', message: MESSAGE, source: { component: 'kubelet', host: node } });

  await waitFor('the evicted containers removed', async () => {
    const names = (await cluster.containers(node)).filter((c) => c.labels['skiff.container.name'] === 'web').map((c) => c.labels['skiff.pod.name']);
    return names.includes('over-disk') || names.includes('over-memory') ? undefined : names;
  });

  // The passes that evicted the others measured the whole 512 KiB of this one, and let it be.
  const after = (await byName()).get('within')!;
  t.ok(isRunningAndReady(after), 'the pod within its limit still runs');
  t.notOk(isEvicted(after));
  t.equal((await containerOf('within'))?.id, within!.id, 'its container never stopped');
  t.equal(after.status?.containerStatuses?.[0]?.restartCount, 0);
});
