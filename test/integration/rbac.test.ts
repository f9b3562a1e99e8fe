/**
 * Users and RBAC on a real hub (issue #6): ServiceAccounts get tokens from the TokenRequest
 * endpoint, RoleBindings and ClusterRoleBindings to the built-in view / edit / admin roles decide
 * what the real CLI and raw HTTP may do, with kube-apiserver's exact 403 messages; `auth can-i`
 * answers as kubectl's; expired or orphaned tokens get 401; a joined node's own credentials reach
 * its own Pod's Secret and not another's; and the audit log records writes and denials without
 * a byte of Secret data.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { TestCluster } from '../helpers/cluster.js';
import { runCliInProcess } from '../helpers/in-process-cli.js';
import { run, SKIFF_BIN, type RunResult } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const RBAC = 'rbac.authorization.k8s.io';

/** The fields of an audit.k8s.io/v1 Event the assertions read. */
interface AuditLine {
  verb: string;
  user: { username?: string };
  objectRef?: { resource?: string; name?: string; subresource?: string };
  responseStatus: { code: number };
  annotations?: Record<string, string>;
}
const SECRET_VALUE = 'hunter2-do-not-log-me';

t.test('ServiceAccounts, RBAC, the Node authorizer and the audit log', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['a'] });
  const node = cluster.nodeName('a');

  const post = (path: string, body: unknown, authorization?: string): Promise<Response> => cluster.post(path, body, authorization);
  const create = (path: string, body: unknown): Promise<void> => cluster.create(path, body);
  async function serviceAccountToken(name: string, namespace = 'default'): Promise<string> {
    await create(`/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
    const res = await post(`/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    t.equal(res.status, 201, `TokenRequest for ${name}`);
    const review = (await res.json()) as { kind: string; status: { token: string; expirationTimestamp: string } };
    t.equal(review.kind, 'TokenRequest');
    const lifetime = Date.parse(review.status.expirationTimestamp) - Date.now();
    t.ok(lifetime > 59 * 60_000 && lifetime <= 3600_000, `a token lives 1h by default (${lifetime} ms)`);
    return review.status.token;
  }
  async function bind(kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, role: string, account: string, namespace = 'default'): Promise<void> {
    const path = kind === 'RoleBinding' ? `/apis/${RBAC}/v1/namespaces/${namespace}/rolebindings` : `/apis/${RBAC}/v1/clusterrolebindings`;
    await create(path, {
      apiVersion: `${RBAC}/v1`,
      kind,
      metadata: { name },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace: 'default' }],
    });
  }
  /**
   * The CLI with a client config that carries `token` instead of the admin's: in this process (a
   * Node start-up per question would be most of this file's time); `whoami` below runs the
   * executable itself.
   */
  function skiffAs(token: string, spawned = false): (args: string[], input?: string) => Promise<RunResult> {
    const file = join(cluster.dir, `config-${token.slice(-8)}`);
    const config = parse(readFileSync(cluster.configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, stringify({ ...config, token }), { mode: 0o600 });
    if (!spawned) return (args, input) => runCliInProcess(args, { config: file, ...(input !== undefined ? { stdin: input } : {}) });
    return (args, input) => run(process.execPath, [SKIFF_BIN, ...args], { ...(input !== undefined ? { input } : {}), env: { SKIFF_CONFIG: file } });
  }
  const forbidden = (user: string, verb: string, resource: string, where: string, name?: string): string => {
    const [plural, group = ''] = resource.split(/\.(.*)/s) as [string, string?];
    const subject = name ? `${resource} "${name}"` : resource;
    return `Error from server (Forbidden): ${subject} is forbidden: User "system:serviceaccount:default:${user}" cannot ${verb} resource "${plural}" in API group "${group}" ${where}\n`;
  };
  const inDefault = 'in the namespace "default"';

  await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
  await create('/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mine' }, stringData: { password: SECRET_VALUE } });
  await create('/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'theirs' }, stringData: { password: SECRET_VALUE } });
  const podOn = (name: string, nodeName: string, secret: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName,
      containers: [{ name: 'c', image: 'skiff-test/web:1', imagePullPolicy: 'Never', command: ['sleep', '3600'], env: [{ name: 'P', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } }] }],
    },
  });
  await create('/api/v1/namespaces/default/pods', podOn('uses-mine', node, 'mine'));
  await create('/api/v1/namespaces/default/pods', podOn('uses-theirs', `elsewhere-${cluster.id}`, 'theirs'));

  const viewer = await serviceAccountToken('viewer');
  const editor = await serviceAccountToken('editor');
  const nsAdmin = await serviceAccountToken('ns-admin');
  const clusterViewer = await serviceAccountToken('cluster-viewer');
  // The CLI's kubectl-style commands do the same as the raw calls above.
  const createdSa = await cluster.skiff(['create', 'serviceaccount', 'nobody']);
  t.equal(createdSa.stdout, 'serviceaccount/nobody created\n', createdSa.stderr);
  const tokenOut = await cluster.skiff(['create', 'token', 'nobody', '--duration', '2h']);
  t.equal(tokenOut.code, 0, tokenOut.stderr);
  const nobody = tokenOut.stdout.trim();
  t.match(nobody, /^skiff-sa\.\S+$/);
  await bind('RoleBinding', 'viewer-view', 'view', 'viewer');
  await bind('RoleBinding', 'editor-edit', 'edit', 'editor');
  await bind('RoleBinding', 'ns-admin-admin', 'admin', 'ns-admin');
  const createdCrb = await cluster.skiff(['create', 'clusterrolebinding', `cluster-viewer-${cluster.id}`, '--clusterrole', 'view', '--serviceaccount', 'default:cluster-viewer']);
  t.equal(createdCrb.stdout, `clusterrolebinding.rbac.authorization.k8s.io/cluster-viewer-${cluster.id} created\n`, createdCrb.stderr);

  await t.test('view in a namespace: read workloads there, no Secrets, nothing elsewhere', async (t) => {
    const skiff = skiffAs(viewer);
    const pods = await skiff(['get', 'pods']);
    t.equal(pods.code, 0, pods.stderr);
    t.match(pods.stdout, /uses-mine/);
    const secrets = await skiff(['get', 'secrets']);
    t.equal(secrets.code, 1);
    t.equal(secrets.stderr, forbidden('viewer', 'list', 'secrets', inDefault));
    const secret = await skiff(['get', 'secret', 'mine']);
    t.equal(secret.stderr, forbidden('viewer', 'get', 'secrets', inDefault, 'mine'));
    const dev = await skiff(['get', 'pods', '-n', 'dev']);
    t.equal(dev.stderr, forbidden('viewer', 'list', 'pods', 'in the namespace "dev"'));
    const nodes = await skiff(['get', 'nodes']);
    t.equal(nodes.stderr, forbidden('viewer', 'list', 'nodes', 'at the cluster scope'));
    const write = await skiff(['delete', 'pod', 'uses-mine']);
    t.equal(write.stderr, forbidden('viewer', 'delete', 'pods', inDefault, 'uses-mine'));
  });

  await t.test('a 403 over raw HTTP is a Forbidden Status with details', async (t) => {
    const res = await cluster.fetch('/apis/apps/v1/namespaces/default/deployments/web', { headers: { authorization: `Bearer ${viewer}` }, method: 'DELETE' });
    t.equal(res.status, 403);
    t.same(await res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'deployments.apps "web" is forbidden: User "system:serviceaccount:default:viewer" cannot delete resource "deployments" in API group "apps" in the namespace "default"',
      reason: 'Forbidden',
      code: 403,
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
    const metrics = await cluster.fetch('/metrics', { headers: { authorization: `Bearer ${viewer}` } });
    t.equal(metrics.status, 403);
    t.equal(((await metrics.json()) as { message: string }).message, 'forbidden: User "system:serviceaccount:default:viewer" cannot get path "/metrics"');
  });

  await t.test('edit writes namespaced objects and Secrets, not roles or bindings', async (t) => {
    const skiff = skiffAs(editor);
    const manifest = stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } });
    const apply = await skiff(['apply', '-f', '-'], manifest);
    t.equal(apply.code, 0, apply.stderr);
    t.equal(apply.stdout, 'configmap/settings created\n');
    const secret = await skiff(['get', 'secret', 'mine', '-o', 'json']);
    t.equal(secret.code, 0, secret.stderr);
    const bindings = await skiff(['get', 'rolebindings']);
    t.equal(bindings.stderr, forbidden('editor', 'list', 'rolebindings.rbac.authorization.k8s.io', inDefault));
  });

  await t.test('admin also manages Roles and RoleBindings in its namespace, and nothing cluster-wide', async (t) => {
    const skiff = skiffAs(nsAdmin);
    const role = stringify({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] });
    const apply = await skiff(['apply', '-f', '-'], role);
    t.equal(apply.code, 0, apply.stderr);
    const bindings = await skiff(['get', 'rolebindings']);
    t.equal(bindings.code, 0, bindings.stderr);
    t.match(bindings.stdout, /^NAME\s+ROLE\s+AGE\n/);
    t.match(bindings.stdout, /\nviewer-view\s+ClusterRole\/view\s+\S+\n/);
    const crb = await skiff(['get', 'clusterrolebindings']);
    t.equal(crb.code, 1);
    t.match(crb.stderr, /clusterrolebindings.rbac.authorization.k8s.io is forbidden: .* cannot list resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope/);
  });

  await t.test('a namespace admin grants only what it holds, or what it may bind', async (t) => {
    const asAdmin = `Bearer ${nsAdmin}`;
    const bindingOf = (name: string, role: string) => ({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: 'escalation-target', namespace: 'default' }],
    });
    const bindings = `/apis/${RBAC}/v1/namespaces/default/rolebindings`;
    const refused = await post(bindings, bindingOf('target-cluster-admin', 'cluster-admin'), asAdmin);
    t.equal(refused.status, 403);
    t.match(await refused.json(), {
      kind: 'Status',
      reason: 'Forbidden',
      code: 403,
      message:
        `rolebindings.${RBAC} "target-cluster-admin" is forbidden: user "system:serviceaccount:default:ns-admin" ` +
        '(groups=["system:serviceaccounts" "system:serviceaccounts:default" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
    });
    t.equal((await post(bindings, bindingOf('target-view', 'view'), asAdmin)).status, 201, 'admin holds everything view grants');
    const role = await post(
      `/apis/${RBAC}/v1/namespaces/default/roles`,
      { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'node-reader' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] },
      asAdmin,
    );
    t.equal(role.status, 403);
    t.match(((await role.json()) as { message: string }).message, /^roles\.rbac\.authorization\.k8s\.io "node-reader" is forbidden: .*\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["get"\]\}$/);

    // Granted `bind` on the ClusterRole cluster-admin by name, it may bind that role.
    await create(`/apis/${RBAC}/v1/clusterroles`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: `bind-cluster-admin-${cluster.id}` },
      rules: [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['cluster-admin'] }],
    });
    await bind('RoleBinding', 'ns-admin-bind', `bind-cluster-admin-${cluster.id}`, 'ns-admin');
    const allowed = await post(bindings, bindingOf('target-cluster-admin', 'cluster-admin'), asAdmin);
    t.equal(allowed.status, 201, await allowed.text());
  });

  await t.test('every namespace has a default ServiceAccount, recreated when deleted', async (t) => {
    const defaultIn = (namespace: string) => cluster.fetch(`/api/v1/namespaces/${namespace}/serviceaccounts/default`);
    const first = await waitFor('the default ServiceAccount of dev', async () => {
      const res = await defaultIn('dev');
      return res.status === 200 ? ((await res.json()) as { metadata: { uid: string } }) : undefined;
    });
    t.equal((await defaultIn('kube-system')).status, 200, 'built-in namespaces too');
    t.equal((await cluster.fetch('/api/v1/namespaces/dev/serviceaccounts/default', { method: 'DELETE' })).status, 200);
    const again = await waitFor('the default ServiceAccount of dev, back', async () => {
      const res = await defaultIn('dev');
      const body = res.status === 200 ? ((await res.json()) as { metadata: { uid: string } }) : undefined;
      return body && body.metadata.uid !== first.metadata.uid ? body : undefined;
    });
    t.not(again.metadata.uid, first.metadata.uid);
  });

  await t.test('view bound cluster-wide reads every namespace but not nodes', async (t) => {
    const skiff = skiffAs(clusterViewer);
    const all = await skiff(['get', 'pods', '-A']);
    t.equal(all.code, 0, all.stderr);
    const namespaces = await skiff(['get', 'namespaces']);
    t.equal(namespaces.code, 0, namespaces.stderr);
    const nodes = await skiff(['get', 'nodes']);
    t.equal(nodes.stderr, forbidden('cluster-viewer', 'list', 'nodes', 'at the cluster scope'));
  });

  await t.test('auth can-i and whoami', async (t) => {
    const table: Array<[string, string[], string]> = [
      [viewer, ['list', 'pods'], 'yes'],
      [viewer, ['get', 'secrets'], 'no'],
      [viewer, ['list', 'pods', '-n', 'dev'], 'no'],
      [viewer, ['list', 'pods', '-A'], 'no'],
      [editor, ['create', 'deployments'], 'yes'],
      [editor, ['create', 'deployments.apps', '-n', 'dev'], 'no'],
      [editor, ['create', 'pods', '--subresource', 'eviction'], 'yes'],
      [nsAdmin, ['create', 'rolebindings'], 'yes'],
      [clusterViewer, ['list', 'pods', '-A'], 'yes'],
      [clusterViewer, ['get', 'nodes'], 'no'],
      [nobody, ['get', '/version'], 'yes'],
      [nobody, ['get', '/metrics'], 'no'],
      [cluster.adminToken, ['delete', 'nodes'], 'yes'],
    ];
    // Independent questions: asked side by side.
    const results = await Promise.all(table.map(([token, args]) => skiffAs(token)(['auth', 'can-i', ...args])));
    table.forEach(([, args, answer], i) => {
      const result = results[i]!;
      t.equal(`${result.stdout.trim()} ${result.code}`, `${answer} ${answer === 'yes' ? 0 : 1}`, `can-i ${args.join(' ')}: ${result.stderr}`);
    });
    const whoami = await skiffAs(viewer, true)(['auth', 'whoami']);
    t.equal(whoami.code, 0, whoami.stderr);
    t.match(whoami.stdout, /^ATTRIBUTE\s+VALUE\nUsername\s+system:serviceaccount:default:viewer\nUID\s+\S+\nGroups\s+\[system:serviceaccounts system:serviceaccounts:default system:authenticated\]\n$/);
  });

  await t.test('bad, orphaned and refused tokens get 401', async (t) => {
    const garbage = await skiffAs('skiff-sa.not-a-real-token')(['get', 'pods']);
    t.equal(garbage.code, 1);
    t.equal(garbage.stderr, 'error: You must be logged in to the server (Unauthorized)\n');
    const doomed = await serviceAccountToken('doomed');
    await bind('RoleBinding', 'doomed-view', 'view', 'doomed');
    t.equal((await skiffAs(doomed)(['get', 'pods'])).code, 0);
    const deleted = await cluster.fetch('/api/v1/namespaces/default/serviceaccounts/doomed', { method: 'DELETE' });
    t.equal(deleted.status, 200);
    const after = await cluster.fetch('/api/v1/namespaces/default/pods', { headers: { authorization: `Bearer ${doomed}` } });
    t.equal(after.status, 401);
    t.match(await after.json(), { kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
    const short = await post('/api/v1/namespaces/default/serviceaccounts/viewer/token', { spec: { expirationSeconds: 60 } });
    t.equal(short.status, 422);
    t.match(await short.json(), { message: /spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/ });
  });

  await t.test("a node's credentials reach its own Pod's Secret, not another node's", async (t) => {
    const credentials = JSON.parse(readFileSync(join(cluster.dir, 'agent-a', 'credentials.json'), 'utf8')) as { username: string; password: string };
    const basic = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    const get = (path: string) => cluster.fetch(path, { headers: { authorization: basic } });
    t.equal((await get('/api/v1/namespaces/default/secrets/mine')).status, 200);
    t.equal((await get(`/api/v1/nodes/${node}`)).status, 200);
    t.equal((await get('/api/v1/namespaces/default/pods/uses-mine')).status, 200);
    const theirs = await get('/api/v1/namespaces/default/secrets/theirs');
    t.equal(theirs.status, 403);
    t.equal(
      ((await theirs.json()) as { message: string }).message,
      `secrets "theirs" is forbidden: User "system:node:${node}" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '${node}' and this object`,
    );
    t.equal((await get('/api/v1/namespaces/default/secrets')).status, 403, 'no listing of Secrets');
    t.equal((await get('/api/v1/namespaces/default/pods/uses-theirs')).status, 403);
    t.equal((await get(`/api/v1/nodes/elsewhere-${cluster.id}`)).status, 403);
    const wrong = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}x`).toString('base64')}`;
    t.equal((await cluster.fetch(`/api/v1/nodes/${node}`, { headers: { authorization: wrong } })).status, 401);
  });

  await t.test('built-in roles exist and print with kubectl columns', async (t) => {
    const roles = await cluster.skiff(['get', 'clusterroles', 'view', 'edit', 'admin', 'cluster-admin']);
    t.equal(roles.code, 0, roles.stderr);
    t.match(roles.stdout, /^NAME\s+CREATED AT\nview\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/);
    const crb = await cluster.skiff(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'wide']);
    t.match(crb.stdout, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\ncluster-admin\s+ClusterRole\/cluster-admin\s+\S+\s+system:masters\n$/);
    const sa = await cluster.skiff(['get', 'sa', 'viewer']);
    t.match(sa.stdout, /^NAME\s+SECRETS\s+AGE\nviewer\s+0\s+\S+\n$/);
  });

  await t.test('the audit log records writes and denials, never Secret values', async (t) => {
    const file = join(cluster.hubDataDir, 'audit.log');
    const events = await waitFor('the audit lines of the denials', async () => {
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as AuditLine);
      return lines.some((e) => e.responseStatus.code === 401) ? lines : undefined;
    });
    const text = readFileSync(file, 'utf8');
    t.notOk(text.includes(SECRET_VALUE), 'no plaintext Secret value');
    t.notOk(text.includes(Buffer.from(SECRET_VALUE).toString('base64')), 'no base64 Secret value');
    t.notOk(text.includes(viewer), 'no bearer token');
    for (const e of events) t.match(e, { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', stage: 'ResponseComplete', auditID: /^[0-9a-f-]{36}$/, requestReceivedTimestamp: String });
    const secretCreate = events.find((e) => e.verb === 'create' && e.objectRef?.resource === 'secrets' && e.objectRef?.name === undefined);
    t.match(secretCreate, { user: { username: 'admin' }, objectRef: { namespace: 'default', apiVersion: 'v1' }, responseStatus: { code: 201 } });
    t.ok(
      events.some((e) => e.verb === 'create' && e.objectRef?.resource === 'configmaps' && e.user.username === 'system:serviceaccount:default:editor' && e.responseStatus.code === 201),
      'the editor created a ConfigMap',
    );
    t.ok(
      events.some((e) => e.verb === 'list' && e.objectRef?.resource === 'secrets' && e.responseStatus.code === 403 && e.annotations?.['authorization.k8s.io/decision'] === 'forbid'),
      "the viewer's denied list of Secrets",
    );
    t.ok(events.some((e) => e.verb === 'create' && e.objectRef?.subresource === 'token' && e.responseStatus.code === 201), 'token requests');
    t.notOk(events.some((e) => e.verb === 'get' && e.responseStatus.code === 200), 'allowed reads are not recorded');
  });
});
