/**
 * Image pull progress on the agent (issue #9): the engine's pull stream folded into layers and
 * bytes (real captured streams), the stream reader both Docker clients use, the executor leaving
 * the latest progress of each pull in flight, the pod status saying it in the waiting message,
 * and the reporter sending it at most once per interval and only when it changed.
 */
import t from 'tap';
import { PassThrough } from 'node:stream';
import type { ContainerStatus, PodStatus } from '../../../shared/api/status-types.js';
import type { StatusReport } from '../../../shared/mqtt/messages.js';
import type { PullProgress } from '../../../shared/pull-progress-message.js';
import { PullProgressAggregator, PullProgressBoard, summarizePull } from '../../../agent/runtime/pull-progress.js';
import { followPull } from '../../../agent/runtime/docker-streams.js';
import { createExecutors } from '../../../agent/reconcile/executor.js';
import { FailureState } from '../../../agent/reconcile/failures.js';
import { InFlight } from '../../../agent/reconcile/in-flight.js';
import { containerKey } from '../../../agent/reconcile/history.js';
import type { DockerApi } from '../../../agent/runtime/docker-api.js';
import type { PassResult } from '../../../agent/reconcile/loop.js';
import { withPullProgress } from '../../../agent/report/pod-status.js';
import { progressReportDelayMs, Reporter } from '../../../agent/report/reporter.js';
import { FakeClock, pod, silentLog } from './fixtures/builders.js';
import { FRESH_PULL, THROTTLED_PULL, UP_TO_DATE_PULL } from './fixtures/pull-streams.js';

const linesOf = (stream: string): Array<Record<string, unknown>> =>
  stream
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Every summary along a stream, as onProgress sees them. */
function progressAlong(stream: string): PullProgress[] {
  const aggregator = new PullProgressAggregator();
  return linesOf(stream).flatMap((line) => (aggregator.add(line) ? [aggregator.progress()] : []));
}

const LAYER_A = 6002036;
const LAYER_B = 1500648;

t.test('a real pull: one layer already present, two downloaded, bytes counted once', async (t) => {
  for (const [name, stream] of [
    ['fresh', FRESH_PULL],
    ['throttled', THROTTLED_PULL],
  ] as const) {
    const steps = progressAlong(stream);
    t.same(
      steps[0],
      { layersDone: 1, layersTotal: 3, bytesDone: 36445, bytesTotal: LAYER_B, bytesTotalKnown: false },
      `${name}: the first report has every layer (the present one done), not the first announcement alone`,
    );
    t.same(steps.at(-1), { layersDone: 3, layersTotal: 3, bytesDone: LAYER_A + LAYER_B, bytesTotal: LAYER_A + LAYER_B, bytesTotalKnown: true }, `${name}: all done`);
    t.same(summarizePull(linesOf(stream)), steps.at(-1), `${name}: summarizePull is the last step`);
    for (let i = 1; i < steps.length; i++) {
      t.ok(steps[i]!.bytesDone >= steps[i - 1]!.bytesDone, `${name}: bytes never go back (step ${i}), extraction counts nothing twice`);
      t.ok(steps[i]!.bytesDone <= LAYER_A + LAYER_B);
    }
  }
  const throttled = progressAlong(THROTTLED_PULL);
  const midway = throttled.filter((p) => p.bytesTotalKnown && p.bytesDone > 0 && p.bytesDone < p.bytesTotal);
  t.ok(midway.length > 10, `the throttled pull shows many steps in between (${midway.length})`);
  t.ok(
    midway.every((p) => p.bytesTotal === LAYER_A + LAYER_B && p.layersDone < 3),
    'in between: both sizes known, not all layers done',
  );
});

t.test('a pull with everything present has no layer lines', async (t) => {
  t.same(progressAlong(UP_TO_DATE_PULL), []);
  t.same(summarizePull(linesOf(UP_TO_DATE_PULL)), { layersDone: 0, layersTotal: 0, bytesDone: 0, bytesTotal: 0, bytesTotalKnown: true });
});

