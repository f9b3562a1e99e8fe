/**
 * `skiff create configmap|secret`, `get cm` and `get secret -o yaml` run in-process (hub/cli/main.ts
 * `run`, the command line as a user types it) against a real hub API server (createApiServer on a
 * SQLite store in a temporary directory): what is stored (stringData folded, binary content in
 * binaryData), what is printed, dry runs that send nothing, and the API's refusals.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parse as parseYaml } from 'yaml';
import { createApiServer } from '../../../hub/api/server.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';
import { runCli } from './fixtures/run-cli.js';
import { listenApi, tempApiStore } from '../hub/api-server-rig.js';

const TOKEN = 'admin-token';
const configMaps = resolveResource('configmaps')!;
const secrets = resolveResource('secrets')!;
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

interface Hub {
  store: SqliteStore;
  dir: string;
  cli(args: string[], stdin?: string): ReturnType<typeof runCliInProcess>;
}

async function startHub(t: Test): Promise<Hub> {
  const { store, dir } = await tempApiStore(t, ['default', 'edge']);
  const { url } = await listenApi(t, { store, adminToken: TOKEN });
  return { store, dir, cli: (args, stdin) => runCliInProcess(['--server', url, '--token', TOKEN, ...args], stdin === undefined ? {} : { stdin }) };
}

t.test('create configmap from literals, files and env files; get cm lists it', async (t) => {
  const hub = await startHub(t);
  writeFileSync(join(hub.dir, 'app.properties'), 'color=blue\n');
  writeFileSync(join(hub.dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff]));
  writeFileSync(join(hub.dir, 'app.env'), '# settings\nMODE=edge\n\nLEVEL=debug\n');
  const created = await hub.cli(['create', 'configmap', 'app', '-n', 'edge', '--from-literal', 'greeting=hello', '--from-file', join(hub.dir, 'app.properties'), '--from-file', `logo=${join(hub.dir, 'logo.png')}`, '--from-env-file', join(hub.dir, 'app.env')]);
  t.same(created, { code: 0, stdout: 'configmap/app created\n', stderr: '' });
  const stored = await hub.store.get(configMaps, 'edge', 'app');
  t.same((stored as { data?: unknown }).data, { LEVEL: 'debug', MODE: 'edge', 'app.properties': 'color=blue\n', greeting: 'hello' });
  t.same((stored as { binaryData?: unknown }).binaryData, { logo: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff]).toString('base64') });

  t.same(await hub.cli(['create', 'cm', 'empty']), { code: 0, stdout: 'configmap/empty created\n', stderr: '' }, 'the cm alias');
  const list = await hub.cli(['get', 'cm', '-A']);
  t.equal(list.code, 0, list.stderr);
  const rows = list.stdout.trimEnd().split('\n').map((line) => line.split(/\s+/).slice(0, 3));
  t.same(rows, [['NAMESPACE', 'NAME', 'DATA'], ['default', 'empty', '0'], ['edge', 'app', '5']]);
});

t.test('create configmap errors name the flag or file and send nothing', async (t) => {
  const hub = await startHub(t);
  const duplicate = await hub.cli(['create', 'configmap', 'app', '--from-literal', 'a=1', '--from-literal', 'a=2']);
  t.same(duplicate, { code: 1, stdout: '', stderr: 'error: cannot add key "a", another key by that name already exists in Data for ConfigMap "app"\n' });
  const badLiteral = await hub.cli(['create', 'configmap', 'app', '--from-literal', 'oops']);
  t.match(badLiteral.stderr, /--from-literal/);
  writeFileSync(join(hub.dir, 'bad.env'), 'A=1\nB\n');
  const badEnv = await hub.cli(['create', 'configmap', 'app', '--from-env-file', join(hub.dir, 'bad.env')]);
  t.equal(badEnv.stderr, `error: line 2 of env file ${join(hub.dir, 'bad.env')}: expected KEY=VALUE, got "B"\n`);
  const missing = await hub.cli(['create', 'configmap', 'app', '--from-file', join(hub.dir, 'nope')]);
  t.match(missing.stderr, /error reading .*nope \(in --from-file\): no such file or directory/);
  t.match((await hub.cli(['create', 'configmap'])).stderr, /exactly one NAME is required, got 0/);
  t.same(await hub.store.list(configMaps, 'default'), [], 'nothing was created');
});

t.test('--dry-run=client -o yaml prints the manifest and creates nothing', async (t) => {
  const hub = await startHub(t);
  const result = await hub.cli(['create', 'configmap', 'app', '--from-literal', 'b=2', '--from-literal', 'a=1', '--dry-run=client', '-o', 'yaml']);
  t.equal(result.code, 0, result.stderr);
  t.same(parseYaml(result.stdout), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'default' }, data: { a: '1', b: '2' } });
  const secret = await hub.cli(['create', 'secret', 'generic', 's', '--from-literal', 'k=v', '--dry-run=client', '-o', 'json']);
  t.same(JSON.parse(secret.stdout), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { k: b64('v') } });
  t.same(await hub.cli(['create', 'secret', 'generic', 's', '--dry-run=client']), { code: 0, stdout: 'secret/s created (dry run)\n', stderr: '' });
  const wide = await hub.cli(['create', 'configmap', 'w', '--from-literal', 'k=v', '-o', 'wide']);
  t.equal(wide.code, 1);
  t.match(wide.stderr, 'unable to match a printer suitable for the output format "wide"');
  t.same(await hub.store.list(configMaps, 'default'), []);
  t.same(await hub.store.list(secrets, 'default'), []);
});

t.test('create secret generic and docker-registry; get secret NAME -o yaml', async (t) => {
  const hub = await startHub(t);
  t.same(await hub.cli(['create', 'secret', 'generic', 'db', '--from-literal', 'password=s3cret', '-o', 'name']), { code: 0, stdout: 'secret/db\n', stderr: '' });
  const yaml = await hub.cli(['get', 'secret', 'db', '-o', 'yaml']);
  t.equal(yaml.code, 0, yaml.stderr);
  const object = parseYaml(yaml.stdout) as { type: string; data: Record<string, string>; metadata: { uid?: string } };
  t.same([object.type, object.data], ['Opaque', { password: b64('s3cret') }]);
  t.ok(object.metadata.uid, 'the stored object, as the server returned it');

  const docker = await hub.cli(['create', 'secret', 'docker-registry', 'pull', '--docker-server', 'reg.local:5000', '--docker-username', 'bob', '--docker-password', 'pw', '--docker-email', 'bob@example.com']);
  t.same(docker, { code: 0, stdout: 'secret/pull created\n', stderr: '' });
  const stored = (await hub.store.get(secrets, 'default', 'pull')) as unknown as { type: string; data: Record<string, string> };
  t.equal(stored.type, 'kubernetes.io/dockerconfigjson');
  t.same(JSON.parse(Buffer.from(stored.data['.dockerconfigjson']!, 'base64').toString()), {
    auths: { 'reg.local:5000': { username: 'bob', password: 'pw', email: 'bob@example.com', auth: b64('bob:pw') } },
  });
  t.match((await hub.cli(['create', 'secret', 'docker-registry', 'x', '--docker-username', 'bob'])).stderr, /missing required flag\(s\): --docker-password/);

  const list = await hub.cli(['get', 'secrets']);
  const rows = list.stdout.trimEnd().split('\n').map((line) => line.split(/\s+/).slice(0, 3));
  t.same(rows, [['NAME', 'TYPE', 'DATA'], ['db', 'Opaque', '1'], ['pull', 'kubernetes.io/dockerconfigjson', '1']]);
});

t.test('the API folds stringData, refuses bad data, and keeps immutable data', async (t) => {
  const hub = await startHub(t);
  const manifest = (password: string, extra = ''): string => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: web\nstringData:\n  password: ${password}\n${extra}`;
  const applied = await hub.cli(['apply', '-f', '-'], manifest('one', 'immutable: true\n'));
  t.equal(applied.code, 0, applied.stderr);
  const stored = (await hub.store.get(secrets, 'default', 'web')) as unknown as Record<string, unknown>;
  t.same([stored.data, stored.type, 'stringData' in stored], [{ password: b64('one') }, 'Opaque', false]);

  const changed = await hub.cli(['apply', '-f', '-'], manifest('two', 'immutable: true\n'));
  t.equal(changed.code, 1);
  t.match(changed.stderr, /Secret "web" is invalid: data: Forbidden: field is immutable when `immutable` is set/);
  t.same(((await hub.store.get(secrets, 'default', 'web')) as unknown as { data: unknown }).data, { password: b64('one') });
  const relabelled = await hub.cli(['apply', '-f', '-'], manifest('one', 'immutable: true\n').replace('  name: web\n', '  name: web\n  labels:\n    tier: db\n'));
  t.equal(relabelled.code, 0, `metadata of an immutable Secret may change: ${relabelled.stderr}`);

  const bad = await hub.cli(['create', 'secret', 'generic', 'tls', '--type', 'kubernetes.io/tls', '--from-literal', 'tls.crt=x']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /Secret "tls" is invalid: data\[tls\.key\]: Required value/);
});

t.test('the skiff executable runs create (bin/skiff.js, as built); a dry run needs no hub at all', async (t) => {
  const dryRun = await runCli(['create', 'secret', 'docker-registry', 'pull', '--docker-username', 'u', '--docker-password', 'p', '--dry-run=client', '-o', 'yaml']);
  t.equal(dryRun.code, 0, dryRun.stderr);
  t.match(parseYaml(dryRun.stdout), { kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', metadata: { name: 'pull', namespace: 'default' } });
  const noName = await runCli(['create', 'configmap', '--from-literal', 'a=1']);
  t.same([noName.code, noName.stderr], [1, 'error: exactly one NAME is required, got 0\n']);
});
