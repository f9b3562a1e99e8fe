/**
 * Pod sandboxes in the planner (plan-sandbox.ts), kubelet's computePodActions rules: one running
 * sandbox per pod, created before its containers; containers outside it are restarted in it at
 * once; a finished or deleted pod gives it up after its containers.
 */
import t from 'tap';
import { plan } from '../../../agent/reconcile/plan.js';
import { sandboxKey } from '../../../agent/reconcile/plan-sandbox.js';
import { containerKey, withEndedAttempt } from '../../../agent/reconcile/history.js';
import { restartDelayMs } from '../../../agent/reconcile/restart-backoff.js';
import { normalizeImageRef } from '../../../agent/runtime/image-ref.js';
import { briefSteps as brief, context, observed, PAUSE_IMAGE, pod, sandbox, sandboxIdOf, T0 } from './fixtures/builders.js';

const web = pod('web', {}, [{}, {}]);

t.test('a new pod gets its sandbox first, then all its containers in it', async (t) => {
  t.same(brief(plan([web], [], context())), ['sandbox web#1'], 'one sandbox step for the pod, no container yet');
  t.same(brief(plan([web], [sandbox(web)], context())), [`create main in ${sandboxIdOf(web)}`, `create side1 in ${sandboxIdOf(web)}`]);
});

t.test('the sandbox image is pulled when missing; a failed pull holds the pod in ContainerCreating', async (t) => {
  const image = normalizeImageRef(PAUSE_IMAGE);
  const without = context({ imagesPresent: new Set([normalizeImageRef('skiff-test/web:1')]) });
  t.same(brief(plan([web, pod('other')], [], without)), [`pull ${image} for 0`], 'one pull, no pod events');
  const failed = context({ imagesPresent: without.imagesPresent, pullFailures: new Map([[image, { attempts: 1, lastFailureMs: T0, reason: 'ErrImagePull', message: 'dial tcp: no route' }]]) });
  t.same(brief(plan([web], [], failed)), [
    `wait main ContainerCreating FailedCreatePodSandBox: Failed to create pod sandbox: failed to pull sandbox image "${PAUSE_IMAGE}": dial tcp: no route`,
    `wait side1 ContainerCreating FailedCreatePodSandBox: Failed to create pod sandbox: failed to pull sandbox image "${PAUSE_IMAGE}": dial tcp: no route`,
  ]);
  const later = context({ ...failed, nowMs: T0 + 10_000 });
  t.same(brief(plan([web], [], later)), [`pull ${image} for 0`], 'retried after the backoff');
});

t.test('a sandbox that could not be created is retried after the backoff', async (t) => {
  const createFailures = new Map([[sandboxKey(web.metadata.uid), { attempts: 1, lastFailureMs: T0, reason: 'FailedCreatePodSandBox', message: 'port is already allocated' }]]);
  const [wait] = plan([web], [], context({ createFailures }));
  t.match(wait, { kind: 'wait', reason: 'ContainerCreating', eventReason: 'FailedCreatePodSandBox', message: 'Failed to create pod sandbox: port is already allocated', untilMs: T0 + 10_000 });
  t.same(brief(plan([web], [], context({ createFailures, nowMs: T0 + 10_000 }))), ['sandbox web#1']);
});

t.test('a dead sandbox: removed, its running containers killed and restarted at once in the next one', async (t) => {
  const dead = sandbox(web, { id: 'sb-dead', state: 'exited' });
  const main = observed(web, { id: 'm1', container: 'main', sandboxId: 'sb-dead' });
  const side = observed(web, { id: 's1', container: 'side1', sandboxId: 'sb-dead' });
  t.same(brief(plan([web], [dead, main, side], context())), ['remove sb-dead Exited', 'remove m1 SandboxChanged restartAtOnce', 'remove s1 SandboxChanged restartAtOnce']);
  // After the removals: the next sandbox is attempt 2 (numbered after every one seen).
  t.same(brief(plan([web], [{ ...dead, state: 'removing' }], context())), [], 'no new sandbox while the old one is being removed (it may hold hostPorts)');
  t.same(brief(plan([web], [sandbox(web, { id: 'sb-old', state: 'exited', attempt: 3 })], context())), ['remove sb-old Exited', 'sandbox web#4'], 'a stopped sandbox holds no port: the next one is made at once');
  t.same(brief(plan([web], [], context())), ['sandbox web#1']);
  const remembered = new Map([[sandboxKey(web.metadata.uid), { attempts: 3, backoffStreak: 0 }]]);
  t.same(brief(plan([web], [], context({ history: remembered }))), ['sandbox web#4'], 'numbered after the last one the history remembers (one removed behind the agent’s back)');
  // The restart does not wait out the crash backoff: the streak starts over.
  const key = containerKey(web.metadata.uid, 'main');
  const ended = withEndedAttempt({ attempts: 4, backoffStreak: 4 }, { attempt: 4, containerId: 'm1', hash: main.labels['skiff.container.hash']!, terminated: { exitCode: 137, reason: 'Error', finishedAt: new Date(T0).toISOString(), containerID: 'docker://m1' }, restartAtOnce: true });
  t.equal(ended.backoffStreak, 0);
  t.equal(restartDelayMs(ended.backoffStreak), 0);
  const steps = plan([web], [sandbox(web)], context({ history: new Map([[key, ended]]) }));
  t.same(brief(steps), [`create main in ${sandboxIdOf(web)}`, `create side1 in ${sandboxIdOf(web)}`], 'both start at once in the new sandbox');
});

