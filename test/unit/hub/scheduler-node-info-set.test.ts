/**
 * NodeInfoSet, kept up to date one change at a time, always says what building the infos from
 * scratch out of the same Nodes and Pods says (seeded random sequences of changes).
 */
import t from 'tap';
import { buildNodeInfos, NodeInfoSet, type NodeInfo } from '../../../hub/scheduler/node-info.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { pick, randomInt, seededRandom, type Random } from '../../helpers/seeded-random.js';
import { schedNode, schedPod } from './scheduler-fixtures.js';

function view(infos: NodeInfo[]): unknown {
  return infos
    .map((i) => ({
      name: i.name,
      pods: i.pods.map((p) => p.metadata.name).sort(),
      allocatable: i.allocatable,
      requested: i.requested,
      nonZeroRequested: i.nonZeroRequested,
      owners: [...i.podsPerOwner.entries()].sort(),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

function randomPod(random: Random, name: string, nodeNames: string[]): KubeObject {
  const nodeName = random() < 0.8 ? pick(random, nodeNames) : undefined;
  const phase = random() < 0.15 ? pick(random, ['Succeeded', 'Failed'] as const) : 'Running';
  return schedPod(name, {
    ...(nodeName ? { nodeName } : {}),
    phase,
    ...(random() < 0.6 ? { owner: pick(random, ['web', 'api']) } : {}),
    ...(random() < 0.7 ? { requests: [{ cpu: `${100 * (1 + randomInt(random, 5))}m`, memory: `${1 + randomInt(random, 64)}Mi` }] } : {}),
  });
}

t.test('property: incremental changes agree with a rebuild from scratch', async (t) => {
  const nodeNames = ['a', 'b', 'c', 'd'];
  for (let seed = 1; seed <= 100; seed++) {
    const random = seededRandom(seed);
    const set = new NodeInfoSet();
    const nodes = new Map<string, KubeObject>();
    const pods = new Map<string, KubeObject>();
    for (let step = 0; step < 60; step++) {
      const roll = random();
      if (roll < 0.2) {
        const name = pick(random, nodeNames);
        const node = schedNode(name, { cpu: String(1 + randomInt(random, 8)), maxPods: 1 + randomInt(random, 20) });
        nodes.set(name, node);
        set.setNode(node);
      } else if (roll < 0.3) {
        const name = pick(random, nodeNames);
        nodes.delete(name);
        set.deleteNode(name);
      } else if (roll < 0.8) {
        const key = `p${randomInt(random, 12)}`;
        const pod = randomPod(random, key, nodeNames);
        pods.set(key, pod);
        set.setPod(key, pod);
      } else {
        const key = `p${randomInt(random, 12)}`;
        pods.delete(key);
        set.deletePod(key);
      }
      const expected = view(buildNodeInfos([...nodes.values()], [...pods.values()]));
      const actual = view(set.infos());
      if (JSON.stringify(actual) !== JSON.stringify(expected)) return t.fail(`seed ${seed} step ${step}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
    }
  }
  t.pass('every step of 100 random sequences agreed');
});

t.test('a Pod bound to a node that comes back counts on it again', async (t) => {
  const set = new NodeInfoSet();
  set.setNode(schedNode('a'));
  set.setPod('p', schedPod('p', { nodeName: 'a', requests: [{ cpu: '500m' }] }));
  set.deleteNode('a');
  t.same(set.infos(), []);
  set.setNode(schedNode('a'));
  t.equal(set.infos()[0]!.requested.milliCpu, 500);
  t.same(set.infos()[0]!.pods.map((p) => p.metadata.name), ['p']);
});

t.test('infos are shared between changes and replaced when their node changes', async (t) => {
  const set = new NodeInfoSet();
  set.setNode(schedNode('a'));
  set.setNode(schedNode('b'));
  const [a1, b1] = set.infos();
  set.setPod('p', schedPod('p', { nodeName: 'a' }));
  const [a2, b2] = set.infos();
  t.not(a2, a1, "a's info is new: it gained a Pod");
  t.equal(b2, b1, "b's info is the same object: nothing on b changed");
  t.equal(a1!.pods.length, 0, 'an info handed out earlier is not changed under its holder');
});