t.test('odd lines: no id, unknown status, unknown sizes, a layer done without sizes', async (t) => {
  const a = new PullProgressAggregator();
  t.equal(a.add({ status: 'Digest: sha256:abc' }), false, 'no layer id');
  t.equal(a.add({ status: 'Pulling from web', id: '1' }), false, 'the tag line');
  t.equal(a.add({ status: 'Retrying in 5 seconds', id: 'l1' }), false, 'a retry changes nothing');
  t.equal(a.add({ id: 'l1' }), false, 'no status');
  t.equal(a.add({ status: 'Pulling fs layer', id: 'l1' }), false, 'an announcement: counted, not worth a report alone');
  t.equal(a.add({ status: 'Already exists', id: 'l0' }), false);
  t.same(a.progress(), { layersDone: 1, layersTotal: 2, bytesDone: 0, bytesTotal: 0, bytesTotalKnown: false });
  t.ok(a.add({ status: 'Waiting', id: 'l1' }));
  t.ok(a.add({ status: 'Downloading', id: 'l1', progressDetail: { current: 500, total: -1 } }), 'total -1: size unknown');
  t.same(a.progress(), { layersDone: 1, layersTotal: 2, bytesDone: 500, bytesTotal: 0, bytesTotalKnown: false });
  a.add({ status: 'Downloading', id: 'l1', progressDetail: 'garbage' });
  t.equal(a.progress().bytesDone, 500, 'a detail that is not an object keeps the bytes');
  a.add({ status: 'Download complete', id: 'l1' });
  t.same(a.progress(), { layersDone: 1, layersTotal: 2, bytesDone: 500, bytesTotal: 0, bytesTotalKnown: false }, 'downloaded, size still unknown: the bytes seen');
  a.add({ status: 'Extracting', id: 'l1', progressDetail: { current: 10, total: 800 } });
  t.same(a.progress(), { layersDone: 1, layersTotal: 2, bytesDone: 800, bytesTotal: 800, bytesTotalKnown: true }, 'extraction tells the size');
  t.ok(a.add({ status: 'Pull complete', id: 'l2' }));
  t.same(a.progress(), { layersDone: 2, layersTotal: 3, bytesDone: 800, bytesTotal: 800, bytesTotalKnown: false }, 'a layer complete whose size was never said');
});

t.test('followPull: progress per line, the in-stream error, chunking anywhere', async (t) => {
  const stream = new PassThrough();
  const seen: PullProgress[] = [];
  const done = followPull(stream, (p) => seen.push(p));
  // Split mid-line: the reader waits for whole lines.
  const text = FRESH_PULL;
  for (let i = 0; i < text.length; i += 97) stream.write(text.slice(i, i + 97));
  stream.end();
  await done;
  t.same(seen, progressAlong(FRESH_PULL));

  const failing = new PassThrough();
  const failed = followPull(failing);
  failing.end(`${linesOf(FRESH_PULL).slice(0, 3).map((l) => JSON.stringify(l)).join('\n')}\n{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}\n`);
  await t.rejects(failed, /unexpected EOF/, 'the error line fails the pull');

  const broken = new PassThrough();
  const brokenPull = followPull(broken);
  broken.destroy(new Error('socket hang up'));
  await t.rejects(brokenPull, /socket hang up/);
});

t.test('the board keeps the latest progress per image and says when it changed', async (t) => {
  let changes = 0;
  const board = new PullProgressBoard(() => changes++);
  const p: PullProgress = { layersDone: 1, layersTotal: 2, bytesDone: 5, bytesTotal: 10, bytesTotalKnown: true };
  board.update('reg/x:2', p);
  t.same(board.get('reg/x:2'), p);
  t.equal(changes, 1);
  board.finish('reg/x:2');
  t.equal(board.get('reg/x:2'), undefined);
  t.equal(changes, 1, 'the end of a pull is reported by the pass it triggers, not here');
  new PullProgressBoard().update('y:1', p); // no listener: fine
});

t.test('the executor hands progress to the board while the pull runs, and clears it after, either way', async (t) => {
  const clock = new FakeClock();
  const web = pod('web', {}, [{ image: 'reg.local:5000/x:2' }]);
  const ref = { pod: web, container: web.spec.containers[0]!, key: containerKey(web.metadata.uid, 'main') };
  const board = new PullProgressBoard();
  const seenDuring: Array<PullProgress | undefined> = [];
  let fail = false;
  const api = {
    async pullImage(_ref: string, _auth: unknown, onProgress?: (p: PullProgress) => void) {
      onProgress?.({ layersDone: 0, layersTotal: 2, bytesDone: 1, bytesTotal: 9, bytesTotalKnown: true });
      seenDuring.push(board.get('reg.local:5000/x:2'));
      if (fail) throw new Error('unexpected EOF');
    },
  } as unknown as DockerApi;
  const pulls = new InFlight(() => undefined);
  const executors = createExecutors({
    api,
    store: { history: () => new Map(), putHistory: () => undefined },
    node: 'n',
    sandboxImage: 'pause:1',
    now: clock.now,
    log: silentLog,
    pulls,
    removals: new InFlight(() => undefined),
    failures: new FailureState(),
    pullProgress: board,
  });
  for (const failing of [false, true]) {
    fail = failing;
    await executors.pull({ kind: 'pull', image: 'reg.local:5000/x:2', requesters: [ref] });
    await pulls.drain();
    t.equal(board.get('reg.local:5000/x:2'), undefined, `cleared after a ${failing ? 'failed' : 'successful'} pull`);
  }
  t.same(seenDuring.map((p) => p?.bytesDone), [1, 1], 'the progress was there while the pull ran');
});

const waiting = (image: string, message?: string): ContainerStatus => ({
  name: 'main',
  state: { waiting: { reason: 'ContainerCreating', ...(message ? { message } : {}) } },
  lastState: {},
  ready: false,
  restartCount: 0,
  image,
  imageID: '',
});

