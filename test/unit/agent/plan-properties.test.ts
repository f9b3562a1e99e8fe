/**
 * Property-style tests of the planner (style.md lesson 12): random desired states and random
 * Docker states, from a seeded PRNG so a failure reproduces. Properties:
 * - plan(x, observed matching x) has no actionable step;
 * - the real executor and loop over a simulated engine converge from any mess within a few passes,
 *   and converge again after random crashes and removals.
 */
import t, { type Test } from 'tap';
import type { Container } from '../../../shared/api/schema/pod.js';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { plan } from '../../../agent/reconcile/plan.js';
import { normalizeImageRef } from '../../../agent/runtime/image-ref.js';
import { identityOf, labelsFor, LABELS, SANDBOX_CONTAINER } from '../../../agent/runtime/labels.js';
import { specHash } from '../../../agent/reconcile/spec-hash.js';
import { context, FakeClock, FakeDockerApi, NODE, observed, pod, seeded, simulatedAgent, T0, withSandboxes } from './fixtures/builders.js';
import { sandboxHash } from '../../../agent/reconcile/spec-hash.js';

const IMAGES = ['skiff-test/web:1', 'skiff-test/web:2', 'registry.local:5000/app:3', 'busybox', 'busybox:latest'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomContainer(random: () => number, index: number): Partial<Container> {
  const c: Partial<Container> = { name: index === 0 ? 'main' : `c${index}`, image: pick(random, IMAGES) };
  if (random() < 0.3) c.command = ['/bin/sh', '-c', `sleep ${Math.floor(random() * 100)}`];
  if (random() < 0.3) c.env = [{ name: 'MODE', value: pick(random, ['a', 'b']) }];
  if (random() < 0.3) c.resources = { limits: { memory: pick(random, ['32Mi', '64Mi']), cpu: pick(random, ['250m', '1']) } };
  if (random() < 0.2) c.imagePullPolicy = pick(random, ['Always', 'IfNotPresent'] as const);
  return c;
}

function randomPods(random: () => number): DesiredPod[] {
  const count = Math.floor(random() * 6);
  return Array.from({ length: count }, (_, i) => {
    const containers = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, j) => randomContainer(random, j));
    return pod(`p${i}-${Math.floor(random() * 1000)}`, { restartPolicy: pick(random, [undefined, 'Always', 'OnFailure', 'Never'] as const) }, containers);
  });
}

t.test('plan(x, observed matching x) has no actionable step', async (t) => {
  const random = seeded(42);
  for (let run = 0; run < 200; run++) {
    const pods = randomPods(random);
    const matching = pods.flatMap((p) => p.spec.containers.map((c) => observed(p, { container: c.name, attempt: 1 + Math.floor(random() * 4) })));
    const images = new Set(IMAGES.map(normalizeImageRef));
    const steps = plan(pods, withSandboxes(pods, matching), context({ imagesPresent: images, pulledAtMs: new Map([...images].map((i) => [i, T0])) }));
    t.same(
      steps.filter((s) => s.kind !== 'wait'),
      [],
      `run ${run}: ${pods.length} pods`,
    );
  }
});

t.test('plan is deterministic: the same inputs give the same steps', async (t) => {
  const random = seeded(7);
  const pods = randomPods(random);
  const ctx = context();
  t.same(plan(pods, [], ctx), plan(pods, [], ctx));
});

/**
 * Adds random junk the agent must clean up: orphans, stale hashes, duplicates, exited attempts,
 * of pod containers and of pod sandboxes (whose pod containers then sit in a namespace that is
 * not their pod's current one).
 */
