import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { configLookup, type ConfigLookup } from '../../../agent/config/config-lookup.js';
import { PodVolumes, type PrepareResult, type VolumeMount } from '../../../agent/volumes/pod-volumes.js';
import type { PodVolume, PodVolumeMount } from '../../../agent/volumes/volume-source.js';
import type { DesiredConfigObject, DesiredPod } from '../../../shared/mqtt/messages.js';
import { pod as basePod, uidOf } from './fixtures/builders.js';

/** /dev/shm is a tmpfs here (and on every Linux with glibc's POSIX shared memory). */
const TMPFS = '/dev/shm';

interface Harness {
  dataDir: string;
  secretsDir: string;
  volumes: PodVolumes;
  /** Messages the module logged, in order. */
  logs: string[];
}

function harness(t: { teardown(fn: () => void): void }, options: { secretsOnDisk?: boolean } = {}): Harness {
  const dataDir = realpathSync(mkdtempSync(join(tmpdir(), 'skiff-volumes-data-')));
  const secretsParent = realpathSync(mkdtempSync(join(options.secretsOnDisk ? tmpdir() : TMPFS, 'skiff-volumes-secrets-')));
  t.teardown(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(secretsParent, { recursive: true, force: true });
  });
  const logs: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push((JSON.parse(line) as { msg: string }).msg) });
  const secretsDir = join(secretsParent, 'secrets');
  return { dataDir, secretsDir, logs, volumes: new PodVolumes({ dataDir, secretsDir, log, now: () => new Date('2026-12-05T10:00:00Z') }) };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');
function object(kind: DesiredConfigObject['kind'], name: string, data: Record<string, string>): DesiredConfigObject {
  return { kind, namespace: 'default', name, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) };
}

function podWith(name: string, volumes: PodVolume[], mounts: Record<string, PodVolumeMount[]>): DesiredPod {
  const containers = Object.entries(mounts).map(([container, volumeMounts]) => ({ name: container, volumeMounts }));
  const p = basePod(name, {}, containers);
  return { ...p, spec: { ...p.spec, volumes } };
}

function mountsOf(result: PrepareResult): Record<string, VolumeMount[]> {
  if (!result.ok) throw new Error(`prepare failed: ${result.volume}: ${result.message}`);
  return Object.fromEntries(result.mounts);
}

const CONFIG = object('ConfigMap', 'app', { 'app.conf': 'port=80', 'level': 'info' });
const SECRET = object('Secret', 'creds', { password: 'hunter2-in-memory-only' });
const lookup: ConfigLookup = configLookup([CONFIG, SECRET]);

const ALL_KINDS: PodVolume[] = [
  { name: 'config', configMap: { name: 'app' } },
  { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
  { name: 'scratch', emptyDir: {} },
  { name: 'cache', emptyDir: { medium: 'Memory' } },
];

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && readFileSync(path).includes(needle)) found.push(path);
  }
  return found;
}

t.test('each kind of volume gets its directory, on disk or on tmpfs, and each container its mounts', async (t) => {
  const h = harness(t);
  const p = podWith('web', ALL_KINDS, {
    main: [
      { name: 'config', mountPath: '/etc/app' },
      { name: 'creds', mountPath: '/run/creds' },
      { name: 'scratch', mountPath: '/scratch' },
    ],
    side: [
      { name: 'cache', mountPath: '/cache', readOnly: true },
      { name: 'config', mountPath: '/etc/app', readOnly: false },
    ],
    bare: [],
  });
  const uid = uidOf('web');
  const onDisk = (kind: string, name: string): string => join(h.dataDir, 'pods', uid, 'volumes', kind, name);
  const inMemory = (kind: string, name: string): string => join(h.secretsDir, 'pods', uid, 'volumes', kind, name);
  t.same(mountsOf(await h.volumes.prepare(p, lookup)), {
    main: [
      { source: onDisk('configmap', 'config'), target: '/etc/app', readOnly: true },
      { source: inMemory('secret', 'creds'), target: '/run/creds', readOnly: true },
      { source: onDisk('empty-dir', 'scratch'), target: '/scratch', readOnly: false },
    ],
    side: [
      { source: inMemory('empty-dir', 'cache'), target: '/cache', readOnly: true },
      { source: onDisk('configmap', 'config'), target: '/etc/app', readOnly: true },
    ],
    bare: [],
  }, 'configMap and secret volumes are read-only whatever the mount says (kubelet)');
  t.equal(readFileSync(join(onDisk('configmap', 'config'), 'app.conf'), 'utf8'), 'port=80');
  t.equal(readlinkSync(join(onDisk('configmap', 'config'), 'level')), '..data/level');
  t.equal(readFileSync(join(inMemory('secret', 'creds'), 'password'), 'utf8'), 'hunter2-in-memory-only');
  t.equal((statSync(join(inMemory('secret', 'creds'), 'password')).mode & 0o777).toString(8), '400');
  t.same(readdirSync(onDisk('empty-dir', 'scratch')), []);
  t.equal((statSync(onDisk('empty-dir', 'scratch')).mode & 0o777).toString(8), '777', 'any container user may write an emptyDir');
  t.equal((statSync(onDisk('configmap', 'config')).mode & 0o777).toString(8), '755');
  t.equal((statSync(join(h.dataDir, 'pods')).mode & 0o777).toString(8), '700', 'only the agent walks the tree above the volumes');
  t.same(filesContaining(h.dataDir, 'hunter2'), [], 'no secret bytes on the node disk');
  t.same(await h.volumes.list(), [uid]);
});

