/**
 * `skiff get -w` in-process against a real hub API (createApiServer on SQLite, see
 * test/unit/hub/watch-fixtures.ts): what it prints as objects change, how it resumes when the
 * hub ends a watch or goes away, and how it ends.
 */
import t from 'tap';
import { runGet, type GetOptions } from '../../../hub/cli/actions/get.js';
import { createContext, type CliContext } from '../../../hub/cli/context.js';
import { HubClient } from '../../../hub/cli/hub-client.js';
import type { CliIO } from '../../../hub/cli/io.js';
import { parseResourceArgs } from '../../../hub/cli/resource-args.js';
import { INTERRUPTED_EXIT_CODE, runWatch } from '../../../hub/cli/watch-get.js';
import { waitFor } from '../../helpers/wait.js';
import { ADMIN_TOKEN, pods, startApi, type TestApi } from '../hub/watch-fixtures.js';

interface Cli {
  ctx: CliContext;
  readonly out: string;
  /** The first `columns` words of each line printed so far (AGE moves with the clock). */
  lines(columns?: number): string[];
  interrupt(): void;
  /** Watch requests the hub has answered so far. */
  readonly watches: number;
}

function cli(api: { url: string }, fetchImpl: typeof fetch = fetch): Cli {
  let out = '';
  let watches = 0;
  const counting: typeof fetch = async (input, init) => {
    const response = await fetchImpl(input, init);
    if (String(input).includes('watch=true')) watches++;
    return response;
  };
  let signal!: (name: string) => void;
  const signalled = new Promise<string>((resolve) => (signal = resolve));
  const io: CliIO = {
    stdout: (text) => void (out += text),
    stderr: () => {},
    readStdin: async () => '',
    env: {},
    homedir: '/nonexistent',
    waitForSignal: () => signalled,
    exit: () => {},
  };
  return {
    ctx: createContext(io, async () => new HubClient(api.url, ADMIN_TOKEN, counting)),
    get out() {
      return out;
    },
    get watches() {
      return watches;
    },
    lines: (columns = 3) => out.split('\n').filter((l) => l !== '').map((l) => l.split(/\s+/).slice(0, columns).join(' ')),
    interrupt: () => signal('SIGINT'),
  };
}

/** Starts `skiff get ARGS` with OPTIONS; resolves when the command has returned. */
function get(c: Cli, args: string[], options: GetOptions): Promise<void> {
  return runGet(args, options, c.ctx);
}

const watching = (c: Cli): Promise<unknown> => waitFor('the watch to start', () => c.watches > 0, { intervalMs: 5, timeoutMs: 10_000 });

const printed = (c: Cli, what: string, count = 1): Promise<unknown> =>
  waitFor(`${count} x "${what}" in the output`, () => c.out.split(what).length - 1 >= count, { intervalMs: 5, timeoutMs: 10_000 });

t.test('get pods -w: the table, then a row for every change; SIGINT ends it quietly with exit code 1 like kubectl', async (t) => {
  const api = await startApi(t);
  await api.addPod('a', { labels: { app: 'web' }, phase: 'Pending' });
  const c = cli(api);
  const done = get(c, ['pods'], { watch: true });
  await printed(c, 'NAME');
  await api.addPod('b', { phase: 'Pending' });
  await printed(c, '\nb ');
  await api.store.delete(pods, 'default', 'a');
  await printed(c, '\na ', 2);
  c.interrupt();
  await done;
  t.equal(c.ctx.exitCode, INTERRUPTED_EXIT_CODE);
  t.same(c.lines(), ['NAME READY STATUS', 'a 0/1 Pending', 'b 0/1 Pending', 'a 0/1 Pending']);
  const [header, first] = c.out.split('\n');
  t.equal(first!.indexOf('0/1'), header!.indexOf('READY'), 'rows line up under the header');
});

t.test('--watch-only prints only the changes, the header with the first', async (t) => {
  const api = await startApi(t);
  await api.addPod('a');
  const c = cli(api);
  const done = get(c, ['po'], { watchOnly: true });
  await watching(c);
  await api.relabel('a', { x: 'y' });
  await printed(c, '\na ');
  c.interrupt();
  await done;
  t.same(c.lines(1), ['NAME', 'a']);
});

t.test('a named object is printed once, then its changes; the watch\'s synthetic first event is not printed again', async (t) => {
  const api = await startApi(t);
  await api.addPod('a');
  await api.addPod('other');
  const c = cli(api);
  const done = get(c, ['pod', 'a'], { watch: true });
  await watching(c);
  await api.relabel('other', { x: 'y' });
  await api.relabel('a', { x: 'y' });
  await printed(c, '\na ', 2);
  c.interrupt();
  await done;
  t.same(c.lines(1), ['NAME', 'a', 'a']);
});

