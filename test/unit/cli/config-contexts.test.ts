/**
 * Contexts for several hubs (issue #9), as kubectl's: a client config holds named contexts and a
 * current one; --context / $SKIFF_CONTEXT pick one per command; `skiff config get-contexts |
 * current-context | use-context | set-context | delete-context` read and rewrite the file (mode
 * 0600, atomically). The hub's single-hub admin.config keeps working as one context, "default".
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { loadConnection, parseClientContexts } from '../../../hub/cli/client-config-loader.js';
import { contextsTable, deleteContext, setContext, useContext } from '../../../hub/cli/actions/config-contexts-edit.js';
import { buildKubeconfig } from '../../../hub/kubeconfig.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';
import { runCli } from './fixtures/run-cli.js';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const base64 = (text: string): string => Buffer.from(text).toString('base64');

const SINGLE = `apiVersion: skiff/v1\nkind: ClientConfig\nserver: https://10.0.0.2:7443\ncertificateAuthorityData: ${base64(CA_PEM)}\ntoken: admin-tok\n`;
const FLEET = [
  'apiVersion: skiff/v1',
  'kind: ClientConfig',
  'currentContext: lab',
  'contexts:',
  '  - name: lab',
  '    server: http://192.168.1.10:7080',
  '    token: lab-tok',
  '  - name: edge',
  '    server: https://10.0.0.2:7443',
  `    certificateAuthorityData: ${base64(CA_PEM)}`,
  '    token: edge-tok',
  '',
].join('\n');
const LAB = { server: 'http://192.168.1.10:7080', token: 'lab-tok' };
const EDGE = { server: 'https://10.0.0.2:7443', token: 'edge-tok', caPem: CA_PEM };

function files(map: Record<string, string>): (path: string) => Promise<string> {
  return async (path) => {
    const text = map[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-contexts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeTemp(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** A local port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  return port;
}

const modeOf = (file: string): number => statSync(file).mode & 0o777;
const yamlOf = (file: string): unknown => parseYaml(readFileSync(file, 'utf8'));

t.test('loader: the current context, else --context, else $SKIFF_CONTEXT; flags override the context', async (t) => {
  const read = files({ '/f': FLEET });
  t.same(await loadConnection({ config: '/f' }, {}, '/h', read), LAB, 'currentContext');
  t.same(await loadConnection({ config: '/f', context: 'edge' }, {}, '/h', read), EDGE, '--context');
  t.same(await loadConnection({ config: '/f' }, { SKIFF_CONTEXT: 'edge' }, '/h', read), EDGE, '$SKIFF_CONTEXT');
  t.same(await loadConnection({ config: '/f', context: 'lab' }, { SKIFF_CONTEXT: 'edge' }, '/h', read), LAB, '--context beats $SKIFF_CONTEXT');
  t.same(await loadConnection({ config: '/f', context: 'edge', token: 'other' }, {}, '/h', read), { ...EDGE, token: 'other' }, '--token overrides the context');
  t.same(
    await loadConnection({ config: '/f', context: 'edge', server: 'https://10.0.0.3:7443', insecureSkipTlsVerify: true }, {}, '/h', read),
    { ...EDGE, server: 'https://10.0.0.3:7443', insecureSkipTlsVerify: true },
    '--server and --insecure-skip-tls-verify override, the CA stays the context’s',
  );
  t.same(await loadConnection({}, { SKIFF_CONFIG: '/f' }, '/h', read), LAB, 'the file from $SKIFF_CONFIG');
  t.same(await loadConnection({}, {}, '/home/u', files({ '/home/u/.skiff/config': FLEET })), LAB, 'the file from ~/.skiff/config');
});

t.test('loader: a single-hub file (admin.config) is one context, "default", and current', async (t) => {
  const read = files({ '/admin.config': SINGLE });
  const expected = { server: 'https://10.0.0.2:7443', token: 'admin-tok', caPem: CA_PEM };
  t.same(await loadConnection({ config: '/admin.config' }, {}, '/h', read), expected);
  t.same(await loadConnection({ config: '/admin.config', context: 'default' }, {}, '/h', read), expected);
  t.same(parseClientContexts(SINGLE, '/admin.config'), {
    form: 'single',
    contexts: [{ name: 'default', server: 'https://10.0.0.2:7443', certificateAuthorityData: base64(CA_PEM), token: 'admin-tok' }],
    currentContext: 'default',
  });
});

t.test('loader: a context that is not there, or no current context, is an error naming the file', async (t) => {
  const read = files({ '/f': FLEET, '/none': FLEET.replace('currentContext: lab\n', ''), '/admin.config': SINGLE });
  await t.rejects(loadConnection({ config: '/f', context: 'x' }, {}, '/h', read), { code: 'SKIFF_ERR_CONFIG', message: 'context "x" not found in /f' });
  await t.rejects(loadConnection({ config: '/f' }, { SKIFF_CONTEXT: 'x' }, '/h', read), { message: 'context "x" not found in /f' });
  await t.rejects(loadConnection({ config: '/admin.config', context: 'edge' }, {}, '/h', read), { message: 'context "edge" not found in /admin.config' });
  await t.rejects(loadConnection({ config: '/none' }, {}, '/h', read), { message: /^current-context is not set in \/none \(use skiff config use-context NAME, or --context NAME\)$/ });
  t.same(await loadConnection({ config: '/none', server: 'http://h:1', token: 'x' }, {}, '/h', read), { server: 'http://h:1', token: 'x' }, 'flags name the hub: no current context needed');
  await t.rejects(
    loadConnection({ context: 'edge', server: 'http://h:1', token: 'x' }, {}, '/home/u', files({})),
    { message: /^cannot read client config \/home\/u\/\.skiff\/config: no such file/ },
    'a named context needs its file even when flags name a hub',
  );
  t.same(await loadConnection({ server: 'http://h:1', token: 'x' }, {}, '/home/u', files({})), { server: 'http://h:1', token: 'x' }, 'without --context flags alone still suffice');
});

t.test('validation: every problem at once, naming the file and the field', async (t) => {
  const duplicate = FLEET.replace('name: edge', 'name: lab');
  t.throws(() => parseClientContexts(duplicate, '/f'), { code: 'SKIFF_ERR_CONFIG', message: 'invalid client config /f: contexts[1].name: Duplicate value: "lab"' });
  const dangling = FLEET.replace('currentContext: lab', 'currentContext: gone');
  t.throws(() => parseClientContexts(dangling, '/f'), { message: 'invalid client config /f: currentContext: Not found: no context is named "gone"' });
  const several = FLEET.replace('server: http://192.168.1.10:7080', 'server: nope').replace('token: edge-tok', 'tokn: edge-tok').replace('name: lab\n', 'name: my lab\n');
  t.throws(() => parseClientContexts(several, '/f'), {
    message: /^invalid client config \/f: contexts\[0\]\.name: must not contain spaces.*; contexts\[0\]\.server: .*; contexts\[1\]\.token: Required value; contexts\[1\]\.tokn: unknown field/,
  });
  t.throws(() => parseClientContexts(`${FLEET}server: http://h:1\n`, '/f'), { message: 'invalid client config /f: server: unknown field (not supported by Skiff)' }, 'the two forms do not mix');
  t.throws(() => parseClientContexts('apiVersion: skiff/v1\nkind: ClientConfig\ncontexts: {}\n', '/f'), { message: /^invalid client config \/f: contexts: / });
  t.same(parseClientContexts('apiVersion: skiff/v1\nkind: ClientConfig\ncontexts: []\n', '/f'), { form: 'contexts', contexts: [] }, 'no contexts at all is valid');
});

t.test('edits: set-context adds or changes only what it is given; the first context becomes current', async (t) => {
  const empty = { form: 'contexts' as const, contexts: [] };
  const first = setContext(empty, 'lab', { server: 'http://h:1', token: 'a' }, '/f');
  t.same(first.config, { form: 'contexts', contexts: [{ name: 'lab', server: 'http://h:1', token: 'a' }], currentContext: 'lab' });
  t.same(first.messages, ['Context "lab" created.', 'Switched to context "lab".']);
  const second = setContext(first.config, 'edge', { server: 'https://e:1', token: 'b', insecureSkipTlsVerify: true }, '/f');
  t.same(second.messages, ['Context "edge" created.']);
  t.equal(second.config.currentContext, 'lab', 'adding a context does not switch to it');
  const changed = setContext(second.config, 'lab', { token: 'new' }, '/f');
  t.same(changed.messages, ['Context "lab" modified.']);
  t.same(changed.config.contexts[0], { name: 'lab', server: 'http://h:1', token: 'new' });
  const imported = setContext(second.config, 'lab', { token: 'mine' }, '/f', { server: 'https://i:1', token: 'theirs', certificateAuthorityData: 'QQ==' });
  t.same(imported.config.contexts[0], { name: 'lab', server: 'https://i:1', token: 'mine', certificateAuthorityData: 'QQ==' }, 'flags override --from');
  const reimported = setContext(second.config, 'edge', {}, '/f', { server: 'http://i:2', token: 'theirs' });
  t.same(reimported.config.contexts[1], { name: 'edge', server: 'http://i:2', token: 'theirs' }, '--from replaces every field: nothing of the old hub (insecureSkipTlsVerify) stays');

  const single = parseClientContexts(SINGLE, '/admin.config');
  const converted = setContext(single, 'lab', { server: 'http://h:1', token: 'a' }, '/admin.config');
  t.same([converted.config.form, converted.config.currentContext, converted.config.contexts.map((c) => c.name)], ['contexts', 'default', ['default', 'lab']], 'a single-hub file keeps its hub, as "default"');

  t.throws(() => setContext(empty, 'lab', { token: 'a' }, '/f'), { message: 'cannot create context "lab" in /f: --server and --token are required (or --from FILE)' });
  t.throws(() => setContext(empty, 'lab', { server: 'nope', token: 'a' }, '/f'), { message: /^invalid context "lab" for \/f: server: / });
  t.throws(() => setContext(empty, 'a b', { server: 'http://h:1', token: 'a' }, '/f'), { message: /^invalid context "a b" for \/f: name: must not contain spaces/ });
});

t.test('edits: use-context and delete-context need the context; deleting the current one leaves none', async (t) => {
  const fleet = parseClientContexts(FLEET, '/f');
  t.same(useContext(fleet, 'edge', '/f'), { config: { ...fleet, currentContext: 'edge' }, messages: ['Switched to context "edge".'], warnings: [] });
  t.throws(() => useContext(fleet, 'x', '/f'), { message: 'context "x" not found in /f' });
  t.throws(() => deleteContext(fleet, 'x', '/f'), { message: 'context "x" not found in /f' });
  const notCurrent = deleteContext(fleet, 'edge', '/f');
  t.same(notCurrent, { config: { form: 'contexts', contexts: [fleet.contexts[0]], currentContext: 'lab' }, messages: ['deleted context edge from /f'], warnings: [] });
  const current = deleteContext(fleet, 'lab', '/f');
  t.same(current.config, { form: 'contexts', contexts: [fleet.contexts[1]] });
  t.same(current.warnings, ['warning: this removed your active context, use "skiff config use-context" to select a different one']);
});

t.test('get-contexts table: kubectl columns CURRENT and NAME, then SERVER; * on the one in use', async (t) => {
  const fleet = parseClientContexts(FLEET, '/f');
  t.same(contextsTable(fleet, 'lab', [], '/f'), [
    'CURRENT   NAME   SERVER',
    '*         lab    http://192.168.1.10:7080',
    '          edge   https://10.0.0.2:7443',
  ]);
  t.same(contextsTable(fleet, undefined, ['edge'], '/f'), ['CURRENT   NAME   SERVER', '          edge   https://10.0.0.2:7443']);
  t.throws(() => contextsTable(fleet, 'lab', ['x'], '/f'), { message: 'context "x" not found in /f' });
});

t.test('skiff config: import admin.config, add a hub, list, switch, change, delete, on a real file', async (t) => {
  const dir = tempDir();
  const adminConfig = writeTemp(dir, 'admin.config', SINGLE);
  const caFile = writeTemp(dir, 'lab-ca.pem', CA_PEM);
  const file = join(dir, 'sub', 'config'); // neither it nor its directory exists yet
  const run = (args: string[], env: Record<string, string> = {}) => runCliInProcess(args, { config: file, env });

  t.same(await run(['config', 'set-context', 'edge', '--from', adminConfig]), { code: 0, stdout: 'Context "edge" created.\nSwitched to context "edge".\n', stderr: '' });
  t.equal(modeOf(file), 0o600, 'created mode 0600');
  t.equal(modeOf(join(dir, 'sub')), 0o700);
  t.same(yamlOf(file), {
    apiVersion: 'skiff/v1',
    kind: 'ClientConfig',
    currentContext: 'edge',
    contexts: [{ name: 'edge', server: 'https://10.0.0.2:7443', certificateAuthorityData: base64(CA_PEM), token: 'admin-tok' }],
  });

  const lab = await run(['config', 'set-context', 'lab', '--server', 'https://10.0.0.5:7443', '--token', 'lab-tok', '--certificate-authority', caFile]);
  t.same(lab, { code: 0, stdout: 'Context "lab" created.\n', stderr: '' });
  t.same((yamlOf(file) as { contexts: unknown[] }).contexts[1], { name: 'lab', server: 'https://10.0.0.5:7443', certificateAuthorityData: base64(CA_PEM), token: 'lab-tok' });

  const table = 'CURRENT   NAME   SERVER\n*         edge   https://10.0.0.2:7443\n          lab    https://10.0.0.5:7443\n';
  t.same(await run(['config', 'get-contexts']), { code: 0, stdout: table, stderr: '' });
  t.same(await run(['config', 'get-contexts', '-o', 'name']), { code: 0, stdout: 'edge\nlab\n', stderr: '' });
  t.same(await run(['config', 'get-contexts', 'lab']), { code: 0, stdout: 'CURRENT   NAME   SERVER\n          lab    https://10.0.0.5:7443\n', stderr: '' });
  t.same(await run(['config', 'current-context']), { code: 0, stdout: 'edge\n', stderr: '' });
  t.same(await run(['--context', 'lab', 'config', 'current-context']), { code: 0, stdout: 'lab\n', stderr: '' }, '--context is the one in use');
  t.same(await run(['config', 'current-context'], { SKIFF_CONTEXT: 'lab' }), { code: 0, stdout: 'lab\n', stderr: '' }, '$SKIFF_CONTEXT too');

  chmodSync(file, 0o644);
  t.same(await run(['config', 'use-context', 'lab']), { code: 0, stdout: 'Switched to context "lab".\n', stderr: '' });
  t.equal((yamlOf(file) as { currentContext: string }).currentContext, 'lab');
  t.equal(modeOf(file), 0o600, 'a rewrite is mode 0600 whatever the file was');
  t.same(readdirSync(join(dir, 'sub')), ['config'], 'no temporary file left behind');
  t.same(await run(['config', 'use-context', 'edge'], { SKIFF_CONTEXT: 'lab' }), {
    code: 0,
    stdout: 'Switched to context "edge".\n',
    stderr: 'warning: $SKIFF_CONTEXT=lab still picks the context in this shell\n',
  });

  t.same(await run(['config', 'set-context', 'lab', '--token', 'rotated']), { code: 0, stdout: 'Context "lab" modified.\n', stderr: '' });
  t.same((yamlOf(file) as { contexts: unknown[] }).contexts[1], { name: 'lab', server: 'https://10.0.0.5:7443', certificateAuthorityData: base64(CA_PEM), token: 'rotated' });

  t.same(await run(['config', 'delete-context', 'edge']), {
    code: 0,
    stdout: `deleted context edge from ${file}\n`,
    stderr: 'warning: this removed your active context, use "skiff config use-context" to select a different one\n',
  });
  t.same(yamlOf(file), {
    apiVersion: 'skiff/v1',
    kind: 'ClientConfig',
    contexts: [{ name: 'lab', server: 'https://10.0.0.5:7443', certificateAuthorityData: base64(CA_PEM), token: 'rotated' }],
  });
  t.same(await run(['config', 'current-context']), { code: 1, stdout: '', stderr: `error: current-context is not set in ${file} (use skiff config use-context NAME, or --context NAME)\n` });
  t.equal(modeOf(file), 0o600);
});

t.test('skiff config: errors leave the file as it was', async (t) => {
  const dir = tempDir();
  const file = writeTemp(dir, 'config', FLEET);
  const run = (args: string[]) => runCliInProcess(args, { config: file });
  const notFound = `error: context "nope" not found in ${file}\n`;
  t.same(await run(['config', 'use-context', 'nope']), { code: 1, stdout: '', stderr: notFound });
  t.same(await run(['config', 'delete-context', 'nope']), { code: 1, stdout: '', stderr: notFound });
  t.same(await run(['config', 'get-contexts', 'nope']), { code: 1, stdout: '', stderr: notFound });
  t.same(await run(['config', 'set-context', 'new', '--token', 't']), {
    code: 1,
    stdout: '',
    stderr: `error: cannot create context "new" in ${file}: --server and --token are required (or --from FILE)\n`,
  });
  t.same(await run(['config', 'set-context', 'new', '--from', join(dir, 'missing')]), { code: 1, stdout: '', stderr: `error: cannot read client config ${join(dir, 'missing')}: no such file\n` });
  t.same(await run(['config', 'set-context', 'new', '--server', 'http://h:1', '--token', 't', '--certificate-authority', file]), {
    code: 1,
    stdout: '',
    stderr: `error: certificate authority ${file} holds no PEM certificate\n`,
  });
  t.same(await run(['config', 'get-contexts', '-o', 'wide']), { code: 1, stdout: '', stderr: 'error: unable to match a printer suitable for the output format "wide", allowed formats are: name\n' });
  t.equal(readFileSync(file, 'utf8'), FLEET, 'unchanged');

  const missing = join(dir, 'absent');
  t.same(await runCliInProcess(['config', 'use-context', 'lab'], { config: missing }), { code: 1, stdout: '', stderr: `error: cannot read client config ${missing}: no such file\n` });
  t.same(await runCliInProcess(['config', 'get-contexts']), { code: 0, stdout: 'CURRENT   NAME   SERVER\n', stderr: '' }, 'no ~/.skiff/config yet: no contexts');
});

t.test('skiff config on the hub’s single-hub admin.config: one current context, rewritten only when changed', async (t) => {
  const dir = tempDir();
  const file = writeTemp(dir, 'admin.config', SINGLE);
  const run = (args: string[]) => runCliInProcess(args, { config: file });
  t.same(await run(['config', 'get-contexts']), { code: 0, stdout: 'CURRENT   NAME      SERVER\n*         default   https://10.0.0.2:7443\n', stderr: '' });
  t.same(await run(['config', 'current-context']), { code: 0, stdout: 'default\n', stderr: '' });
  t.same(await run(['config', 'use-context', 'default']), { code: 0, stdout: 'Switched to context "default".\n', stderr: '' });
  t.equal(readFileSync(file, 'utf8'), SINGLE, 'use-context of its only hub leaves the file as the hub wrote it');
  t.same(await run(['config', 'set-context', 'lab', '--server', 'http://h:1', '--token', 'a']), { code: 0, stdout: 'Context "lab" created.\n', stderr: '' });
  t.same(yamlOf(file), {
    apiVersion: 'skiff/v1',
    kind: 'ClientConfig',
    currentContext: 'default',
    contexts: [
      { name: 'default', server: 'https://10.0.0.2:7443', certificateAuthorityData: base64(CA_PEM), token: 'admin-tok' },
      { name: 'lab', server: 'http://h:1', token: 'a' },
    ],
  });
});

t.test('every command reaches the hub of the context in use', async (t) => {
  const dir = tempDir();
  const port = await closedPort();
  const file = writeTemp(dir, 'config', FLEET.replace('http://192.168.1.10:7080', `http://127.0.0.1:${port}`));
  const kubeconfig = await runCliInProcess(['--context', 'edge', 'config', 'kubeconfig'], { config: file });
  t.same([kubeconfig.code, kubeconfig.stderr], [0, '']);
  t.same(parseYaml(kubeconfig.stdout), buildKubeconfig(EDGE), '--context edge');
  const viaEnv = await runCliInProcess(['config', 'kubeconfig'], { config: file, env: { SKIFF_CONTEXT: 'edge' } });
  t.same(parseYaml(viaEnv.stdout), buildKubeconfig(EDGE), '$SKIFF_CONTEXT=edge');
  // The current context, lab, points at a closed port: the refusal names its address.
  t.same(await runCliInProcess(['get', 'nodes'], { config: file }), {
    code: 1,
    stdout: '',
    stderr: `The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?\n`,
  });
  t.same(await runCliInProcess(['--context', 'gone', 'get', 'nodes'], { config: file }), { code: 1, stdout: '', stderr: `error: context "gone" not found in ${file}\n` });
});

t.test('--help of each context command shows examples', async (t) => {
  for (const command of ['get-contexts', 'current-context', 'use-context', 'set-context', 'delete-context']) {
    const help = await runCliInProcess(['config', command, '--help']);
    t.equal(help.code, 0, command);
    t.match(help.stdout, new RegExp(`Usage: skiff config ${command}[\\s\\S]*Examples:\\n  skiff config ${command}`), command);
  }
  t.match((await runCliInProcess(['--help'])).stdout, /--context <name>/);
});

t.test('the real executable: use-context rewrites the file, then get-contexts marks it', async (t) => {
  const dir = tempDir();
  const file = writeTemp(dir, 'config', FLEET);
  t.same(await runCli(['config', 'use-context', 'edge'], { config: file }), { code: 0, stdout: 'Switched to context "edge".\n', stderr: '' });
  t.same(await runCli(['config', 'get-contexts'], { config: file }), {
    code: 0,
    stdout: 'CURRENT   NAME   SERVER\n          lab    http://192.168.1.10:7080\n*         edge   https://10.0.0.2:7443\n',
    stderr: '',
  });
  t.same(await runCli(['--context', 'nope', 'get', 'pods'], { config: file }), { code: 1, stdout: '', stderr: `error: context "nope" not found in ${file}\n` });
  t.equal(modeOf(file), 0o600);
});
