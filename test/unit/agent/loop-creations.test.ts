/**
 * Creations run in the background (issue #10): the running loop takes each Pod from sandbox to
 * containers to a report saying Running as soon as its own steps end, not when the slowest Pod's
 * do, and leaves the slow one's half-made sandbox alone meanwhile.
 */
import t from 'tap';
import { LABELS, SANDBOX_CONTAINER } from '../../../agent/runtime/labels.js';
import { FakeDockerApi, pod, simulatedAgent, type FakeClock } from './fixtures/builders.js';

/** Polls `condition` every 10 ms (a real-timer loop is running) until it holds or 2 s pass. */
async function eventually(condition: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 2000;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return condition();
}

t.test('a Pod is started and reported Running while another Pod’s sandbox is still starting', async (t) => {
  const api = new FakeDockerApi(Date.now);
  const fast = pod('fast');
  const slow = pod('slow');
  // The slow Pod's sandbox start hangs until released (a busy dockerd).
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const start = api.startContainer.bind(api);
  api.startContainer = async (id) => {
    const c = api.containers.get(id);
    if (c?.labels[LABELS.podUid] === slow.metadata.uid && c.labels[LABELS.container] === SANDBOX_CONTAINER) await held;
    return start(id);
  };
  const agent = simulatedAgent(api, { now: Date.now } as unknown as FakeClock, [fast, slow]);
  const reportedRunning = (p: typeof fast): boolean =>
    agent.settled.some((r) => r.observed.some((c) => c.labels[LABELS.podUid] === p.metadata.uid && c.state === 'running'));
  agent.loop.start();
  try {
    t.ok(await eventually(() => reportedRunning(fast)), 'the fast Pod’s container runs and a settled pass reports it');
    const slowSandboxes = () => [...api.containers.values()].filter((c) => c.labels[LABELS.podUid] === slow.metadata.uid);
    t.same(
      slowSandboxes().map((c) => c.state),
      ['created'],
      'the slow Pod has one sandbox, mid-start, not removed',
    );
    release();
    t.ok(await eventually(() => reportedRunning(slow)), 'the slow Pod follows once its sandbox starts');
    t.equal(api.calls.filter((c) => c.startsWith('create skiff_POD_slow')).length, 1, 'its sandbox was created once');
  } finally {
    release();
    await agent.loop.stop();
  }
});
