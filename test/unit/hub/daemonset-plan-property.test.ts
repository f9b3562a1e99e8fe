/**
 * Property: whatever the fleet and whatever Pods a DaemonSet starts with, applying its plans to a
 * simulated cluster (deleted Pods go, new Pods turn ready) converges to exactly one up-to-date Pod
 * on each eligible node and none elsewhere; a rolling update from a healthy fleet never has more
 * than maxUnavailable eligible nodes without an available Pod, and one with maxSurge never has any
 * (nor more than maxSurge nodes running two Pods).
 */
import t, { type Test } from 'tap';
import { daemonTemplateOf, nodeShouldRunDaemonPod, planDaemonSet, type DaemonNode, type DaemonPod, type RollingUpdate } from '../../../hub/controllers/daemonset-plan.js';
import { pick, randomInt, seededRandom, type Random } from '../../helpers/seeded-random.js';

const TAINTS: DaemonNode['taints'][] = [
  [],
  [],
  [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
  [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }],
  [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }],
  [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
];

function randomNodes(random: Random): DaemonNode[] {
  return Array.from({ length: 1 + randomInt(random, 8) }, (_, i) => ({
    name: `n${i}`,
    labels: random() < 0.6 ? { tier: 'edge' } : ({} as Record<string, string>),
    taints: pick(random, TAINTS),
  }));
}

let serial = 0;
function newPod(nodeName: string | undefined, o: Partial<DaemonPod> = {}): DaemonPod {
  serial++;
  return { name: `p${serial}`, nodeName, terminating: false, failed: false, succeeded: false, created: String(serial).padStart(8, '0'), updated: true, ready: false, available: false, ...o };
}

function randomPods(random: Random, nodes: DaemonNode[]): DaemonPod[] {
  return Array.from({ length: randomInt(random, 12) }, () => {
    const ready = random() < 0.7;
    return newPod(random() < 0.1 ? undefined : random() < 0.1 ? 'departed' : pick(random, nodes).name, {
      updated: random() < 0.5,
      ready,
      available: ready,
      failed: random() < 0.1,
      terminating: random() < 0.1,
    });
  });
}

/** One round of the world: terminating Pods finish, new Pods turn ready and available. */
function settle(pods: DaemonPod[]): DaemonPod[] {
  return pods.filter((p) => !p.terminating).map((p) => (p.failed ? p : { ...p, ready: true, available: true }));
}

function apply(pods: DaemonPod[], plan: ReturnType<typeof planDaemonSet>): DaemonPod[] {
  const going = new Set(plan.delete.map((d) => d.pod));
  return [...pods.map((p) => (going.has(p.name) ? { ...p, terminating: true } : p)), ...plan.create.map((n) => newPod(n))];
}

const template = daemonTemplateOf({ nodeSelector: { tier: 'edge' } });

t.test('planning converges to exactly one up-to-date Pod per eligible node', async (t) => {
  for (let seed = 1; seed <= 300; seed++) {
    const random = seededRandom(seed);
    const nodes = randomNodes(random);
    let pods = randomPods(random, nodes);
    const strategy = random();
    const rollingUpdate =
      strategy < 0.45
        ? { maxUnavailable: pick(random, [1, 2, '50%', 0] as const) }
        : strategy < 0.8
          ? { maxUnavailable: 0, maxSurge: pick(random, [1, 2, '50%'] as const) }
          : undefined;
    let rounds = 0;
    for (; rounds < 40; rounds++) {
      const plan = planDaemonSet(nodes, pods, template, rollingUpdate);
      if (plan.create.length === 0 && plan.delete.length === 0 && pods.every((p) => !p.terminating)) break;
      pods = settle(apply(pods, plan));
    }
    const eligible = nodes.filter((n) => nodeShouldRunDaemonPod(n, template).shouldRun).map((n) => n.name);
    const keep = nodes.filter((n) => nodeShouldRunDaemonPod(n, template).shouldContinueRunning).map((n) => n.name);
    const where = pods.map((p) => p.nodeName!).sort();
    // Eligible nodes have exactly one Pod; a node that only tolerates it still may keep one old Pod.
    for (const name of eligible) t.equal(where.filter((w) => w === name).length, 1, `seed ${seed}: one Pod on ${name}`);
    for (const p of pods) t.ok(p.nodeName !== undefined && keep.includes(p.nodeName), `seed ${seed}: ${p.name} on ${p.nodeName} may stay`);
    const onEligible = pods.filter((p) => eligible.includes(p.nodeName!));
    if (rollingUpdate) t.ok(onEligible.every((p) => p.updated), `seed ${seed}: rolling update brought every eligible node up to date`);
    t.ok(rounds < 40, `seed ${seed}: converged in ${rounds} rounds`);
    if (t.passing() === false) break;
  }
});

