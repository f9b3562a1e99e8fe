/**
 * Seeded property tests over random fleets and Pods: whatever the scheduler picks passes every
 * filter, a sequence of bindings never overcommits a node, and the choice depends neither on the
 * order nodes and Pods are listed in nor on anything but the inputs.
 */
import t from 'tap';
import { failingReasons } from '../../../hub/scheduler/filters.js';
import { buildNodeInfos } from '../../../hub/scheduler/node-info.js';
import { schedule } from '../../../hub/scheduler/schedule.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { Toleration } from '../../../shared/api/schema/pod.js';
import type { Taint } from '../../../hub/scheduler/taints.js';
import { pick, randomInt, seededRandom, shuffled, type Random } from '../../helpers/seeded-random.js';
import { schedNode, schedPod } from './scheduler-fixtures.js';

const ARCHES = ['amd64', 'arm64', 'arm'];
const ZONES = ['barn', 'shed', 'field'];
const TAINTS: Taint[] = [
  { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
  { key: 'dedicated', value: 'db', effect: 'NoExecute' },
  { key: 'soft', effect: 'PreferNoSchedule' },
];
const TOLERATIONS: Toleration[] = [
  { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
  { key: 'dedicated', operator: 'Exists' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'soft', operator: 'Exists' },
  { operator: 'Exists' },
];

function randomFleet(random: Random): KubeObject[] {
  return Array.from({ length: 1 + randomInt(random, 10) }, (_, i) =>
    schedNode(`node-${i}`, {
      ready: random() < 0.9 ? 'True' : 'False',
      unschedulable: random() < 0.1,
      labels: { 'kubernetes.io/arch': pick(random, ARCHES), zone: pick(random, ZONES), cores: String(1 + randomInt(random, 16)) },
      cpu: String(1 + randomInt(random, 8)),
      memory: `${1 + randomInt(random, 16)}Gi`,
      maxPods: 2 + randomInt(random, 10),
      ...(random() < 0.3 ? { taints: [pick(random, TAINTS)] } : {}),
    }),
  );
}

function randomPod(random: Random, name: string): KubeObject {
  const requests = Array.from({ length: 1 + randomInt(random, 2) }, () => {
    const r: Record<string, string> = {};
    if (random() < 0.7) r.cpu = `${50 * (1 + randomInt(random, 40))}m`;
    if (random() < 0.7) r.memory = `${64 * (1 + randomInt(random, 48))}Mi`;
    return r;
  });
  const selector = random() < 0.3 ? { nodeSelector: { 'kubernetes.io/arch': pick(random, ARCHES) } } : {};
  const affinity =
    random() < 0.3
      ? {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'zone', operator: pick(random, ['In', 'NotIn'] as const), values: [pick(random, ZONES)] }] },
                  { matchExpressions: [{ key: 'cores', operator: 'Gt' as const, values: [String(randomInt(random, 16))] }] },
                ],
              },
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + randomInt(random, 100), preference: { matchExpressions: [{ key: 'zone', operator: 'In' as const, values: [pick(random, ZONES)] }] } }],
            },
          },
        }
      : {};
  const tolerations = random() < 0.4 ? { tolerations: [pick(random, TOLERATIONS)] } : {};
  return schedPod(name, { requests, ...(random() < 0.5 ? { owner: pick(random, ['web', 'api']) } : {}), ...selector, ...affinity, ...tolerations });
}

const bindTo = (pod: KubeObject, nodeName: string): KubeObject => ({ ...pod, spec: { ...(pod.spec as object), nodeName } });

t.test('property: random fleets and pod sequences', async (t) => {
  let placedCount = 0;
  let unschedulableCount = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const random = seededRandom(seed);
    const nodes = randomFleet(random);
    const bound: KubeObject[] = [];
    for (let i = 0; i < 25; i++) {
      const pod = randomPod(random, `p${i}`);
      const result = schedule(pod, nodes, bound);
      const infos = buildNodeInfos(nodes, bound);

      // Independent of the order the inputs are listed in.
      const again = schedule(pod, shuffled(random, nodes), shuffled(random, bound));
      if (JSON.stringify(again) !== JSON.stringify(result)) return t.fail(`seed ${seed} pod ${i}: ${JSON.stringify(result)} vs ${JSON.stringify(again)} after shuffling`);

      if (result.node === undefined) {
        unschedulableCount++;
        const fits = infos.filter((info) => failingReasons(pod, info).length === 0).map((info) => info.name);
        if (fits.length > 0) return t.fail(`seed ${seed} pod ${i}: unschedulable although ${fits.join(',')} pass every filter`);
        continue;
      }
      placedCount++;
      const chosen = infos.find((info) => info.name === result.node)!;
      const reasons = failingReasons(pod, chosen);
      if (reasons.length > 0) return t.fail(`seed ${seed} pod ${i}: chose ${result.node} which fails: ${reasons.join('; ')}`);
      bound.push(bindTo(pod, result.node));

      for (const info of buildNodeInfos(nodes, bound)) {
        const over =
          info.requested.milliCpu > info.allocatable.milliCpu || info.requested.memory > info.allocatable.memory || info.pods.length > info.allocatable.pods;
        if (over) return t.fail(`seed ${seed} after pod ${i}: ${info.name} overcommitted: ${JSON.stringify({ requested: info.requested, pods: info.pods.length, allocatable: info.allocatable })}`);
      }
    }
  }
  t.pass('every chosen node passed every filter, nothing overcommitted, order never mattered');
  // The generator must exercise both outcomes, or the properties above say little.
  t.ok(placedCount > 500, `placed ${placedCount}`);
  t.ok(unschedulableCount > 200, `unschedulable ${unschedulableCount}`);
});

t.test('property: N Pods of one owner on N identical ready nodes land one per node', async (t) => {
  const random = seededRandom(42);
  for (let n = 1; n <= 12; n++) {
    const nodes = shuffled(random, Array.from({ length: n }, (_, i) => schedNode(`node-${String(i).padStart(2, '0')}`)));
    const pods: KubeObject[] = [bindTo(schedPod('unrelated-1'), nodes[0]!.metadata.name!)];
    for (let i = 0; i < n; i++) {
      const next = schedPod(`web-${i}`, { owner: 'web', requests: [{ cpu: '100m', memory: '64Mi' }] });
      const result = schedule(next, nodes, pods);
      if (!result.node) return t.fail(`n=${n}: pod ${i} unschedulable`);
      pods.push(bindTo(next, result.node));
    }
    const perNode = new Set(pods.slice(1).map((p) => (p.spec as { nodeName: string }).nodeName));
    t.equal(perNode.size, n, `n=${n}: every node got exactly one`);
  }
});