function mess(api: FakeDockerApi, pods: DesiredPod[], random: () => number): void {
  let n = 0;
  const add = (p: DesiredPod, container: string, hash: string, attempt: number, state: 'running' | 'exited'): void => {
    const id = `junk${n++}`.padEnd(64, '0');
    const sandboxes = api.sandboxesOf(p);
    api.containers.set(id, {
      id,
      name: `junk_${n}`,
      labels: labelsFor(NODE, { namespace: 'default', podName: p.metadata.name, podUid: p.metadata.uid, container, hash, attempt }, 1),
      state,
      exitCode: state === 'exited' ? pick(random, [0, 1, 137]) : 0,
      oomKilled: false,
      createdMs: T0 - 1000 * n,
      startedAt: new Date(T0 - 100_000).toISOString(),
      ...(state === 'exited' ? { finishedAt: new Date(T0 - 50_000).toISOString() } : {}),
      image: 'skiff-test/web:1',
      imageID: 'sha256:feedbeef',
      ...(container === SANDBOX_CONTAINER ? { networkMode: 'bridge', ...(state === 'running' ? { ip: `172.17.1.${n}` } : {}) } : sandboxes[0] ? { networkMode: `container:${pick(random, sandboxes).id}` } : {}),
      body: {},
    });
  };
  for (const p of pods) {
    const roll = random();
    if (roll < 0.2) add(p, SANDBOX_CONTAINER, sandboxHash(p), 1, 'running');
    else if (roll < 0.3) add(p, SANDBOX_CONTAINER, 'stale-hash', 1, 'running');
    else if (roll < 0.4) add(p, SANDBOX_CONTAINER, sandboxHash(p), 1, 'exited');
    else if (roll < 0.5) {
      add(p, SANDBOX_CONTAINER, sandboxHash(p), 1, 'running');
      add(p, SANDBOX_CONTAINER, sandboxHash(p), 2, 'running');
    }
  }
  for (const p of pods) {
    for (const c of p.spec.containers) {
      const hash = specHash(p, c);
      const roll = random();
      if (roll < 0.2) add(p, c.name, 'stale-hash', 1, 'running');
      else if (roll < 0.4) {
        add(p, c.name, hash, 1, 'running');
        add(p, c.name, hash, 2, 'running');
      } else if (roll < 0.6) add(p, c.name, hash, 1, 'exited');
    }
  }
  for (let i = 0; i < Math.floor(random() * 3); i++) add(pod(`orphan${i}`), 'main', 'x', 1, pick(random, ['running', 'exited'] as const));
  if (random() < 0.5) add(pod('orphan-sandbox'), SANDBOX_CONTAINER, 'x', 1, pick(random, ['running', 'exited'] as const));
  // Another node's container on the same engine: never touched.
  api.containers.set('other'.padEnd(64, '0'), {
    id: 'other'.padEnd(64, '0'),
    name: 'other-node',
    labels: { ...labelsFor('node-b', { namespace: 'default', podName: 'x', podUid: 'u', container: 'main', hash: 'h', attempt: 1 }, 1) },
    state: 'running',
    exitCode: 0,
    oomKilled: false,
    createdMs: T0,
    image: 'skiff-test/web:1',
    imageID: 'sha256:feedbeef',
    body: {},
  });
}

/**
 * Every desired pod has one running sandbox of its current hash, and every desired container one
 * container of the current spec, running in that sandbox; nothing else of this node remains.
 */
function checkConverged(t: Test, api: FakeDockerApi, pods: DesiredPod[], label: string): void {
  const mine = [...api.containers.values()].filter((c) => c.labels[LABELS.node] === NODE);
  const expected = pods
    .flatMap((p) => [`${p.metadata.uid}/${SANDBOX_CONTAINER}/${sandboxHash(p)}`, ...p.spec.containers.map((c) => `${p.metadata.uid}/${c.name}/${specHash(p, c as Container)}`)])
    .sort();
  const outside = pods.flatMap((p) => {
    const [sandbox] = api.sandboxesOf(p);
    return p.spec.containers.flatMap((c) => api.of(p, c.name)).filter((c) => c.state !== 'running' || c.networkMode !== `container:${sandbox?.id}`);
  });
  t.same(outside.map((c) => c.name), [], `${label}: every pod container runs in its pod's sandbox`);
  const actual = mine.map((c) => identityOf(c.labels)).map((id) => `${id?.podUid}/${id?.container}/${id?.hash}`).sort();
  t.same(actual, expected, `${label}: one container per desired pod container, current spec`);
  t.ok(api.containers.has('other'.padEnd(64, '0')), `${label}: another node's container is untouched`);
}

t.test('the loop converges from any mess within a few passes, and again after random crashes and removals', async (t) => {
  const random = seeded(2024);
  for (let run = 0; run < 40; run++) {
    const clock = new FakeClock();
    const api = new FakeDockerApi(clock.now, ['skiff-test/web:1']);
    const pods = randomPods(random).map((p) => ({ ...p, spec: { ...p.spec, restartPolicy: 'Always' as const } }));
    mess(api, pods, random);
    const agent = simulatedAgent(api, clock, pods);
    const first = await agent.converge();
    t.ok(first.passes <= 8, `run ${run}: converged in ${first.passes} passes`);
    checkConverged(t, api, pods, `run ${run}`);

    // Random trouble: processes exit, containers are removed behind the agent's back.
    for (const c of [...api.containers.values()].filter((c) => c.labels[LABELS.node] === NODE)) {
      const roll = random();
      if (roll < 0.3) api.exit(c.id, pick(random, [0, 1, 137]));
      else if (roll < 0.5) api.containers.delete(c.id);
    }
    clock.advance(1000);
    const second = await agent.converge();
    t.ok(second.passes <= 8, `run ${run}: re-converged in ${second.passes} passes`);
    checkConverged(t, api, pods, `run ${run} after trouble`);

    // A new desired state (some pods gone, others new) converges too.
    const next = randomPods(random).map((p) => ({ ...p, spec: { ...p.spec, restartPolicy: 'Always' as const } }));
    agent.setDesired(next);
    const third = await agent.converge();
    t.ok(third.passes <= 8, `run ${run}: new desired state converged in ${third.passes} passes`);
    checkConverged(t, api, next, `run ${run} new state`);
  }
});
