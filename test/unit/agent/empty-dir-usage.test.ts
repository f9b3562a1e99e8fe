import { linkSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { configLookup } from '../../../agent/config/config-lookup.js';
import { directoryUsage } from '../../../agent/volumes/dir-usage.js';
import { PodVolumes } from '../../../agent/volumes/pod-volumes.js';
import { pod, silentLog } from './fixtures/builders.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-empty-dir-usage-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return realpathSync(dir);
}

const bytes = (n: number): Buffer => Buffer.alloc(n, 1);

t.test('the sum of the regular files in the tree, nested directories included', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'a'), bytes(1000));
  mkdirSync(join(root, 'deep/er/still'), { recursive: true });
  writeFileSync(join(root, 'deep/b'), bytes(200));
  writeFileSync(join(root, 'deep/er/still/c'), bytes(30));
  writeFileSync(join(root, 'empty'), '');
  t.same(await directoryUsage(root, { maxEntries: 1000 }), { bytes: 1230, entries: 7, truncated: false });
});

t.test('symlinks are not followed and hard links count once', async (t) => {
  const root = tempDir(t);
  const outside = tempDir(t);
  writeFileSync(join(outside, 'huge'), bytes(50_000));
  mkdirSync(join(root, 'vol'));
  symlinkSync(outside, join(root, 'vol/link-to-dir'));
  symlinkSync(join(outside, 'huge'), join(root, 'vol/link-to-file'));
  symlinkSync('/', join(root, 'vol/link-to-root'));
  writeFileSync(join(root, 'vol/data'), bytes(700));
  linkSync(join(root, 'vol/data'), join(root, 'vol/data-again'));
  t.same(await directoryUsage(join(root, 'vol'), { maxEntries: 1000 }), { bytes: 700, entries: 5, truncated: false });
});

t.test('a missing root is no usage at all, an empty one is zero', async (t) => {
  const root = tempDir(t);
  t.equal(await directoryUsage(join(root, 'absent'), { maxEntries: 10 }), undefined);
  writeFileSync(join(root, 'file'), 'x');
  t.equal(await directoryUsage(join(root, 'file'), { maxEntries: 10 }), undefined, 'a file is not a volume directory');
  t.same(await directoryUsage(root, { maxEntries: 10 }), { bytes: 1, entries: 1, truncated: false });
  const empty = join(root, 'empty');
  mkdirSync(empty);
  t.same(await directoryUsage(empty, { maxEntries: 10 }), { bytes: 0, entries: 0, truncated: false });
});

t.test('work is bounded: maxEntries truncates, stopAboveBytes ends the walk once over', async (t) => {
  const root = tempDir(t);
  for (let i = 0; i < 20; i++) writeFileSync(join(root, `f${i}`), bytes(100));
  const capped = await directoryUsage(root, { maxEntries: 5 });
  t.same(capped, { bytes: 500, entries: 5, truncated: true }, 'a lower bound, flagged');
  const stopped = await directoryUsage(root, { maxEntries: 1000, stopAboveBytes: 250 });
  t.same(stopped, { bytes: 300, entries: 3, truncated: false }, 'over the limit already: the verdict is known');
  t.same(await directoryUsage(root, { maxEntries: 1000, stopAboveBytes: 2000 }), { bytes: 2000, entries: 20, truncated: false }, 'exactly at the bound: walked to the end');
});

t.test('PodVolumes measures an emptyDir where it made it: node disk, or the tmpfs for medium Memory', async (t) => {
  const dataDir = tempDir(t);
  const secretsDir = tempDir(t); // not a tmpfs: only measuring is tested here, never prepare of a Memory volume
  const volumes = new PodVolumes({ dataDir, secretsDir, log: silentLog });
  const p = pod('writer', { volumes: [{ name: 'cache', emptyDir: { sizeLimit: '1Mi' } }] }, [{ volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }]);
  t.equal(await volumes.emptyDirUsage(p.metadata.uid, { name: 'cache', medium: 'disk' }, { maxEntries: 100 }), undefined, 'not made yet');
  const prepared = await volumes.prepare(p, configLookup([]));
  t.ok(prepared.ok);
  const dir = join(dataDir, 'pods', p.metadata.uid, 'volumes', 'empty-dir', 'cache');
  writeFileSync(join(dir, 'f'), bytes(3000));
  t.same(await volumes.emptyDirUsage(p.metadata.uid, { name: 'cache', medium: 'disk' }, { maxEntries: 100 }), { bytes: 3000, entries: 1, truncated: false });

  const memoryDir = join(secretsDir, 'pods', p.metadata.uid, 'volumes', 'empty-dir', 'scratch');
  mkdirSync(memoryDir, { recursive: true });
  writeFileSync(join(memoryDir, 'g'), bytes(10));
  t.same(await volumes.emptyDirUsage(p.metadata.uid, { name: 'scratch', medium: 'Memory' }, { maxEntries: 100 }), { bytes: 10, entries: 1, truncated: false });
  t.equal(await volumes.emptyDirUsage('../escape', { name: 'cache', medium: 'disk' }, { maxEntries: 100 }), undefined, 'a uid that cannot name a directory');
});
