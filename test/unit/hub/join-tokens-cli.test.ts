/**
 * `skiff token create|list|delete` and the renew endpoint on a real hub API (createApiServer on
 * SQLite), the CLI run in-process: what it prints, what the hub stores, and who may call what.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { createApiServer } from '../../../hub/api/server.js';
import { resolveHubOptions } from '../../../hub/cli/actions/hub.js';
import { tokenIdOf, tokenRows, tokenTtl } from '../../../hub/cli/actions/token.js';
import { BOOTSTRAP_TOKEN } from '../../../shared/join-token.js';
import { JOIN_PATH, RENEW_PATH, TOKENS_PATH, type JoinResponse } from '../../../shared/join.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';
import { listenApi, tempApiStore } from './api-server-rig.js';

const ADMIN_TOKEN = 'admin-token';
const CA_HASH = 'c'.repeat(64);
const NOW = Date.parse('2026-12-05T10:00:00Z');

async function startHubApi(t: Test, caHash?: string) {
  const { store, dir } = await tempApiStore(t);
  const { url } = await listenApi(t, { store, adminToken: ADMIN_TOKEN, joinToken: 'server-token', nodeCredentialTtlMs: 60_000, caHash: () => caHash });
  const config = join(dir, 'config');
  writeFileSync(config, stringify({ apiVersion: 'skiff/v1', kind: 'ClientConfig', server: url, token: ADMIN_TOKEN }));
  return { url, store, cli: (args: string[]) => runCliInProcess(args, { config }) };
}

t.test('create prints the token once; list shows it without its secret; delete revokes it', async (t) => {
  const { cli, store } = await startHubApi(t, CA_HASH);
  const created = await cli(['token', 'create', '--ttl', '2h', '--description', 'rack 4']);
  t.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  t.match(token, new RegExp(`^K10${CA_HASH}::[a-z0-9]{6}\\.[a-z0-9]{16}$`), 'K10 form with the hub’s CA hash');
  const id = token.split('::')[1]!.split('.')[0]!;
  const secret = token.split('.')[1]!;

  const forever = await cli(['token', 'create', '--ttl', '0', '--print-join-command']);
  t.match(forever.stdout, /^skiff agent --server http:\/\/127\.0\.0\.1:\d+ --token K10c+::[a-z0-9.]+ --node-name NAME --data-dir DIR\n$/);

  const list = await cli(['token', 'list']);
  t.equal(list.code, 0);
  const lines = list.stdout.trimEnd().split('\n');
  t.match(lines[0], /^TOKEN-ID\s+TTL\s+EXPIRES\s+USES\s+DESCRIPTION$/);
  t.match(lines[1], new RegExp(`^${id}\\s+(119m|2h)\\s+\\S+Z\\s+0\\s+rack 4$`));
  t.match(lines[2], /^[a-z0-9]{6}\s+<forever>\s+<never>\s+0\s+<none>$/);
  t.notOk(list.stdout.includes(secret), 'no secret');
  const json = await cli(['token', 'list', '-o', 'json']);
  t.equal((JSON.parse(json.stdout) as { items: unknown[] }).items.length, 2);
  t.notOk(json.stdout.includes(secret));
  t.match((await cli(['token', 'list', '-o', 'yaml'])).stdout, /^items:\n/);
  t.equal((await cli(['token', 'list', '-o', 'wide'])).code, 1, 'an unknown format is an error');

  t.same(await cli(['token', 'delete', token]), { code: 0, stdout: `bootstrap token "${id}" deleted\n`, stderr: '' }, 'a whole token names its id');
  t.equal(await store.getBootstrapToken(id), undefined);
  const again = await cli(['token', 'delete', id, 'BAD!']);
  t.equal(again.code, 1);
  t.match(again.stderr, new RegExp(`bootstrap token "${id}" not found`));
  t.match(again.stderr, /didn't match pattern/);
  t.equal((await cli(['token', 'create', '--ttl', 'soon'])).code, 1, 'a bad duration is refused');
});

t.test('an empty list says so; a hub without a CA prints bare tokens', async (t) => {
  const { cli } = await startHubApi(t);
  t.same(await cli(['token', 'list']), { code: 0, stdout: '', stderr: 'No resources found.\n' });
  t.match((await cli(['token', 'create'])).stdout.trim(), BOOTSTRAP_TOKEN);
});

t.test('the token API is for the admin only; join and renew need no bearer token', async (t) => {
  const { url } = await startHubApi(t);
  t.equal((await fetch(`${url}${TOKENS_PATH}`)).status, 401, 'anonymous list');
  t.equal((await fetch(`${url}${TOKENS_PATH}`, { method: 'POST', headers: { authorization: 'Bearer nope' } })).status, 401, 'wrong token');
  t.equal((await fetch(`${url}${TOKENS_PATH}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 405);

  const joined = await fetch(`${url}${JOIN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'server-token', nodeName: 'pi-1' }) });
  t.equal(joined.status, 200);
  const credentials = (await joined.json()) as JoinResponse;
  t.ok(Date.parse(credentials.expiresAt!) > Date.now(), 'an expiry in the future');
  const basic = (password: string) => `Basic ${Buffer.from(`pi-1:${password}`).toString('base64')}`;
  const renewed = await fetch(`${url}${RENEW_PATH}`, { method: 'POST', headers: { authorization: basic(credentials.password) } });
  t.equal(renewed.status, 200);
  t.not(((await renewed.json()) as JoinResponse).password, credentials.password);
  t.equal((await fetch(`${url}${RENEW_PATH}`, { method: 'POST', headers: { authorization: basic('wrong') } })).status, 401);
  t.equal((await fetch(`${url}${RENEW_PATH}`, { headers: { authorization: basic(credentials.password) } })).status, 405, 'POST only');
  t.equal((await fetch(`${url}${RENEW_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 401, 'not with the admin token');
});

t.test('list formatting: TTLs as kubeadm prints them, ids from whole tokens', async (t) => {
  const info = (expiresAt?: string) => ({ id: 'abcdef', description: '', createdAt: '', usageCount: 3, ...(expiresAt ? { expiresAt } : {}) });
  t.equal(tokenTtl(info(), NOW), '<forever>');
  t.equal(tokenTtl(info(new Date(NOW + 23 * 3_600_000).toISOString()), NOW), '23h');
  t.equal(tokenTtl(info(new Date(NOW).toISOString()), NOW), '<invalid>');
  t.same(tokenRows([info()], NOW), ['TOKEN-ID   TTL         EXPIRES   USES   DESCRIPTION', 'abcdef     <forever>   <never>   3      <none>']);
  t.equal(tokenIdOf('abcdef'), 'abcdef');
  t.equal(tokenIdOf('abcdef.0123456789abcdef'), 'abcdef');
  t.equal(tokenIdOf(`K10${CA_HASH}::abcdef.0123456789abcdef`), 'abcdef');
  t.throws(() => tokenIdOf('ABCDEF'), { code: 'SKIFF_ERR_CONFIG' });
});

t.test('skiff hub --node-credential-ttl: a duration of at least 3s, from the flag or the environment', async (t) => {
  t.equal(resolveHubOptions({ dataDir: '/d', nodeCredentialTtl: '6s' }, {}).nodeCredentialTtlMs, 6_000);
  t.equal(resolveHubOptions({ dataDir: '/d' }, { SKIFF_NODE_CREDENTIAL_TTL: '720h' }).nodeCredentialTtlMs, 720 * 3_600_000);
  t.equal(resolveHubOptions({ dataDir: '/d' }, {}).nodeCredentialTtlMs, undefined, 'unset: the hub’s default (30 days)');
  t.throws(() => resolveHubOptions({ dataDir: '/d', nodeCredentialTtl: '2s' }, {}), { message: 'invalid value "2s" for --node-credential-ttl: must be at least 3s' });
  t.throws(() => resolveHubOptions({ dataDir: '/d', nodeCredentialTtl: 'soon' }, {}), { code: 'SKIFF_ERR_CONFIG' });
});