t.test('a secretsDir that is not a tmpfs is refused for secrets and memory emptyDirs, naming the dir', async (t) => {
  const h = harness(t, { secretsOnDisk: true });
  const secret = await h.volumes.prepare(podWith('s', [ALL_KINDS[1]!], { main: [] }), lookup);
  t.same(secret, {
    ok: false,
    volume: 'creds',
    message: `${h.secretsDir} is not a tmpfs: secret volumes are kept in memory only, never on the node's disk (mount a tmpfs there, or point the agent's secrets dir at one)`,
  });
  const memory = await h.volumes.prepare(podWith('m', [ALL_KINDS[3]!], { main: [] }), lookup);
  t.match(memory, { ok: false, volume: 'cache', message: `${h.secretsDir} is not a tmpfs: emptyDir volumes of medium Memory are kept in memory only` });
  t.same(readdirSync(h.secretsDir), [], 'nothing written there');
  t.same(filesContaining(h.dataDir, 'hunter2'), []);
  t.ok((await h.volumes.prepare(podWith('c', [ALL_KINDS[0]!, ALL_KINDS[2]!], { main: [] }), lookup)).ok, 'configMap and disk emptyDir volumes need no tmpfs');
});

t.test('a missing object fails the pod with the volume named (FailedMount), unless optional', async (t) => {
  const h = harness(t);
  const missing = await h.volumes.prepare(podWith('a', [{ name: 'cfg', configMap: { name: 'gone' } }], { main: [{ name: 'cfg', mountPath: '/c' }] }), lookup);
  t.same(missing, { ok: false, volume: 'cfg', message: 'configmap "gone" not found' });
  const missingSecret = await h.volumes.prepare(podWith('a', [{ name: 'sec', secret: { secretName: 'gone' } }], { main: [] }), lookup);
  t.same(missingSecret, { ok: false, volume: 'sec', message: 'secret "gone" not found' });
  const optional = await h.volumes.prepare(podWith('b', [{ name: 'cfg', configMap: { name: 'gone', optional: true } }], { main: [{ name: 'cfg', mountPath: '/c' }] }), lookup);
  const dir = mountsOf(optional).main![0]!.source;
  t.same(readdirSync(dir).filter((n) => !n.startsWith('..2026')), ['..data'], 'an empty volume');
});

t.test('an updated ConfigMap is swapped in under the same mount source; the old data dir goes', async (t) => {
  const h = harness(t);
  const p = podWith('live', [{ name: 'config', configMap: { name: 'app' } }], { main: [{ name: 'config', mountPath: '/etc/app' }] });
  const source = mountsOf(await h.volumes.prepare(p, lookup)).main![0]!.source;
  const before = readlinkSync(join(source, '..data'));
  const updated = configLookup([object('ConfigMap', 'app', { 'app.conf': 'port=8080', extra: 'x' }), SECRET]);
  t.same(mountsOf(await h.volumes.prepare(p, updated)).main![0]!.source, source, 'the container keeps its bind mount');
  const after = readlinkSync(join(source, '..data'));
  t.not(after, before);
  t.notOk(existsSync(join(source, before)), 'old data dir removed');
  t.equal(readFileSync(join(source, 'app.conf'), 'utf8'), 'port=8080');
  t.same(readdirSync(source).sort(), ['..data', after, 'app.conf', 'extra'].sort(), 'level is gone');
  t.same(h.logs.filter((m) => m === 'volume content written').length, 2);
});

