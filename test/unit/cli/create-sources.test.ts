/**
 * The data `skiff create configmap|secret` builds from --from-literal, --from-file and
 * --from-env-file: parsing, kubectl's key rules and messages, directories, binary content.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { configMapFor, dockerRegistrySecretFor, genericSecretFor, parseDryRun, requireName } from '../../../hub/cli/actions/create.js';
import { configMapData, dockerConfigJson, parseEnvFile, parseFileSource, parseLiteral, readFileSource, secretData } from '../../../hub/cli/create-sources.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const entry = (key: string, value: string | Buffer): { key: string; value: Buffer } => ({ key, value: typeof value === 'string' ? Buffer.from(value) : value });
const none = { fromLiteral: [], fromFile: [], fromEnvFile: [] };

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-create-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('--from-literal splits at the first =', async (t) => {
  t.same(parseLiteral('url=http://x/?a=b'), entry('url', 'http://x/?a=b'));
  t.same(parseLiteral('empty='), entry('empty', ''));
  t.throws(() => parseLiteral('novalue'), { message: 'invalid literal source novalue, expected key=value (in --from-literal)' });
  t.throws(() => parseLiteral('=v'), { message: /invalid literal source =v/ });
});

t.test('--from-file [key=]path', async (t) => {
  t.same(parseFileSource('/etc/app.conf'), { path: '/etc/app.conf' });
  t.same(parseFileSource('conf=/etc/app.conf'), { key: 'conf', path: '/etc/app.conf' });
  t.throws(() => parseFileSource('=/x'), { message: /key name for file path \/x missing/ });
  t.throws(() => parseFileSource('k='), { message: /file path for key name k missing/ });
});

t.test('an env file: KEY=VALUE lines, comments and blanks skipped, bad lines named', async (t) => {
  const text = '\uFEFF# settings\n\nMODE=edge\n  LEVEL=debug=1\r\nQUOTED="kept as is"\nEMPTY=\n';
  t.same(parseEnvFile(text, 'app.env'), [entry('MODE', 'edge'), entry('LEVEL', 'debug=1'), entry('QUOTED', '"kept as is"'), entry('EMPTY', '')]);
  t.throws(() => parseEnvFile('A=1\nnot a pair\n', 'app.env'), { message: 'line 2 of env file app.env: expected KEY=VALUE, got "not a pair"' });
  t.throws(() => parseEnvFile('# c\n1BAD=x\n', 'x.env'), { message: /^line 2 of env file x\.env: "1BAD" is not a valid key name/ });
});

t.test('ConfigMap data: text in data, non-UTF-8 in binaryData, keys checked, duplicates named', async (t) => {
  const binary = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
  t.same(configMapData('cfg', [entry('b', 'two'), entry('a', 'ünï'), entry('bin', binary)]), { data: { a: 'ünï', b: 'two' }, binaryData: { bin: binary.toString('base64') } });
  t.same(configMapData('cfg', []), {});
  t.throws(() => configMapData('cfg', [entry('a', '1'), entry('a', '2')]), { message: 'cannot add key "a", another key by that name already exists in Data for ConfigMap "cfg"' });
  t.throws(() => configMapData('cfg', [entry('a', binary), entry('a', '2')]), { message: /already exists in BinaryData for ConfigMap "cfg"/ });
  t.throws(() => configMapData('cfg', [entry('bad key', '1')]), { message: /^"bad key" is not a valid key name for a ConfigMap: a valid config key must consist of/ });
});

t.test('Secret data: every value base64', async (t) => {
  t.same(secretData('s', [entry('user', 'admin'), entry('bin', Buffer.from([0xff]))]), { bin: '/w==', user: b64('admin') });
  t.throws(() => secretData('s', [entry('k', '1'), entry('k', '1')]), { message: 'cannot add key "k", another key by that name already exists in Data for Secret "s"' });
});

t.test('files and directories', async (t) => {
  const dir = tempDir(t);
  const files = join(dir, 'conf');
  mkdirSync(files);
  writeFileSync(join(files, 'app.properties'), 'a=1\n');
  writeFileSync(join(files, 'logo.bin'), Buffer.from([0x89, 0x50, 0xff]));
  mkdirSync(join(files, 'nested'));
  writeFileSync(join(files, 'nested', 'ignored'), 'x');
  symlinkSync(join(files, 'app.properties'), join(files, 'link'));
  t.same(readFileSource(files).map((e) => e.key), ['app.properties', 'logo.bin'], 'each regular file, not subdirectories or links');
  t.same(readFileSource(`renamed=${join(files, 'app.properties')}`), [entry('renamed', 'a=1\n')]);
  t.throws(() => readFileSource(`k=${files}`), { message: `cannot give a key name for a directory path (in --from-file k=${files})` });
  t.throws(() => readFileSource(join(dir, 'missing')), { message: `error reading ${join(dir, 'missing')} (in --from-file): no such file or directory` });
  writeFileSync(join(dir, 'app.env'), 'A=1\n');
  const cm = configMapFor('cfg', 'edge', { fromFile: [files], fromLiteral: ['z=26'], fromEnvFile: [join(dir, 'app.env')] });
  t.same(cm, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg', namespace: 'edge' },
    data: { A: '1', 'app.properties': 'a=1\n', z: '26' },
    binaryData: { 'logo.bin': Buffer.from([0x89, 0x50, 0xff]).toString('base64') },
  });
  t.throws(() => configMapFor('cfg', 'edge', { ...none, fromFile: [files], fromLiteral: ['app.properties=x'] }), { message: /cannot add key "app.properties"/ });
  t.throws(() => configMapFor('cfg', 'edge', { ...none, fromEnvFile: [join(dir, 'nope.env')] }), { message: /in --from-env-file/ });
});

t.test('secrets built as kubectl builds them', async (t) => {
  t.same(genericSecretFor('s', 'default', { ...none, fromLiteral: ['password=p'], type: 'kubernetes.io/basic-auth' }), {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { password: b64('p') }, type: 'kubernetes.io/basic-auth',
  });
  t.notOk('type' in genericSecretFor('s', 'default', none), 'no --type: the API defaults it');
  t.equal(dockerConfigJson('reg.local:5000', 'bob', 'pw', 'b@x.io'), `{"auths":{"reg.local:5000":{"username":"bob","password":"pw","email":"b@x.io","auth":"${b64('bob:pw')}"}}}`);
  t.equal(dockerConfigJson('r', 'u', 'p', undefined), `{"auths":{"r":{"username":"u","password":"p","auth":"${b64('u:p')}"}}}`);
  const docker = dockerRegistrySecretFor('pull', 'default', { dockerUsername: 'u', dockerPassword: 'p' });
  t.equal(docker.type, 'kubernetes.io/dockerconfigjson');
  t.same(JSON.parse(Buffer.from((docker.data as Record<string, string>)['.dockerconfigjson']!, 'base64').toString()), { auths: { 'https://index.docker.io/v1/': { username: 'u', password: 'p', auth: b64('u:p') } } });
  t.throws(() => dockerRegistrySecretFor('pull', 'default', { dockerUsername: 'u' }), { message: 'missing required flag(s): --docker-password' });
});

t.test('NAME and --dry-run', async (t) => {
  t.equal(requireName(['web']), 'web');
  t.throws(() => requireName([]), { message: 'exactly one NAME is required, got 0' });
  t.throws(() => requireName(['a', 'b']), { message: 'exactly one NAME is required, got 2' });
  t.throws(() => requireName(['Bad_Name']), { message: /invalid name "Bad_Name"/ });
  t.equal(parseDryRun(undefined), false);
  t.equal(parseDryRun('client'), true);
  t.throws(() => parseDryRun('maybe'), { message: 'Invalid dry-run value (maybe). Must be "none", "server", or "client".' });
});
