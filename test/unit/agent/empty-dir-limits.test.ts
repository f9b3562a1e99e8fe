import t from 'tap';
import { emptyDirLimitEvictions, limitedEmptyDirs } from '../../../agent/eviction/empty-dir-limits.js';
import { emptyDirLimitMessage } from '../../../agent/eviction/eviction-message.js';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { pod } from './fixtures/builders.js';

const MiB = 2 ** 20;

function withVolumes(name: string, volumes: NonNullable<DesiredPod['spec']['volumes']>): DesiredPod {
  return pod(name, { volumes });
}

t.test('kubelet’s emptyDirMessageFmt, trailing space included', async (t) => {
  t.equal(emptyDirLimitMessage('cache', '1Mi'), 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ');
});

t.test('only emptyDir volumes with a positive sizeLimit are limited, the limit printed canonically', async (t) => {
  const p = withVolumes('p', [
    { name: 'config', configMap: { name: 'settings' } },
    { name: 'plain', emptyDir: {} },
    { name: 'zero', emptyDir: { sizeLimit: '0' } },
    { name: 'binary', emptyDir: { sizeLimit: '1024Ki' } },
    { name: 'decimal', emptyDir: { sizeLimit: '1500000' } },
    { name: 'number', emptyDir: { sizeLimit: 2048 } },
    { name: 'memory', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'fraction', emptyDir: { sizeLimit: '1.5' } },
  ]);
  t.same(limitedEmptyDirs(p), [
    { name: 'binary', medium: 'disk', limitBytes: MiB, limitText: '1Mi' },
    { name: 'decimal', medium: 'disk', limitBytes: 1_500_000, limitText: '1500k' },
    { name: 'number', medium: 'disk', limitBytes: 2048, limitText: '2048' },
    { name: 'memory', medium: 'Memory', limitBytes: 64 * MiB, limitText: '64Mi' },
    { name: 'fraction', medium: 'disk', limitBytes: 1, limitText: '1500m' },
  ]);
  t.same(limitedEmptyDirs(pod('none')), [], 'a Pod without volumes');
});

t.test('a Pod is evicted when a volume holds more than its limit, not when it holds exactly the limit', async (t) => {
  const p = withVolumes('p', [{ name: 'cache', emptyDir: { sizeLimit: '1Mi' } }]);
  t.same(emptyDirLimitEvictions([{ pod: p, usedBytes: new Map([['cache', MiB]]) }]), []);
  t.same(emptyDirLimitEvictions([{ pod: p, usedBytes: new Map([['cache', MiB + 1]]) }]), [
    { pod: p, volume: 'cache', message: 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ' },
  ]);
  const fraction = withVolumes('f', [{ name: 'tiny', emptyDir: { sizeLimit: '1.5' } }]);
  t.same(emptyDirLimitEvictions([{ pod: fraction, usedBytes: new Map([['tiny', 1]]) }]), [], '1 byte is within 1.5');
  t.equal(emptyDirLimitEvictions([{ pod: fraction, usedBytes: new Map([['tiny', 2]]) }]).length, 1, '2 bytes are not');
});

t.test('the first volume over its limit, in spec order, names the message; every such Pod goes; unmeasured volumes decide nothing', async (t) => {
  const a = withVolumes('a', [
    { name: 'first', emptyDir: { sizeLimit: '1Ki' } },
    { name: 'second', emptyDir: { sizeLimit: '1Ki' } },
  ]);
  const b = withVolumes('b', [{ name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }]);
  const c = withVolumes('c', [{ name: 'data', emptyDir: { sizeLimit: '1Ki' } }]);
  const d = withVolumes('d', [{ name: 'data', emptyDir: {} }]);
  const evictions = emptyDirLimitEvictions([
    { pod: a, usedBytes: new Map([['second', 5000], ['first', 5000]]) },
    { pod: b, usedBytes: new Map([['data', 2 ** 30 + 1]]) },
    { pod: c, usedBytes: new Map() },
    { pod: d, usedBytes: new Map([['data', 10 * 2 ** 30]]) },
  ]);
  t.same(
    evictions.map((e) => [e.pod.metadata.name, e.volume, e.message]),
    [
      ['a', 'first', 'Usage of EmptyDir volume "first" exceeds the limit "1Ki". '],
      ['b', 'data', 'Usage of EmptyDir volume "data" exceeds the limit "1Gi". '],
    ],
  );
});