t.test('a sandbox whose hash is stale is replaced, and with it the pod containers', async (t) => {
  const stale = sandbox(web, { id: 'sb-stale', hash: 'old' });
  const main = observed(web, { id: 'm1', container: 'main', sandboxId: 'sb-stale' });
  t.same(brief(plan([web], [stale, main], context())), ['remove sb-stale SandboxChanged', 'remove m1 SandboxChanged restartAtOnce']);
});

t.test('duplicate sandboxes: the newest attempt stays; containers in another one are moved', async (t) => {
  const older = sandbox(web, { id: 'sb-1', attempt: 1 });
  const newer = sandbox(web, { id: 'sb-2', attempt: 2 });
  const main = observed(web, { id: 'm1', container: 'main', sandboxId: 'sb-1' });
  const side = observed(web, { id: 's1', container: 'side1', sandboxId: 'sb-2' });
  t.same(brief(plan([web], [older, newer, main, side], context())), ['remove sb-1 Duplicate', 'remove m1 SandboxChanged restartAtOnce']);
});

t.test('a deleted pod: containers first (their preStop hooks keep the network), then the sandbox', async (t) => {
  const sb = sandbox(web, { id: 'sb' });
  const main = observed(web, { id: 'm1', container: 'main', sandboxId: 'sb' });
  const [first, ...rest] = plan([], [sb, main], context());
  t.match(first, { containerId: 'm1', reason: 'PodDeleted', preStop: undefined });
  t.same(rest, []);
  t.same(brief(plan([], [sb], context())), ['remove sb PodDeleted']);
  t.same(brief(plan([], [sb, { ...main, state: 'removing' }], context())), [], 'not while a container is still being removed');
});

t.test('pod containers reach each other and are probed at the sandbox address', async (t) => {
  const hooked = pod('hooked', {}, [{ lifecycle: { preStop: { httpGet: { path: '/bye', port: 80 } } } }]);
  const sb = sandbox(hooked, { id: 'sb', ip: '172.17.0.42' });
  const main = observed(hooked, { id: 'm1', sandboxId: 'sb' });
  const labelled = { ...main, labels: { ...main.labels, 'skiff.container.pre-stop': JSON.stringify({ httpGet: { scheme: 'HTTP', port: 80, path: '/bye' } }) } };
  const [step] = plan([], [sb, labelled], context());
  t.match(step, { reason: 'PodDeleted', preStop: { podIp: '172.17.0.42' } }, "a preStop httpGet goes to the pod's address");
});

t.test('under DiskPressure no image is pulled, the sandbox image included; present images still run', async (t) => {
  const why = 'nodefs.available below the eviction threshold';
  const fresh = pod('fresh', {}, [{ image: 'registry.local:5000/app:2' }]);
  const steps = plan([fresh], [], context({ diskPressure: why, imagesPresent: new Set([normalizeImageRef('skiff-test/web:1')]) }));
  t.same(brief(steps), [
    `wait main ErrImagePull Failed: pull of image "registry.local:5000/app:2" refused: the node has DiskPressure (${why}); it resumes when space is freed`,
  ]);
  t.same(brief(plan([web], [], context({ diskPressure: why, imagesPresent: new Set([normalizeImageRef('skiff-test/web:1')]) }))), [
    `wait main ContainerCreating FailedCreatePodSandBox: Failed to create pod sandbox: pull of image "${PAUSE_IMAGE}" refused: the node has DiskPressure (${why}); it resumes when space is freed`,
    `wait side1 ContainerCreating FailedCreatePodSandBox: Failed to create pod sandbox: pull of image "${PAUSE_IMAGE}" refused: the node has DiskPressure (${why}); it resumes when space is freed`,
  ]);
  t.same(brief(plan([web], [], context({ diskPressure: why }))), ['sandbox web#1'], 'with every image present, pods still start');
});
