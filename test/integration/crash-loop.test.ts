/**
 * Kubernetes' crash-loop backoff on a real hub, agent and Docker engine (issue #3): a container
 * that exits at once under restartPolicy Always is restarted at once the first time, then after
 * 10 s, then after 20 s (kubelet: 10 s doubling to 5 min; the pure schedule is
 * agent/reconcile/restart-backoff.ts). In between the Pod says CrashLoopBackOff with kubelet's
 * message, RESTARTS counts up and lastState tells how the previous attempt ended.
 *
 * The gaps are measured on Docker's own clock (`docker events`: each attempt's die and the next
 * attempt's start). The bounds are the schedule's, not speed targets: each gap is at least its
 * backoff step and less than the next step; load only makes gaps longer, so the lower bounds are
 * tight and the upper ones leave a whole step of slack.
 */
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { DockerEventLog } from '../helpers/docker-events.js';
import { type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

const POD = 'crashloop';
const CONTAINER = 'crasher';

/**
 * The row `skiff get pod` prints, straight from the API (a server-side Table, which the CLI only
 * lays out): fast enough to land inside a 10 s backoff window on a loaded machine.
 */
async function printedRow(cluster: TestCluster, name: string): Promise<Record<string, unknown>> {
  const res = await cluster.fetch(`/api/v1/namespaces/default/pods/${name}`, {
    headers: { Authorization: `Bearer ${cluster.adminToken}`, Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
  });
  const table = (await res.json()) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
  return Object.fromEntries(table.columnDefinitions.map((column, i) => [column.name, table.rows[0]?.cells[i]]));
}

t.test('a container that keeps exiting is restarted on the CrashLoopBackOff schedule', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['crashy'] });
  const node = cluster.nodeName('crashy');
  const events = DockerEventLog.start(t, `skiff.node=${node}`);

  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD },
    spec: { containers: [{ name: CONTAINER, image: 'skiff-test/web:1', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo crashing; exit 2'] }] },
  };
  const apply = await cluster.skiff(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  t.equal(apply.code, 0, apply.stderr);
  const uid = (await cluster.api<PodView>(`/api/v1/namespaces/default/pods/${POD}`)).metadata.uid;

  /** Docker's start and die of one attempt (the skiff.container.attempt label). */
  const attempt = (n: number, action: 'start' | 'die') => events.find(action, { 'skiff.pod.name': POD, 'skiff.container.attempt': String(n) })[0];

  // After the n-th attempt died the Pod waits in CrashLoopBackOff with restartCount n-1 (the
  // second attempt was the immediate first restart, so the waits start from the second death).
  for (const [died, backoffSeconds] of [[2, 10], [3, 20], [4, 40]] as const) {
    await t.test(`after attempt ${died} exits: CrashLoopBackOff, back-off ${backoffSeconds}s`, async (t) => {
      const status = await waitFor(
        `restartCount ${died - 1} in CrashLoopBackOff`,
        async () => {
          const pod = await cluster.api<PodView>(`/api/v1/namespaces/default/pods/${POD}`);
          const s = pod.status?.containerStatuses?.[0];
          return s?.restartCount === died - 1 && s.state.waiting?.reason === 'CrashLoopBackOff' ? { pod, s } : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      const { s } = status;
      t.equal(s.state.waiting?.message, `back-off ${backoffSeconds}s restarting failed container=${CONTAINER} pod=${POD}_default(${uid})`);
      t.equal(status.pod.status?.phase, 'Running', 'Always: a pod waiting to restart is Running');
      t.equal(s.ready, false);

      const terminated = s.lastState.terminated;
      t.match(terminated, { exitCode: 2, reason: 'Error' }, 'lastState: how the last attempt ended');
      const die = await waitFor(`attempt ${died}'s die event`, () => attempt(died, 'die'));
      t.equal(terminated?.containerID, `docker://${die.containerId}`, 'lastState is the attempt that just died');
      t.equal(die.attributes.exitCode, '2');
      t.ok(terminated?.startedAt && terminated.finishedAt, 'with startedAt and finishedAt');
      const finishedMs = Date.parse(terminated!.finishedAt!);
      t.ok(Math.abs(finishedMs - die.timeMs) < 2_000, `finishedAt ${terminated!.finishedAt} is Docker's (die event at ${new Date(die.timeMs).toISOString()})`);

      // kubectl's RESTARTS column: the count and how long ago the last container ended.
      const restarts = new RegExp(`^${died - 1} \\(\\d+s ago\\)$`);
      t.match(await printedRow(cluster, POD), { Ready: '0/1', Status: 'CrashLoopBackOff', Restarts: restarts });
      if (backoffSeconds === 40) {
        // A 40 s window leaves room for the real CLI (a process start) even on a busy machine.
        const get = await cluster.skiff(['get', 'pods']);
        t.match(get.stdout, new RegExp(`^NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE\\n${POD}\\s+0/1\\s+CrashLoopBackOff\\s+${died - 1} \\(\\d+s ago\\)\\s+\\S+\\n$`));
      }
    });
  }

  await t.test('the gaps between attempts follow the schedule: at once, 10 s, 20 s', async (t) => {
    const at = (n: number, action: 'start' | 'die'): number => {
      const event = attempt(n, action);
      if (!event) throw new Error(`no ${action} event for attempt ${n}`);
      return event.timeMs;
    };
    // Each gap is at least its backoff step and less than the next step: "at once, 10 s, 20 s", not
    // some other curve. The backoff runs from Docker's FinishedAt, which the die event follows by a
    // moment: 1 s of slack on the lower bounds.
    const schedule: Array<[died: number, stepMs: number, nextStepMs: number]> = [
      [1, 0, 10_000],
      [2, 10_000, 20_000],
      [3, 20_000, 40_000],
    ];
    const gaps = schedule.map(([n]) => at(n + 1, 'start') - at(n, 'die'));
    t.comment(`gaps between a death and the next start: ${gaps.map((g) => `${(g / 1000).toFixed(2)} s`).join(', ')}`);
    schedule.forEach(([n, stepMs, nextStepMs], i) => {
      const gap = gaps[i]!;
      t.ok(gap >= stepMs - 1_000 && gap < nextStepMs, `attempt ${n} died, attempt ${n + 1} started ${gap.toFixed(0)} ms later: in [${stepMs / 1000} s, ${nextStepMs / 1000} s)`);
    });
    t.ok(gaps[0]! < gaps[1]! && gaps[1]! < gaps[2]!, 'the gaps grow');
    t.equal(events.find('start', { 'skiff.pod.name': POD }).length, 4, 'four attempts so far, each a new container');
  });
});