/**
 * Rolls a fleet of old, available daemon Pods forward with `rollingUpdate` (a random 2-11 nodes),
 * letting only part of the world move each round (a random subset of Pods finishes or turns
 * ready), and calls `check` after every applied plan. Ends with every node on one updated Pod.
 */
function rollFleet(
  t: Test,
  seed: number,
  random: () => number,
  rollingUpdate: RollingUpdate,
  check: (nodes: DaemonNode[], pods: DaemonPod[], round: number) => void,
): void {
  const nodes = Array.from({ length: 2 + randomInt(random, 10) }, (_, i) => ({ name: `n${i}`, labels: { tier: 'edge' }, taints: [] }));
  let pods = nodes.map((n) => newPod(n.name, { updated: false, ready: true, available: true }));
  let round = 0;
  for (; round < 400; round++) {
    const plan = planDaemonSet(nodes, pods, template, rollingUpdate);
    if (plan.create.length === 0 && plan.delete.length === 0 && pods.every((p) => !p.terminating && p.available)) break;
    pods = apply(pods, plan);
    check(nodes, pods, round);
    pods = pods
      .filter((p) => !(p.terminating && random() < 0.6))
      .map((p) => (!p.terminating && !p.available && random() < 0.6 ? { ...p, ready: true, available: true } : p));
  }
  t.ok(round < 400, `seed ${seed}: finished`);
  t.same(pods.map((p) => p.nodeName).sort(), nodes.map((n) => n.name).sort(), `seed ${seed}: one Pod per node`);
  t.ok(pods.every((p) => p.updated), `seed ${seed}: all up to date`);
}

const unavailableNodes = (nodes: DaemonNode[], pods: DaemonPod[]) => nodes.filter((n) => !pods.some((p) => p.nodeName === n.name && !p.terminating && p.available)).length;

t.test('a rolling update never leaves more than maxUnavailable eligible nodes unavailable', async (t) => {
  for (let seed = 1; seed <= 200; seed++) {
    const random = seededRandom(1000 + seed);
    const maxUnavailable = 1 + randomInt(random, 3);
    rollFleet(t, seed, random, { maxUnavailable }, (nodes, pods, round) => {
      const unavailable = unavailableNodes(nodes, pods);
      t.ok(unavailable <= maxUnavailable, `seed ${seed} round ${round}: ${unavailable} unavailable <= ${maxUnavailable}`);
    });
    if (t.passing() === false) break;
  }
});

t.test('a surging rolling update keeps every node available and surges on at most maxSurge nodes', async (t) => {
  for (let seed = 1; seed <= 200; seed++) {
    const random = seededRandom(5000 + seed);
    const maxSurge = 1 + randomInt(random, 3);
    rollFleet(t, seed, random, { maxUnavailable: 0, maxSurge }, (nodes, pods, round) => {
      t.equal(unavailableNodes(nodes, pods), 0, `seed ${seed} round ${round}: every node keeps an available Pod`);
      const surged = nodes.filter((n) => pods.filter((p) => p.nodeName === n.name && !p.terminating).length > 1).length;
      t.ok(surged <= maxSurge, `seed ${seed} round ${round}: ${surged} nodes with two live Pods <= ${maxSurge}`);
    });
    if (t.passing() === false) break;
  }
});
