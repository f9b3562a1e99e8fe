import t from 'tap';
import { configLookup } from '../../../agent/config/config-lookup.js';
import { DEFAULT_FILE_MODE, pathProblem, payloadHash, projectConfigMap, projectSecret, type ProjectedFile } from '../../../agent/volumes/projection.js';
import type { DesiredConfigObject } from '../../../shared/mqtt/messages.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function object(kind: DesiredConfigObject['kind'], name: string, data: Record<string, string>, namespace = 'default'): DesiredConfigObject {
  return { kind, namespace, name, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) };
}

const lookup = configLookup([
  object('ConfigMap', 'app', { 'b.conf': 'bee', 'a.conf': 'ay', 'log.level': 'debug' }),
  object('Secret', 'creds', { username: 'admin', password: 's3cret' }),
  object('ConfigMap', 'app', { only: 'in kube-system' }, 'kube-system'),
]);

const listing = (files: ProjectedFile[]): Array<[string, string, string]> => files.map((f) => [f.path, f.mode.toString(8), f.content.toString()]);

t.test('without items every key is a file named after it, mode 0644, sorted by path', async (t) => {
  const result = projectConfigMap({ name: 'app' }, 'default', lookup);
  t.ok(result.ok);
  if (!result.ok) return;
  t.equal(DEFAULT_FILE_MODE, 0o644);
  t.same(listing(result.files), [
    ['a.conf', '644', 'ay'],
    ['b.conf', '644', 'bee'],
    ['log.level', '644', 'debug'],
  ]);
});

t.test('objects are looked up in the pod namespace', async (t) => {
  const result = projectConfigMap({ name: 'app' }, 'kube-system', lookup);
  t.same(result.ok && listing(result.files), [['only', '644', 'in kube-system']]);
});

t.test('secret data is base64-decoded to its bytes and takes defaultMode', async (t) => {
  const result = projectSecret({ secretName: 'creds', defaultMode: 0o400 }, 'default', lookup);
  t.same(result.ok && listing(result.files), [
    ['password', '400', 's3cret'],
    ['username', '400', 'admin'],
  ]);
  const binary = configLookup([{ kind: 'Secret', namespace: 'default', name: 'bin', data: { blob: Buffer.from([0, 255, 10]).toString('base64') } }]);
  const bin = projectSecret({ secretName: 'bin' }, 'default', binary);
  t.same(bin.ok && [...bin.files[0]!.content], [0, 255, 10]);
});

t.test('items project only the listed keys, at their paths, with their own modes', async (t) => {
  const result = projectConfigMap(
    {
      name: 'app',
      defaultMode: 0o640,
      items: [
        { key: 'log.level', path: 'conf/logging/level' },
        { key: 'a.conf', path: 'a', mode: 0o600 },
      ],
    },
    'default',
    lookup,
  );
  t.same(result.ok && listing(result.files), [
    ['a', '600', 'ay'],
    ['conf/logging/level', '640', 'debug'],
  ]);
});

t.test('a missing object fails the volume, unless the volume is optional (then it is empty)', async (t) => {
  t.same(projectConfigMap({ name: 'nope' }, 'default', lookup), { ok: false, message: 'configmap "nope" not found' });
  t.same(projectSecret({ secretName: 'nope' }, 'default', lookup), { ok: false, message: 'secret "nope" not found' });
  t.same(projectConfigMap({ name: 'nope', optional: true }, 'default', lookup), { ok: true, files: [] });
  t.same(projectSecret({ secretName: 'nope', optional: true }, 'default', lookup), { ok: true, files: [] });
  t.same(projectSecret({ secretName: 'creds' }, 'other', lookup), { ok: false, message: 'secret "creds" not found' }, 'another namespace does not count');
});

