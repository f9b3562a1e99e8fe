import t from 'tap';
import { createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBE_COMPAT_VERSION, SKIFF_VERSION } from '../../../shared/defaults.js';
import { requireBuild } from './fixtures/build-check.js';
import { startFakeHub } from './fixtures/fake-hub.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';
import { runCli } from './fixtures/run-cli.js';

/**
 * Most cases run the CLI in this process (a Node start-up each was most of this file's time); the
 * first of each kind runs the real executable, so its streams and exit code are checked too.
 */
const inProcess = (args: string[], options: { config?: string; stdin?: string } = {}) => runCliInProcess(args, options);

/** A port nothing listens on: bound once to learn a free number, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

if (requireBuild(t)) {
  const hub = await startFakeHub();
  const dir = await mkdtemp(join(tmpdir(), 'skiff-conn-'));
  t.teardown(async () => {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  });

  await t.test('cluster-info names the hub it reached', async (t) => {
    t.same(await runCli(['cluster-info'], { config: hub.configFile }), { code: 0, stdout: `Skiff hub is running at ${hub.url}\n`, stderr: '' });
  });

  await t.test('version prints the client and the hub version', async (t) => {
    t.same(await inProcess(['version'], { config: hub.configFile }), {
      code: 0,
      stdout: `Client Version: ${SKIFF_VERSION}\nServer Version: ${KUBE_COMPAT_VERSION}\n`,
      stderr: '',
    });
    t.same(await inProcess(['version', '--client']), { code: 0, stdout: `Client Version: ${SKIFF_VERSION}\n`, stderr: '' }, '--client needs neither config nor hub');
  });

  await t.test('an unreachable hub is the kubectl "connection refused" message, exit 1', async (t) => {
    const port = await closedPort();
    const refused = `The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?\n`;
    const flags = ['--server', `http://127.0.0.1:${port}`, '--token', 't'];
    t.same(await runCli(['get', 'pods', ...flags]), { code: 1, stdout: '', stderr: refused });
    t.same(await inProcess(['cluster-info', ...flags]), { code: 1, stdout: '', stderr: refused });
    t.same(await inProcess(['version', ...flags]), { code: 1, stdout: `Client Version: ${SKIFF_VERSION}\n`, stderr: refused });
    t.same(await inProcess(['apply', '-f', '-', ...flags], { stdin: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n' }), {
      code: 1,
      stdout: '',
      stderr: refused,
    }, 'said once, not once per object');
  });

  await t.test('--server and --token override the config file', async (t) => {
    const config = join(dir, 'elsewhere.yaml');
    await writeFile(config, `apiVersion: skiff/v1\nkind: ClientConfig\nserver: http://127.0.0.1:${await closedPort()}\ntoken: wrong\n`);
    t.equal((await inProcess(['cluster-info', '--config', config, '--server', hub.url, '--token', hub.token])).code, 0);
  });

  await t.test('a wrong token is Unauthorized, as kubectl words it', async (t) => {
    t.same(await inProcess(['get', 'pods', '--server', hub.url, '--token', 'nope']), { code: 1, stdout: '', stderr: 'error: You must be logged in to the server (Unauthorized)\n' });
  });

  await t.test('a missing or invalid config is a clear error naming the file', async (t) => {
    const missing = join(dir, 'missing');
    t.same(await inProcess(['get', 'pods', '--config', missing]), {
      code: 1,
      stdout: '',
      stderr: `error: cannot read client config ${missing}: no such file (use --config FILE, $SKIFF_CONFIG, or --server and --token)\n`,
    });
    const invalid = join(dir, 'invalid');
    await writeFile(invalid, '{"apiVersion": "skiff/v1", "kind": "ClientConfig", "server": "nope"}');
    const result = await inProcess(['get', 'pods'], { config: invalid });
    t.equal(result.code, 1);
    t.match(result.stderr, new RegExp(`^error: invalid client config ${invalid}: server: .*; token: Required value\\n$`));
  });

  await t.test('unknown commands and options are usage errors, help is not', async (t) => {
    const unknown = await runCli(['frobnicate']);
    t.equal(unknown.code, 1);
    t.match(unknown.stderr, /unknown command 'frobnicate'/);
    const option = await inProcess(['get', 'pods', '--frob']);
    t.equal(option.code, 1);
    t.match(option.stderr, /unknown option '--frob'/);
    const help = await inProcess(['get', '--help']);
    t.equal(help.code, 0);
    t.match(help.stdout, /Usage: skiff get/);
  });
}