t.test('prepare is idempotent: nothing is rewritten when nothing changed, even by a new agent', async (t) => {
  const h = harness(t);
  const p = podWith('same', ALL_KINDS, { main: [{ name: 'scratch', mountPath: '/s' }] });
  const first = mountsOf(await h.volumes.prepare(p, lookup));
  const configDir = join(h.dataDir, 'pods', uidOf('same'), 'volumes', 'configmap', 'config');
  const dataDir = readlinkSync(join(configDir, '..data'));
  writeFileSync(join(first.main![0]!.source, 'kept'), 'written by the container');
  t.same(mountsOf(await h.volumes.prepare(p, lookup)), first);
  const restarted = new PodVolumes({ dataDir: h.dataDir, secretsDir: h.secretsDir, log: pino({ level: 'silent' }) });
  t.same(mountsOf(await restarted.prepare(p, lookup)), first);
  t.equal(readlinkSync(join(configDir, '..data')), dataDir);
  t.equal(h.logs.filter((m) => m === 'volume content written').length, 2, 'one write per configMap/secret volume, the first time only');
  t.equal(readFileSync(join(first.main![0]!.source, 'kept'), 'utf8'), 'written by the container', 'an emptyDir keeps its content');
});

t.test('subPath mounts bind the file in the current data dir, or a directory inside an emptyDir', async (t) => {
  const h = harness(t);
  const p = podWith('sub', [ALL_KINDS[0]!, ALL_KINDS[1]!, ALL_KINDS[2]!], {
    main: [
      { name: 'config', mountPath: '/etc/app.conf', subPath: 'app.conf' },
      { name: 'creds', mountPath: '/pw', subPath: 'password' },
      { name: 'scratch', mountPath: '/data', subPath: 'main/data' },
    ],
  });
  const mounts = mountsOf(await h.volumes.prepare(p, lookup)).main!;
  const configDir = join(h.dataDir, 'pods', uidOf('sub'), 'volumes', 'configmap', 'config');
  const secretDir = join(h.secretsDir, 'pods', uidOf('sub'), 'volumes', 'secret', 'creds');
  t.equal(mounts[0]!.source, join(realpathSync(configDir), readlinkSync(join(configDir, '..data')), 'app.conf'));
  t.equal(mounts[1]!.source, join(realpathSync(secretDir), readlinkSync(join(secretDir, '..data')), 'password'));
  t.equal(mounts[2]!.source, join(h.dataDir, 'pods', uidOf('sub'), 'volumes', 'empty-dir', 'scratch', 'main', 'data'));
  t.ok(statSync(mounts[2]!.source).isDirectory());
  t.same(mounts.map((m) => m.readOnly), [true, true, false]);
});

t.test('a subPath that is missing or leaves the volume fails the pod, naming the volume', async (t) => {
  const h = harness(t);
  const missing = await h.volumes.prepare(podWith('x', [ALL_KINDS[0]!], { main: [{ name: 'config', mountPath: '/f', subPath: 'nope' }] }), lookup);
  t.same(missing, { ok: false, volume: 'config', message: 'subPath "nope" does not exist in the volume' });
  const escaping = await h.volumes.prepare(podWith('y', [ALL_KINDS[2]!], { main: [{ name: 'scratch', mountPath: '/f', subPath: '../../../../etc' }] }), lookup);
  t.same(escaping, { ok: false, volume: 'scratch', message: `subPath "../../../../etc" must not contain '..'` });
});

t.test('a volume source or name the agent cannot honour is refused', async (t) => {
  const h = harness(t);
  const cases: Array<[PodVolume, string]> = [
    [{ name: 'two', configMap: { name: 'app' }, emptyDir: {} }, 'volume "two" must have exactly one of configMap, secret, emptyDir'],
    [{ name: 'none' } as PodVolume, 'volume "none" must have exactly one of configMap, secret, emptyDir'],
    [{ name: '../up', emptyDir: {} }, 'volume name "../up" is not a DNS label'],
  ];
  for (const [volume, message] of cases) {
    t.same(await h.volumes.prepare(podWith('bad', [volume], { main: [] }), lookup), { ok: false, volume: volume.name, message }, volume.name);
  }
  const undefinedMount = await h.volumes.prepare(podWith('bad', [], { main: [{ name: 'ghost', mountPath: '/g' }] }), lookup);
  t.same(undefinedMount, { ok: false, volume: 'ghost', message: 'container "main" mounts volume "ghost", which the pod does not define' });
  const badUid = { ...podWith('bad', [ALL_KINDS[2]!], { main: [] }), metadata: { name: 'bad', namespace: 'default', uid: '../../etc' } };
  t.same(await h.volumes.prepare(badUid, lookup), { ok: false, volume: 'scratch', message: 'pod uid "../../etc" cannot name a directory' });
  t.same(await h.volumes.list(), []);
});

