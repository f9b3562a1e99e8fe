/**
 * Aggregated ClusterRoles and LocalSubjectAccessReviews on a real hub (issue #6): a ClusterRole
 * with an aggregationRule gathers the rules of ClusterRoles labelled to match, as
 * kube-controller-manager's clusterrole-aggregation controller, so that a user bound to it gains
 * what a labelled role adds (`skiff auth can-i` turns from no to yes); the built-in view, edit and
 * admin gather `aggregate-to-view` roles the same way; and a namespace admin may ask what someone
 * else may do there with a LocalSubjectAccessReview, validated as kube-apiserver does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { TestCluster } from '../helpers/cluster.js';
import { run, SKIFF_BIN, type RunResult } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const RBAC = 'rbac.authorization.k8s.io';
const LSAR_PATH = '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews';

interface ClusterRoleBody {
  rules?: Array<{ apiGroups?: string[]; resources?: string[]; verbs?: string[] }>;
}

t.test('aggregated ClusterRoles and LocalSubjectAccessReviews', async (t) => {
  const cluster = await TestCluster.start(t);

  const post = (path: string, body: unknown, authorization?: string): Promise<Response> => cluster.post(path, body, authorization);
  const create = (path: string, body: unknown): Promise<void> => cluster.create(path, body);
  async function serviceAccountToken(name: string): Promise<string> {
    await create('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
    const res = await post(`/api/v1/namespaces/default/serviceaccounts/${name}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    if (res.status !== 201) throw new Error(`TokenRequest for ${name}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { status: { token: string } }).status.token;
  }
  /** The real CLI with a client config that carries `token` instead of the admin's. */
  function skiffAs(token: string): (args: string[]) => Promise<RunResult> {
    const file = join(cluster.dir, `config-${token.slice(-8)}`);
    const config = parse(readFileSync(cluster.configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, stringify({ ...config, token }), { mode: 0o600 });
    return (args) => run(process.execPath, [SKIFF_BIN, ...args], { env: { SKIFF_CONFIG: file } });
  }
  const canI = async (token: string, args: string[]): Promise<string> => {
    const result = await skiffAs(token)(['auth', 'can-i', ...args]);
    return `${result.stdout.trim()} ${result.code}`;
  };
  const rulesOf = async (name: string): Promise<ClusterRoleBody['rules']> => (await cluster.api<ClusterRoleBody>(`/apis/${RBAC}/v1/clusterroles/${name}`)).rules ?? [];
  const grantsResource = (rules: ClusterRoleBody['rules'], resource: string): boolean => (rules ?? []).some((rule) => rule.resources?.includes(resource));

  const label = `example.com/aggregate-to-monitoring-${cluster.id}`;
  const monitoring = `monitoring-${cluster.id}`;
  await create(`/apis/${RBAC}/v1/clusterroles`, {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name: monitoring },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [label]: 'true' } }] },
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
  });
  const watcher = await serviceAccountToken('watcher');
  await create(`/apis/${RBAC}/v1/clusterrolebindings`, {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: `watcher-${cluster.id}` },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: monitoring },
    subjects: [{ kind: 'ServiceAccount', name: 'watcher', namespace: 'default' }],
  });

  await t.test('an aggregated role gathers what labelled roles add, and its users gain it', async (t) => {
    await waitFor('the aggregated role to drop its own rules', async () => (await rulesOf(monitoring))?.length === 0);
    t.equal(await canI(watcher, ['get', 'secrets']), 'no 1', 'its own rules were overwritten');
    t.equal(await canI(watcher, ['list', 'configmaps', '-A']), 'no 1', 'nothing gathered yet');

    const applied = await cluster.skiff(['apply', '-f', '-'], {
      input: stringify({
        apiVersion: `${RBAC}/v1`,
        kind: 'ClusterRole',
        metadata: { name: `configmap-reader-${cluster.id}`, labels: { [label]: 'true' } },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
      }),
    });
    t.equal(applied.code, 0, applied.stderr);
    const rules = await waitFor('the labelled role\'s rules in the aggregated role', async () => {
      const current = await rulesOf(monitoring);
      return grantsResource(current, 'configmaps') ? current : undefined;
    });
    t.same(rules, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }]);
    t.equal(await canI(watcher, ['list', 'configmaps', '-A']), 'yes 0', 'the bound user gained the permission');

    const deleted = await cluster.skiff(['delete', 'clusterrole', `configmap-reader-${cluster.id}`]);
    t.equal(deleted.code, 0, deleted.stderr);
    await waitFor('the deleted role\'s rules to leave the aggregated role', async () => (await rulesOf(monitoring))?.length === 0);
    t.equal(await canI(watcher, ['list', 'configmaps', '-A']), 'no 1', 'and lost it with the labelled role');
  });

  await t.test('the built-in view, edit and admin gather aggregate-to-view roles', async (t) => {
    await create(`/apis/${RBAC}/v1/clusterroles`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: `widgets-view-${cluster.id}`, labels: { [`${RBAC}/aggregate-to-view`]: 'true' } },
      rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'watch'] }],
    });
    for (const name of ['view', 'edit', 'admin']) {
      await waitFor(`${name} to gain the widgets rule`, async () => grantsResource(await rulesOf(name), 'widgets'));
      t.pass(`${name} gained it`);
    }
    t.notOk(grantsResource(await rulesOf('view'), 'secrets'), 'view still reads no Secrets');
  });

  await t.test('LocalSubjectAccessReview: namespace admins ask about others, as kube-apiserver answers', async (t) => {
    const owner = await serviceAccountToken('owner');
    await create(`/apis/${RBAC}/v1/namespaces/default/rolebindings`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'owner-admin' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'owner', namespace: 'default' }],
    });
    const review = (resourceAttributes: object, user = 'system:serviceaccount:default:owner'): object => ({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'LocalSubjectAccessReview',
      spec: { user, groups: ['system:serviceaccounts', 'system:authenticated'], resourceAttributes },
    });
    const asOwner = `Bearer ${owner}`;

    const allowed = await post(LSAR_PATH, review({ namespace: 'default', verb: 'create', resource: 'rolebindings', group: RBAC }), asOwner);
    t.equal(allowed.status, 201);
    t.match(await allowed.json(), { kind: 'LocalSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { namespace: 'default' }, status: { allowed: true } });
    const denied = await post(LSAR_PATH, review({ namespace: 'default', verb: 'delete', resource: 'nodes' }, 'system:serviceaccount:default:watcher'), asOwner);
    t.equal(denied.status, 201);
    t.match(await denied.json(), { status: { allowed: false } }, 'watcher may not delete nodes');

    const elsewhere = await post(LSAR_PATH, review({ namespace: 'kube-system', verb: 'get', resource: 'pods' }), asOwner);
    t.equal(elsewhere.status, 422);
    t.match(await elsewhere.json(), {
      kind: 'Status',
      reason: 'Invalid',
      message: 'LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "kube-system": must match metadata.namespace',
    });
    const otherBodyNamespace = await post(LSAR_PATH, { ...review({ namespace: 'default', verb: 'get', resource: 'pods' }), metadata: { namespace: 'kube-system' } }, asOwner);
    t.equal(otherBodyNamespace.status, 400);

    const notAllowed = await post(LSAR_PATH, review({ namespace: 'default', verb: 'get', resource: 'pods' }), `Bearer ${watcher}`);
    t.equal(notAllowed.status, 403, 'creating one takes create on localsubjectaccessreviews in the namespace');
    t.match(await notAllowed.json(), {
      message: 'localsubjectaccessreviews.authorization.k8s.io is forbidden: User "system:serviceaccount:default:watcher" cannot create resource "localsubjectaccessreviews" in API group "authorization.k8s.io" in the namespace "default"',
    });
  });
});