t.test('a listed key that is missing fails the volume, unless the volume is optional (then it is skipped)', async (t) => {
  const items = [
    { key: 'a.conf', path: 'a' },
    { key: 'gone', path: 'g' },
  ];
  t.same(projectConfigMap({ name: 'app', items }, 'default', lookup), { ok: false, message: 'configmap references non-existent config key: gone' });
  t.same(projectSecret({ secretName: 'creds', items }, 'default', lookup), { ok: false, message: 'secret references non-existent secret key: a.conf' });
  const optional = projectConfigMap({ name: 'app', items, optional: true }, 'default', lookup);
  t.same(optional.ok && listing(optional.files), [['a', '644', 'ay']]);
});

t.test('item paths may not leave the volume or take the names the writer keeps', async (t) => {
  const cases: Array<[string, string]> = [
    ['/etc/passwd', 'must be a relative path'],
    ['../escape', "must not contain '..'"],
    ['a/../../escape', "must not contain '..'"],
    ['..data', "must not start with '..'"],
    ['a//b', "must not contain empty or '.' elements"],
    ['./a', "must not contain empty or '.' elements"],
    ['dir/', "must not contain empty or '.' elements"],
    ['', 'must not be empty'],
  ];
  for (const [path, problem] of cases) {
    t.equal(pathProblem(path), problem, path);
    t.same(projectConfigMap({ name: 'app', items: [{ key: 'a.conf', path }] }, 'default', lookup), { ok: false, message: `path "${path}" of key "a.conf" ${problem}` }, path);
  }
  for (const path of ['a', 'a.b', '.hidden', 'a/..b/c', 'deep/er/file']) t.equal(pathProblem(path), undefined, path);
});

t.test('keys used as file names are checked as paths too', async (t) => {
  const bad = configLookup([object('ConfigMap', 'bad', { '..data': 'x' })]);
  t.same(projectConfigMap({ name: 'bad' }, 'default', bad), { ok: false, message: `path "..data" of key "..data" must not start with '..'` });
});

t.test('modes outside 0..0777 are refused', async (t) => {
  t.same(projectConfigMap({ name: 'app', defaultMode: 0o1777 }, 'default', lookup), { ok: false, message: 'defaultMode must be a number between 0 and 0777 (octal), got 1023' });
  t.same(projectConfigMap({ name: 'app', items: [{ key: 'a.conf', path: 'a', mode: -1 }] }, 'default', lookup), {
    ok: false,
    message: 'mode of key "a.conf" must be a number between 0 and 0777 (octal), got -1',
  });
  t.same(projectSecret({ secretName: 'creds', defaultMode: 0 }, 'default', lookup).ok, true, 'mode 0 is a mode');
});

t.test('two items at one path, or a file where another needs a directory, are refused', async (t) => {
  t.same(
    projectConfigMap(
      {
        name: 'app',
        items: [
          { key: 'a.conf', path: 'same' },
          { key: 'b.conf', path: 'same' },
        ],
      },
      'default',
      lookup,
    ),
    { ok: false, message: 'more than one item has path "same"' },
  );
  t.same(
    projectConfigMap(
      {
        name: 'app',
        items: [
          { key: 'a.conf', path: 'conf' },
          { key: 'b.conf', path: 'conf/b' },
        ],
      },
      'default',
      lookup,
    ),
    { ok: false, message: 'path "conf" is both a file and the directory of "conf/b"' },
  );
});

t.test('payloadHash depends on paths, modes and bytes, not on order', async (t) => {
  const file = (path: string, content: string, mode = 0o644): ProjectedFile => ({ path, mode, content: Buffer.from(content) });
  const base = payloadHash([file('a', '1'), file('b', '2')]);
  t.equal(payloadHash([file('b', '2'), file('a', '1')]), base);
  t.not(payloadHash([file('a', '1'), file('b', '3')]), base, 'bytes');
  t.not(payloadHash([file('a', '1'), file('b', '2', 0o600)]), base, 'mode');
  t.not(payloadHash([file('a', '1'), file('c', '2')]), base, 'path');
  t.not(payloadHash([file('a', '12'), file('b', '')]), payloadHash([file('a', '1'), file('b', '2')]), 'where one file ends');
  t.not(payloadHash([]), base);
});