t.test('a filesystem failure is reported on the volume and logged, not thrown', async (t) => {
  const h = harness(t);
  writeFileSync(join(h.dataDir, 'pods'), 'not a directory');
  const result = await h.volumes.prepare(podWith('fs', [ALL_KINDS[2]!], { main: [] }), lookup);
  t.match(result, { ok: false, volume: 'scratch', message: /ENOTDIR/ });
  t.ok(h.logs.includes('volume setup failed'));
});

t.test('a subPath the filesystem refuses is reported on the volume, not thrown', async (t) => {
  const h = harness(t);
  const p = podWith('nd', [ALL_KINDS[2]!], { main: [{ name: 'scratch', mountPath: '/f', subPath: 'file/below' }] });
  t.ok((await h.volumes.prepare(podWith('nd', [ALL_KINDS[2]!], { main: [] }), lookup)).ok);
  writeFileSync(join(h.dataDir, 'pods', uidOf('nd'), 'volumes', 'empty-dir', 'scratch', 'file'), '');
  t.match(await h.volumes.prepare(p, lookup), { ok: false, volume: 'scratch', message: /ENOTDIR/ });
  t.ok(h.logs.includes('volume subPath setup failed'));
});

t.test('list skips stray files among pod dirs, and fails as the filesystem does when the tree is broken', async (t) => {
  const h = harness(t);
  await h.volumes.prepare(podWith('kept', [ALL_KINDS[2]!], { main: [] }), lookup);
  writeFileSync(join(h.dataDir, 'pods', 'stray-file'), '');
  writeFileSync(join(h.dataDir, 'pods', '.hidden'), '');
  t.same(await h.volumes.list(), [uidOf('kept')]);
  rmSync(join(h.dataDir, 'pods'), { recursive: true });
  writeFileSync(join(h.dataDir, 'pods'), '');
  await t.rejects(h.volumes.list(), { code: 'ENOTDIR' });
});

t.test('a pod without volumes needs nothing on disk', async (t) => {
  const h = harness(t);
  t.same(mountsOf(await h.volumes.prepare(basePod('plain'), lookup)), { main: [] });
  t.notOk(existsSync(join(h.dataDir, 'pods')));
  t.same(await h.volumes.list(), []);
});

t.test('remove deletes both the disk and the tmpfs parts; list reports what is left', async (t) => {
  const h = harness(t);
  await h.volumes.prepare(podWith('one', ALL_KINDS, { main: [] }), lookup);
  await h.volumes.prepare(podWith('two', [ALL_KINDS[1]!], { main: [] }), lookup);
  await h.volumes.prepare(podWith('three', [ALL_KINDS[0]!], { main: [] }), lookup);
  mkdirSync(join(h.dataDir, 'pods', 'not-ours'), { recursive: true });
  writeFileSync(join(h.dataDir, 'pods', uidOf('three'), 'other-module-file'), '');
  t.same(await h.volumes.list(), [uidOf('one'), uidOf('three'), uidOf('two')].sort());

  await h.volumes.remove(uidOf('one'));
  await h.volumes.remove(uidOf('two'));
  await h.volumes.remove(uidOf('three'));
  await h.volumes.remove(uidOf('never-existed'));
  t.same(await h.volumes.list(), []);
  t.notOk(existsSync(join(h.dataDir, 'pods', uidOf('one'))));
  t.notOk(existsSync(join(h.secretsDir, 'pods', uidOf('one'))));
  t.notOk(existsSync(join(h.secretsDir, 'pods', uidOf('two'))));
  t.same(readdirSync(join(h.dataDir, 'pods', uidOf('three'))), ['other-module-file'], 'what is not a volume stays');
  await t.rejects(h.volumes.remove('../..'), { code: 'SKIFF_ERR_INTERNAL' });

  // A pod prepared again after remove is written afresh (nothing stale remembered).
  t.ok((await h.volumes.prepare(podWith('one', ALL_KINDS, { main: [] }), lookup)).ok);
  t.equal(readFileSync(join(h.secretsDir, 'pods', uidOf('one'), 'volumes', 'secret', 'creds', 'password'), 'utf8'), 'hunter2-in-memory-only');
});
