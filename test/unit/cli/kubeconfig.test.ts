/**
 * The kubeconfig Skiff hands to kubectl (hub/kubeconfig.ts): printed by `skiff config kubeconfig`
 * for the current client config, and written by the hub beside admin.config, with the same server,
 * CA and token as the `skiff` CLI uses.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { writeAdminConfig } from '../../../hub/identity/bootstrap.js';
import { HUB_FILES } from '../../../shared/defaults.js';
import { buildKubeconfig, kubeconfigYaml } from '../../../hub/kubeconfig.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const base64 = (text: string): string => Buffer.from(text).toString('base64');

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('one cluster, user and context, all named alike, and that context current', async (t) => {
  t.same(buildKubeconfig({ server: 'https://10.0.0.2:7443', token: 'tok', caPem: CA_PEM }), {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'skiff', cluster: { server: 'https://10.0.0.2:7443', 'certificate-authority-data': base64(CA_PEM) } }],
    users: [{ name: 'skiff', user: { token: 'tok' } }],
    contexts: [{ name: 'skiff', context: { cluster: 'skiff', user: 'skiff' } }],
    'current-context': 'skiff',
    preferences: {},
  });
  const named = buildKubeconfig({ server: 'https://h:1', token: 'tok' }, 'edge');
  t.same([named.clusters[0]?.name, named.users[0]?.name, named.contexts[0]?.name, named['current-context']], ['edge', 'edge', 'edge', 'edge']);
});

t.test('a plain-HTTP hub has no CA; an insecure connection says so and carries no CA (client-go refuses both)', async (t) => {
  t.same(buildKubeconfig({ server: 'http://h:1', token: 'tok' }).clusters[0]?.cluster, { server: 'http://h:1' });
  t.same(buildKubeconfig({ server: 'https://h:1', token: 'tok', caPem: CA_PEM, insecureSkipTlsVerify: true }).clusters[0]?.cluster, {
    server: 'https://h:1',
    'insecure-skip-tls-verify': true,
  });
});

t.test('as YAML it reads back the same', async (t) => {
  const config = buildKubeconfig({ server: 'https://h:1', token: 'tok', caPem: CA_PEM });
  t.same(parseYaml(kubeconfigYaml(config)), config);
});

t.test('`skiff config kubeconfig` prints the current client config as a kubeconfig, and nothing else', async (t) => {
  const dir = tempDir();
  const configFile = join(dir, 'admin.config');
  writeFileSync(configFile, `apiVersion: skiff/v1\nkind: ClientConfig\nserver: https://127.0.0.1:7443\ncertificateAuthorityData: ${base64(CA_PEM)}\ntoken: admin-tok\n`);

  const printed = await runCliInProcess(['config', 'kubeconfig'], { config: configFile });
  t.same([printed.code, printed.stderr], [0, '']);
  t.same(parseYaml(printed.stdout), buildKubeconfig({ server: 'https://127.0.0.1:7443', token: 'admin-tok', caPem: CA_PEM }));

  const overridden = await runCliInProcess(['--token', 'other-tok', 'config', 'kubeconfig', '--name', 'edge'], { config: configFile });
  t.same(parseYaml(overridden.stdout), buildKubeconfig({ server: 'https://127.0.0.1:7443', token: 'other-tok', caPem: CA_PEM }, 'edge'), '--token and --name');

  const flagsOnly = await runCliInProcess(['--server', 'http://10.1.1.1:7080', '--token', 't', 'config', 'kubeconfig']);
  t.same(parseYaml(flagsOnly.stdout), buildKubeconfig({ server: 'http://10.1.1.1:7080', token: 't' }), 'no file needed when --server and --token are given');
});

t.test('`skiff config kubeconfig` without a client config fails as every command does', async (t) => {
  const result = await runCliInProcess(['config', 'kubeconfig']);
  t.equal(result.code, 1);
  t.equal(result.stdout, '');
  t.match(result.stderr, /cannot read client config .*: no such file/);
});

t.test('the hub writes DATA/kubeconfig beside admin.config: same server, CA and token, mode 0600', async (t) => {
  const dir = tempDir();
  writeAdminConfig(dir, 'https://127.0.0.1:7443', 'admin-tok', CA_PEM);
  const file = join(dir, HUB_FILES.kubeconfig);
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.same(parseYaml(readFileSync(file, 'utf8')), buildKubeconfig({ server: 'https://127.0.0.1:7443', token: 'admin-tok', caPem: CA_PEM }));

  writeAdminConfig(dir, 'http://127.0.0.1:7080', 'admin-tok');
  t.same(parseYaml(readFileSync(file, 'utf8')), buildKubeconfig({ server: 'http://127.0.0.1:7080', token: 'admin-tok' }), 'rewritten for the current URL at each start');
});
