import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writePayload } from '../../../agent/volumes/atomic-writer.js';
import { resolveSubPath } from '../../../agent/volumes/sub-path.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-sub-path-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return realpathSync(dir);
}

function volume(t: { teardown(fn: () => void): void }): { root: string; vol: string } {
  const root = tempDir(t);
  const vol = join(root, 'vol');
  mkdirSync(vol);
  return { root, vol };
}

const file = (path: string, content: string) => ({ path, mode: 0o644, content: Buffer.from(content) });

t.test('in a configMap volume a subPath resolves through ..data to the current data dir', async (t) => {
  const { vol } = volume(t);
  const first = await writePayload(vol, [file('app.conf', 'v1'), file('certs/ca.pem', 'CA')], undefined, new Date());
  t.same(await resolveSubPath(vol, 'app.conf', { create: false }), { ok: true, path: join(vol, first.dataDir, 'app.conf') });
  t.same(await resolveSubPath(vol, 'certs/ca.pem', { create: false }), { ok: true, path: join(vol, first.dataDir, 'certs/ca.pem') });
  const second = await writePayload(vol, [file('app.conf', 'v2'), file('certs/ca.pem', 'CA')], first, new Date());
  const resolved = await resolveSubPath(vol, 'app.conf', { create: false });
  t.same(resolved, { ok: true, path: join(vol, second.dataDir, 'app.conf') }, 'a new mount gets the new file; a running one keeps what it bound');
  t.equal(resolved.ok && readFileSync(resolved.path, 'utf8'), 'v2');
});

t.test('an empty or "." subPath is the volume itself', async (t) => {
  const { vol } = volume(t);
  t.same(await resolveSubPath(vol, '', { create: false }), { ok: true, path: vol });
  t.same(await resolveSubPath(vol, './', { create: false }), { ok: true, path: vol });
});

t.test('a missing subPath is refused in configMap and secret volumes and created in emptyDir', async (t) => {
  const { vol } = volume(t);
  t.same(await resolveSubPath(vol, 'nope', { create: false }), { ok: false, message: 'subPath "nope" does not exist in the volume' });
  t.same(await resolveSubPath(vol, 'a/b', { create: true }), { ok: true, path: join(vol, 'a/b') });
  t.ok(existsSync(join(vol, 'a/b')));
  t.same(await resolveSubPath(vol, 'a/b', { create: true }), { ok: true, path: join(vol, 'a/b') }, 'existing is fine');
});

t.test('a subPath may not be absolute or use ..', async (t) => {
  const { vol } = volume(t);
  t.same(await resolveSubPath(vol, '/etc', { create: true }), { ok: false, message: 'subPath "/etc" must be a relative path' });
  t.same(await resolveSubPath(vol, 'a/../../x', { create: true }), { ok: false, message: `subPath "a/../../x" must not contain '..'` });
  t.notOk(existsSync(join(vol, 'a')), 'nothing created');
});

t.test('a symlink leading out of the volume is refused, and nothing is created through it', async (t) => {
  const { root, vol } = volume(t);
  const outside = join(root, 'outside');
  mkdirSync(outside);
  symlinkSync(outside, join(vol, 'evil'));
  symlinkSync('../outside', join(vol, 'relative-evil'));
  t.same(await resolveSubPath(vol, 'evil', { create: false }), { ok: false, message: 'subPath "evil" leads out of the volume' });
  t.same(await resolveSubPath(vol, 'evil/planted', { create: true }), { ok: false, message: 'subPath "evil/planted" leads out of the volume' });
  t.same(await resolveSubPath(vol, 'relative-evil/x', { create: true }), { ok: false, message: 'subPath "relative-evil/x" leads out of the volume' });
  t.notOk(existsSync(join(outside, 'planted')));
  t.notOk(existsSync(join(outside, 'x')));
});

t.test('symlinks that stay inside the volume are followed; dangling ones are refused', async (t) => {
  const { vol } = volume(t);
  mkdirSync(join(vol, 'real'));
  symlinkSync('real', join(vol, 'alias'));
  symlinkSync('missing', join(vol, 'dangling'));
  t.same(await resolveSubPath(vol, 'alias/new', { create: true }), { ok: true, path: join(vol, 'real/new') });
  t.same(await resolveSubPath(vol, 'dangling', { create: true }), { ok: false, message: 'subPath "dangling" leads to a dangling symlink' });
});

t.test('a volume path that is not a directory fails as the filesystem does', async (t) => {
  const { vol } = volume(t);
  await t.rejects(resolveSubPath(join(vol, 'missing'), 'x', { create: true }), { code: 'ENOENT' });
});

t.test('a subPath below a file, or through a symlink loop, fails as the filesystem does', async (t) => {
  const { vol } = volume(t);
  writeFileSync(join(vol, 'file'), '');
  symlinkSync('loop', join(vol, 'loop'));
  await t.rejects(resolveSubPath(vol, 'file/x', { create: true }), { code: 'ENOTDIR' });
  await t.rejects(resolveSubPath(vol, 'loop', { create: true }), { code: 'ELOOP' });
});