t.test('-o name and -o json print every object as it changes', async (t) => {
  const api = await startApi(t);
  await api.addPod('a');
  const names = cli(api);
  const json = cli(api);
  const running = [get(names, ['pods'], { watch: true, output: 'name' }), get(json, ['pods', 'a'], { watch: true, output: 'json' })];
  await printed(names, 'pod/a');
  await watching(names);
  await watching(json);
  await api.addPod('b');
  await api.relabel('a', { app: 'web' });
  await printed(names, 'pod/a', 2);
  await printed(json, '"app": "web"');
  names.interrupt();
  json.interrupt();
  await Promise.all(running);
  t.equal(names.out, 'pod/a\npod/b\npod/a\n');
  t.equal(json.out.split('\n{').length, 2, 'the object, then its one change');
});

t.test('when the hub ends each watch, get -w resumes from the last resourceVersion: nothing twice, nothing missed', async (t) => {
  const api = await startApi(t, { minRequestTimeoutSeconds: 0.02 });
  await api.addPod('a');
  const c = cli(api);
  const done = runWatch(parseResourceArgs(['pods'], 'get'), { namespace: 'default', all: false, selector: undefined }, 'name', false, c.ctx, { initialMs: 10, maxMs: 40, minRestartMs: 10 });
  await printed(c, 'pod/a');
  for (const name of ['b', 'c', 'd']) {
    await new Promise((resolve) => setTimeout(resolve, 60)); // several watches end in between
    await api.addPod(name);
  }
  await printed(c, 'pod/d');
  c.interrupt();
  await done;
  t.equal(c.out, 'pod/a\npod/b\npod/c\npod/d\n');
});

t.test('a resourceVersion that expired while away: get -w lists again', async (t) => {
  const api = await startApi(t, { cacheCapacity: 2, minRequestTimeoutSeconds: 0.2 });
  await api.addPod('web-1', { labels: { app: 'web' } });
  const c = cli(api);
  const done = get(c, ['pods'], { watch: true, selector: 'app=web' });
  await printed(c, 'web-1');
  // Changes the watch does not show push its resourceVersion out of the cache.
  for (const name of ['x', 'y', 'z']) await api.addPod(name);
  await printed(c, 'web-1', 2);
  c.interrupt();
  await done;
  t.same(c.lines(1), ['NAME', 'web-1', 'web-1'], 'the current state again, without a second header');
});

t.test('a hub that goes away: get -w keeps trying and carries on when it is back', async (t) => {
  const first = await startApi(t);
  await first.addPod('a');
  const c = cli(first);
  const done = runWatch(parseResourceArgs(['pods'], 'get'), { namespace: 'default', all: false, selector: undefined }, 'name', false, c.ctx, { initialMs: 10, maxMs: 40, minRestartMs: 10 });
  await printed(c, 'pod/a');
  await first.stop();
  await new Promise((resolve) => setTimeout(resolve, 100)); // a few refused attempts
  const second: TestApi = await startApi(t, undefined, { store: first.store, port: first.port });
  await second.addPod('b');
  await printed(c, 'pod/b');
  c.interrupt();
  await done;
  t.equal(c.out, 'pod/a\npod/b\n');
});

t.test('what kubectl refuses to watch', async (t) => {
  const api = await startApi(t);
  await api.addPod('a');
  await api.addPod('b');
  await t.rejects(get(cli(api), ['pods,deployments'], { watch: true }), { message: 'you may only specify a single resource type' });
  const two = cli(api);
  await t.rejects(get(two, ['pods', 'a', 'b'], { watch: true }), { message: 'you may only watch a single resource or type of resource at a time' });
  t.same(two.lines(1), ['NAME', 'a', 'b'], 'after printing what it found, as kubectl');
  await t.rejects(get(cli(api), ['pod', 'missing'], { watch: true }), { name: 'ApiStatusError', message: 'pods "missing" not found' });
});

t.test('an ERROR event other than Expired ends get -w with that error', async (t) => {
  const api = await startApi(t);
  const failingWatch: typeof fetch = async (input, init) => {
    if (!String(input).includes('watch=true')) return fetch(input, init);
    const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcd is on fire', reason: 'InternalError', code: 500 };
    return new Response(`${JSON.stringify({ type: 'ERROR', object: status })}\n`, { status: 200 });
  };
  await t.rejects(get(cli(api, failingWatch), ['pods'], { watch: true }), { name: 'ApiStatusError', message: 'etcd is on fire' });
});