t.test('the pod status says the progress in the waiting message of containers waiting on that image', async (t) => {
  const progress: PullProgress = { layersDone: 3, layersTotal: 7, bytesDone: 12_300_000, bytesTotal: 45_600_000, bytesTotalKnown: true };
  const progressOf = (image: string) => (image === 'reg/x:2' || image === 'busybox:latest' ? progress : undefined);
  const status: PodStatus = {
    phase: 'Pending',
    containerStatuses: [waiting('reg/x:2'), waiting('busybox'), waiting('other:1'), waiting('reg/x:2', 'a mount failed'), { ...waiting('reg/x:2'), state: { running: {} } }],
  };
  const shown = withPullProgress(status, progressOf).containerStatuses!.map((cs) => cs.state.waiting?.message);
  t.same(shown, ['Pulling image "reg/x:2": 12.3 MB of 45.6 MB, 3 of 7 layers', 'Pulling image "busybox": 12.3 MB of 45.6 MB, 3 of 7 layers', undefined, 'a mount failed', undefined]);
  t.equal(shown.length, 5);
  const idle: PodStatus = { phase: 'Pending', containerStatuses: [waiting('other:1')] };
  t.equal(withPullProgress(idle, progressOf), idle, 'nothing pulled: the same object');
  const noContainers: PodStatus = { phase: 'Pending' };
  t.equal(withPullProgress(noContainers, progressOf), noContainers);
});

t.test('progressReportDelayMs: the first at once, then one per interval', async (t) => {
  t.equal(progressReportDelayMs(1000, undefined, 2000), 0);
  t.equal(progressReportDelayMs(1500, 1000, 2000), 1500);
  t.equal(progressReportDelayMs(3000, 1000, 2000), 0);
  t.equal(progressReportDelayMs(9000, 1000, 2000), 0);
});

t.test('the reporter sends pull progress at most once per interval, the latest one, and nothing unchanged', async (t) => {
  const clock = new FakeClock();
  const sent: StatusReport[] = [];
  const board = new PullProgressBoard(() => reporter.onPullProgress());
  const reporter: Reporter = new Reporter({
    node: 'n',
    labels: {},
    nodeStatus: () => ({ conditions: [] }),
    hostIP: () => '10.0.0.1',
    history: () => new Map(),
    nextSeq: () => sent.length + 1,
    publish: async (r) => {
      sent.push(r);
    },
    publishLease: () => undefined,
    isConnected: () => true,
    now: clock.now,
    heartbeatIntervalMs: 60_000,
    pullProgress: (image) => board.get(image),
    pullProgressIntervalMs: 40,
    log: silentLog,
  });
  t.teardown(() => reporter.stop());
  const web = pod('web', {}, [{ image: 'reg.local:5000/x:2' }]);
  const pass: PassResult = { desired: { schema: 1, node: 'n', generation: 1, pods: [web] }, observed: [], sandboxes: [], steps: [], nowMs: clock.ms, probeResults: new Map() };
  const settle = () => new Promise((r) => setImmediate(r));
  const messages = () => sent.map((r) => r.pods[0]?.status.containerStatuses?.[0]?.state.waiting?.message);
  const untilSent = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (sent.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  };
  reporter.onSettled(pass);
  await settle();
  t.same(messages(), [undefined], 'ContainerCreating, no pull yet');

  const at = (mb: number): PullProgress => ({ layersDone: 0, layersTotal: 2, bytesDone: mb * 1_000_000, bytesTotal: 20_000_000, bytesTotalKnown: true });
  board.update('reg.local:5000/x:2', at(1));
  await settle();
  t.equal(sent.length, 2, 'the first progress goes at once');
  board.update('reg.local:5000/x:2', at(2));
  board.update('reg.local:5000/x:2', at(3));
  await settle();
  t.equal(sent.length, 2, 'within the interval: held back');
  clock.advance(40);
  await untilSent(3);
  t.same(messages().slice(1), ['Pulling image "reg.local:5000/x:2": 1.0 MB of 20.0 MB, 0 of 2 layers', 'Pulling image "reg.local:5000/x:2": 3.0 MB of 20.0 MB, 0 of 2 layers'], 'then the latest, once');

  clock.advance(40);
  board.update('reg.local:5000/x:2', { ...at(3), bytesDone: 3_000_001 });
  await settle();
  t.equal(sent.length, 3, 'the same rounded figures: nothing sent');

  board.finish('reg.local:5000/x:2');
  reporter.onSettled(pass);
  await settle();
  t.same(messages().at(-1), undefined, 'after the pull: no message');

  clock.advance(1);
  board.update('reg.local:5000/x:2', at(5));
  t.equal(sent.length, 4, 'held back again');
  reporter.stop(); // and its timer with it: a stopped agent sends nothing more
});
