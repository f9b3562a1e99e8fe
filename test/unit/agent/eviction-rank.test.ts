import t from 'tap';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { podMemoryRequestBytes, rankForMemoryPressure, type PodMemoryUsage } from '../../../agent/eviction/rank.js';
import { formatBinaryQuantity, memoryEvictionMessage } from '../../../agent/eviction/eviction-message.js';
import { pod } from './fixtures/builders.js';

const MiB = 2 ** 20;

const bestEffort = pod('besteffort');
const burstable = pod('burstable', {}, [{ resources: { requests: { memory: '32Mi', cpu: '10m' } } }]);
const guaranteed = pod('guaranteed', {}, [{ resources: { requests: { memory: '64Mi', cpu: '100m' }, limits: { memory: '64Mi', cpu: '100m' } } }]);
/** Limits only: the API server defaults the requests to them. */
const limitsOnly = pod('limits-only', {}, [{ resources: { limits: { memory: '16Mi', cpu: '100m' } } }]);

function using(p: DesiredPod, ...perContainer: number[]): PodMemoryUsage {
  return { pod: p, containers: new Map(p.spec.containers.map((c, i) => [c.name, perContainer[i] ?? 0])) };
}

const names = (ranked: PodMemoryUsage[]): string[] => ranked.map((u) => u.pod.metadata.name);

t.test('a Pod requests the sum of its containers, a missing request defaulting to the limit', async (t) => {
  t.equal(podMemoryRequestBytes(bestEffort), 0);
  t.equal(podMemoryRequestBytes(burstable), 32 * MiB);
  t.equal(podMemoryRequestBytes(limitsOnly), 16 * MiB);
  const two = pod('two', {}, [{ resources: { requests: { memory: '10Mi' } } }, { resources: { requests: { memory: '1Gi' } } }]);
  t.equal(podMemoryRequestBytes(two), 10 * MiB + 1024 * MiB);
});

t.test('BestEffort goes first: using any memory exceeds its request of nothing', async (t) => {
  const ranked = rankForMemoryPressure([using(guaranteed, 60 * MiB), using(burstable, 30 * MiB), using(bestEffort, 1 * MiB)]);
  t.same(names(ranked), ['besteffort', 'burstable', 'guaranteed'], 'then the largest use above request: -2Mi before -4Mi');
});

t.test('a Pod above its request goes before any Pod within it, however large', async (t) => {
  const ranked = rankForMemoryPressure([using(guaranteed, 63 * MiB), using(bestEffort, 4096), using(burstable, 33 * MiB)]);
  t.same(names(ranked), ['burstable', 'besteffort', 'guaranteed'], 'both exceed: +1Mi before +4Ki');
});

t.test('among Pods above their requests, the largest excess goes first', async (t) => {
  const hog = pod('hog');
  const ranked = rankForMemoryPressure([using(bestEffort, 10 * MiB), using(burstable, 100 * MiB), using(hog, 50 * MiB)]);
  t.same(names(ranked), ['burstable', 'hog', 'besteffort'], '+68Mi, +50Mi, +10Mi');
});

t.test('a Pod whose usage could not be read goes first, as kubelet ranks a Pod without stats', async (t) => {
  const ranked = rankForMemoryPressure([using(bestEffort, 10 * MiB), { pod: guaranteed }]);
  t.same(names(ranked), ['guaranteed', 'besteffort']);
});

t.test('an idle BestEffort Pod (no memory at all) does not exceed, and ties keep their order', async (t) => {
  t.same(names(rankForMemoryPressure([using(bestEffort, 0), using(burstable, 33 * MiB)])), ['burstable', 'besteffort']);
  const other = pod('other');
  t.same(names(rankForMemoryPressure([using(other, MiB), using(bestEffort, MiB)])), ['other', 'besteffort'], 'a stable sort');
  t.same(rankForMemoryPressure([]), []);
});

t.test('quantities print as resource.Quantity prints binary-SI values', async (t) => {
  t.equal(formatBinaryQuantity(0), '0');
  t.equal(formatBinaryQuantity(1536), '1536');
  t.equal(formatBinaryQuantity(51200 * 1024 + 1024), '51201Ki');
  t.equal(formatBinaryQuantity(100 * MiB), '100Mi');
  t.equal(formatBinaryQuantity(1000 * 2 ** 40), '1000Ti');
});

t.test("the message is kubelet's, naming each container above its request", async (t) => {
  const facts = { thresholdBytes: 100 * MiB, availableBytes: 51201 * 1024 };
  t.equal(
    memoryEvictionMessage({ ...facts, pod: pod('web', {}, [{ name: 'web' }]), usage: new Map([['web', 60 * MiB]]) }),
    'The node was low on resource: memory. Threshold quantity: 100Mi, available: 51201Ki. Container web was using 60Mi, request is 0, has larger consumption of memory. ',
  );
  const two = pod('two', {}, [
    { name: 'big', resources: { requests: { memory: '32Mi' } } },
    { name: 'small', resources: { requests: { memory: '64Mi' } } },
  ]);
  t.equal(
    memoryEvictionMessage({ ...facts, pod: two, usage: new Map([['big', 40 * MiB], ['small', 10 * MiB]]) }),
    'The node was low on resource: memory. Threshold quantity: 100Mi, available: 51201Ki. Container big was using 40Mi, request is 32Mi, has larger consumption of memory. ',
    'a container within its request is not named',
  );
  t.equal(
    memoryEvictionMessage({ ...facts, pod: two }),
    'The node was low on resource: memory. Threshold quantity: 100Mi, available: 51201Ki. ',
    'without usage figures, only the node sentence',
  );
});
