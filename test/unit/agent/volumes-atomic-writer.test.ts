import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { readDataLink, writePayload } from '../../../agent/volumes/atomic-writer.js';
import type { ProjectedFile } from '../../../agent/volumes/projection.js';

const NOW = new Date('2026-12-05T10:00:00.123Z');
const LATER = new Date('2026-12-05T10:05:09.000Z');

function volumeDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-atomic-writer-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const volume = join(dir, 'vol');
  mkdirSync(volume);
  return volume;
}

const file = (path: string, content: string, mode = 0o644): ProjectedFile => ({ path, mode, content: Buffer.from(content) });
const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8);
/** The volume's entries other than its data dirs, with where each symlink points. */
function links(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((name) => !/^\.\.\d{4}_/.test(name))
      .map((name) => [name, readlinkSync(join(dir, name))]),
  );
}
const dataDirs = (dir: string): string[] => readdirSync(dir).filter((name) => /^\.\.\d{4}_/.test(name));

t.test('kubelet layout: a timestamped data dir, ..data pointing to it, one symlink per top-level name', async (t) => {
  const dir = volumeDir(t);
  const result = await writePayload(dir, [file('app.conf', 'port=80'), file('certs/ca.pem', 'CA', 0o600), file('certs/sub/key', 'K', 0o400)], undefined, NOW);
  t.equal(result.changed, true);
  t.match(result.dataDir, /^\.\.2026_12_05_10_00_00\..+$/);
  t.same(dataDirs(dir), [result.dataDir]);
  t.same(links(dir), { '..data': result.dataDir, 'app.conf': '..data/app.conf', certs: '..data/certs' });
  t.equal(await readDataLink(dir), result.dataDir);
  t.equal(readFileSync(join(dir, 'app.conf'), 'utf8'), 'port=80');
  t.equal(readFileSync(join(dir, 'certs/sub/key'), 'utf8'), 'K');
  t.equal(modeOf(join(dir, 'app.conf')), '644');
  t.equal(modeOf(join(dir, 'certs/ca.pem')), '600');
  t.equal(modeOf(join(dir, 'certs/sub/key')), '400');
  t.equal(modeOf(join(dir, result.dataDir)), '755', 'the data dir is searchable by any container user');
  t.equal(modeOf(join(dir, 'certs/sub')), '755');
});

t.test('modes are exact whatever the umask', async (t) => {
  const dir = volumeDir(t);
  const previous = process.umask(0o077);
  t.teardown(() => process.umask(previous));
  await writePayload(dir, [file('open', 'x', 0o666), file('d/f', 'y', 0o644)], undefined, NOW);
  t.equal(modeOf(join(dir, 'open')), '666');
  t.equal(modeOf(join(dir, 'd')), '755');
});

t.test('an update writes a new data dir, swaps ..data, and removes the old dir and the names gone', async (t) => {
  const dir = volumeDir(t);
  const first = await writePayload(dir, [file('keep', 'v1'), file('drop', 'old'), file('nested/a', '1')], undefined, NOW);
  const second = await writePayload(dir, [file('keep', 'v2'), file('added', 'new'), file('nested/b', '2')], first, LATER);
  t.equal(second.changed, true);
  t.not(second.dataDir, first.dataDir);
  t.match(second.dataDir, /^\.\.2026_12_05_10_05_09\./);
  t.same(dataDirs(dir), [second.dataDir], 'the old data dir is gone');
  t.same(links(dir), { '..data': second.dataDir, keep: '..data/keep', added: '..data/added', nested: '..data/nested' }, 'no ..data_tmp left, drop removed');
  t.equal(readFileSync(join(dir, 'keep'), 'utf8'), 'v2');
  t.equal(readFileSync(join(dir, 'added'), 'utf8'), 'new');
  t.same(readdirSync(join(dir, 'nested')), ['b']);
});

t.test('the same payload again is a no-op, whether the caller remembers it or not', async (t) => {
  const dir = volumeDir(t);
  const payload = [file('a', '1'), file('b/c', '2', 0o600)];
  const first = await writePayload(dir, payload, undefined, NOW);
  const remembered = await writePayload(dir, payload, first, LATER);
  t.same(remembered, { ...first, changed: false });
  const afterRestart = await writePayload(dir, payload, undefined, LATER);
  t.same(afterRestart, { ...first, changed: false }, 'compared with the files on disk');
  t.same(dataDirs(dir), [first.dataDir]);
});

