import t from 'tap';
import { computeAllocatable, formatCpu, parseEvictionThresholds, parseReservation, resourceLists, thresholdAmount } from '../../../agent/report/node-resources.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

t.test('reservations in kubelet syntax, in base units', async (t) => {
  t.same(parseReservation('cpu=250m, memory=128Mi,ephemeral-storage=1G,pid=100'), { cpu: 250, memory: 128 * MiB, 'ephemeral-storage': 1e9, pid: 100 });
  t.same(parseReservation(''), {});
  t.same(parseReservation('cpu=1.5'), { cpu: 1500 });
  t.throws(() => parseReservation('cpu'), /must be resource=quantity/);
  t.throws(() => parseReservation('disk=1Gi'), /not a reservable resource/);
  t.throws(() => parseReservation('memory=-1Mi'), /not a non-negative quantity/);
});

t.test('eviction thresholds: quantities and percentages', async (t) => {
  const thresholds = parseEvictionThresholds('memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,pid.available<1k');
  t.same(thresholds, {
    'memory.available': { quantity: 100 * MiB },
    'nodefs.available': { percentage: 0.1 },
    'nodefs.inodesFree': { percentage: 0.05 },
    'pid.available': { quantity: 1000 },
  });
  t.equal(thresholdAmount(thresholds['nodefs.available'], 50 * GiB), Math.floor(5 * GiB));
  t.equal(thresholdAmount(thresholds['memory.available'], 1), 100 * MiB, 'a quantity ignores capacity');
  t.equal(thresholdAmount(undefined, 1000), 0, 'no threshold: nothing held back');
  t.throws(() => parseEvictionThresholds('memory.available<%'), /percentage between/);
  t.throws(() => parseEvictionThresholds('memory.available=1Gi'), /signal<quantity/);
});

t.test('allocatable = capacity - reserved - hard eviction threshold, never negative', async (t) => {
  const capacity = { milliCpu: 4000, memoryBytes: 1 * GiB, ephemeralStorageBytes: 32 * GiB, maxPods: 110 };
  const eviction = parseEvictionThresholds('memory.available<100Mi,nodefs.available<10%');
  const allocatable = computeAllocatable(capacity, [{ cpu: 500, memory: 128 * MiB }, { memory: 64 * MiB, 'ephemeral-storage': GiB }], eviction);
  t.same(allocatable, {
    milliCpu: 3500,
    memoryBytes: GiB - 128 * MiB - 64 * MiB - 100 * MiB,
    ephemeralStorageBytes: 32 * GiB - GiB - Math.floor(3.2 * GiB),
    pods: 110,
  });
  const starved = computeAllocatable({ milliCpu: 1000, memoryBytes: 512 * MiB, maxPods: 5 }, [{ cpu: 2000, memory: GiB }], {});
  t.same(starved, { milliCpu: 0, memoryBytes: 0, pods: 5 }, 'clamped at zero; no storage when the filesystem is unknown');
});

t.test('capacity and allocatable printed as kubelet prints them', async (t) => {
  t.equal(formatCpu(4000), '4');
  t.equal(formatCpu(3500), '3500m');
  const capacity = { milliCpu: 2000, memoryBytes: 1024 * 1024 * 1024 + 512, ephemeralStorageBytes: 10 * GiB, maxPods: 110 };
  t.same(resourceLists(capacity, { milliCpu: 1750, memoryBytes: 900 * MiB, ephemeralStorageBytes: 9.5 * GiB, pods: 110 }), {
    capacity: { cpu: '2', 'ephemeral-storage': `${10 * 1024 * 1024}Ki`, memory: `${1024 * 1024}Ki`, pods: '110' },
    allocatable: { cpu: '1750m', 'ephemeral-storage': String(9.5 * GiB), memory: `${900 * 1024}Ki`, pods: '110' },
  });
});