t.test('a no-op after a restart repairs missing links and removes leftovers of a crashed write', async (t) => {
  const dir = volumeDir(t);
  const payload = [file('a', '1'), file('b', '2')];
  const first = await writePayload(dir, payload, undefined, NOW);
  unlinkSync(join(dir, 'b'));
  mkdirSync(join(dir, '..2026_12_05_09_00_00.crash'));
  symlinkSync('..2026_12_05_09_00_00.crash', join(dir, '..data_tmp'));
  writeFileSync(join(dir, 'a'.repeat(3)), 'stray');
  const again = await writePayload(dir, payload, undefined, LATER);
  t.equal(again.changed, false);
  t.same(links(dir), { '..data': first.dataDir, a: '..data/a', b: '..data/b' });
  t.same(dataDirs(dir), [first.dataDir]);
});

t.test('changed bytes or modes on disk, or a dangling ..data, are rewritten', async (t) => {
  const dir = volumeDir(t);
  const payload = [file('a', '1'), file('b', '2')];
  const first = await writePayload(dir, payload, undefined, NOW);
  writeFileSync(join(dir, first.dataDir, 'a'), 'tampered');
  const repaired = await writePayload(dir, payload, undefined, LATER);
  t.equal(repaired.changed, true);
  t.equal(readFileSync(join(dir, 'a'), 'utf8'), '1');

  const modeChange = await writePayload(dir, [file('a', '1', 0o600), file('b', '2')], repaired, LATER);
  t.equal(modeChange.changed, true);
  t.equal(modeOf(join(dir, 'a')), '600');

  symlinkSync('a', join(dir, modeChange.dataDir, 'link'));
  t.equal((await writePayload(dir, [file('a', '1', 0o600), file('b', '2')], undefined, LATER)).changed, true, 'anything but files and dirs is not ours');

  rmSync(join(dir, (await readDataLink(dir))!), { recursive: true });
  const revived = await writePayload(dir, payload, undefined, LATER);
  t.equal(revived.changed, true);
  t.equal(readFileSync(join(dir, 'b'), 'utf8'), '2');
});

t.test('a top-level name that is not our symlink is replaced by one', async (t) => {
  const dir = volumeDir(t);
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'inside'), 'x');
  symlinkSync('/etc/passwd', join(dir, 'b'));
  await writePayload(dir, [file('a', '1'), file('b', '2')], undefined, NOW);
  t.equal(readlinkSync(join(dir, 'a')), '..data/a');
  t.equal(readFileSync(join(dir, 'b'), 'utf8'), '2');
});

t.test('an empty payload is an empty data dir (an optional volume whose object is missing)', async (t) => {
  const dir = volumeDir(t);
  const first = await writePayload(dir, [file('a', '1')], undefined, NOW);
  const empty = await writePayload(dir, [], first, LATER);
  t.equal(empty.changed, true);
  t.same(links(dir), { '..data': empty.dataDir });
  t.same(readdirSync(join(dir, empty.dataDir)), []);
  t.equal((await writePayload(dir, [], undefined, LATER)).changed, false);
});

t.test('readDataLink is undefined for a volume never written, and throws on other failures', async (t) => {
  const dir = volumeDir(t);
  t.equal(await readDataLink(dir), undefined);
  writeFileSync(join(dir, 'file'), '');
  await t.rejects(readDataLink(join(dir, 'file')), { code: 'ENOTDIR' });
});

t.test('a ..data that does not lead to a directory is rewritten', async (t) => {
  const dir = volumeDir(t);
  const payload = [file('a', '1')];
  writeFileSync(join(dir, 'plain-file'), '');
  symlinkSync('plain-file', join(dir, '..data'));
  t.equal((await writePayload(dir, payload, undefined, NOW)).changed, true, 'a file');
  rmSync(join(dir, '..data'));
  symlinkSync('..data', join(dir, '..data'));
  t.equal((await writePayload(dir, payload, undefined, NOW)).changed, true, 'a loop');
  t.equal(readFileSync(join(dir, 'a'), 'utf8'), '1');
  t.notOk(readdirSync(dir).includes('plain-file'));
});
