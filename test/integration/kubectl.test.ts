/**
 * The real kubectl (v1.32, /usr/bin/kubectl, never faked) against a real hub (issue #12, first
 * slice): with the kubeconfig `skiff config kubeconfig` prints (the same the hub writes beside
 * admin.config), kubectl discovers every kind the hub serves, lists and gets each of them with
 * its own columns, applies manifests that create objects, and RBAC applies to it as to skiff.
 * Assertions are on kubectl's own output. No agent: the Pods stay Pending, which is enough to list them.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { KUBE_COMPAT_VERSION } from '../../shared/defaults.js';
import { RESOURCES, groupResource } from '../../shared/api/resources.js';
import { TestCluster } from '../helpers/cluster.js';
import { run, type RunResult } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';
import { waitFor } from '../helpers/wait.js';

const KUBECTL = '/usr/bin/kubectl';
const example = (name: string): string => join(repoRoot(), 'docs', 'examples', name);

/** Rows of a kubectl table, each split on whitespace (no cell of these tables has a space). */
function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
}

const cluster = await TestCluster.start(t);

/** kubectl with `kubeconfig`; HOME is a fresh directory, so no discovery cache of another run is read. */
function kubectlWith(kubeconfig: string): (args: string[]) => Promise<RunResult> {
  const home = join(cluster.dir, `kube-home-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(home);
  return (args) => run(KUBECTL, args, { env: { KUBECONFIG: kubeconfig, HOME: home } });
}

const printed = await cluster.skiff(['config', 'kubeconfig']);
const kubeconfigFile = join(cluster.dir, 'kubeconfig.yaml');
writeFileSync(kubeconfigFile, printed.stdout, { mode: 0o600 });
const kubectl = kubectlWith(kubeconfigFile);

t.test('`skiff config kubeconfig` prints what the hub wrote beside admin.config', async (t) => {
  t.same([printed.code, printed.stderr], [0, '']);
  const written = join(cluster.hubDataDir, 'kubeconfig');
  t.equal(statSync(written).mode & 0o777, 0o600, 'DATA/kubeconfig holds the admin token: 0600');
  t.same(parseYaml(printed.stdout), parseYaml(readFileSync(written, 'utf8')));
  const config = parseYaml(printed.stdout) as { clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }> };
  t.equal(config.clusters[0]?.cluster.server, cluster.apiUrl);
  t.equal(Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString('utf8'), cluster.caPem, "the hub's CA: kubectl verifies the hub as skiff does");
});

t.test('kubectl version shows the server', async (t) => {
  const result = await kubectl(['version']);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, new RegExp(`^Server Version: ${KUBE_COMPAT_VERSION.replace(/\./g, '\\.')}$`, 'm'));
});

t.test('kubectl api-resources lists every kind the hub serves, with its short names', async (t) => {
  const result = await kubectl(['api-resources']);
  t.equal(result.code, 0, result.stderr);
  const table = rows(result.stdout);
  t.same(table[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
  t.same(table.find((r) => r[0] === 'pods'), ['pods', 'po', 'v1', 'true', 'Pod']);
  t.same(table.find((r) => r[0] === 'deployments'), ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment']);
  for (const rt of RESOURCES) t.ok(table.some((r) => r[0] === rt.plural && r.at(-1) === rt.kind), `${rt.plural} (${rt.kind})`);
});

t.test('kubectl apply creates a Deployment and a Service from the documentation examples', async (t) => {
  const deployment = await kubectl(['apply', '-f', example('nginx-deployment.yaml')]);
  t.same([deployment.code, deployment.stdout, deployment.stderr], [0, 'deployment.apps/nginx-deployment created\n', '']);
  const service = await kubectl(['apply', '-f', example('nginx-service.yaml')]);
  t.same([service.code, service.stdout, service.stderr], [0, 'service/my-service created\n', '']);
  const again = await kubectl(['apply', '-f', example('nginx-deployment.yaml')]);
  t.same([again.code, again.stdout], [0, 'deployment.apps/nginx-deployment unchanged\n'], 'applying the same manifest again changes nothing');
});

t.test('kubectl get deploy shows the columns kubectl shows on Kubernetes', async (t) => {
  const result = await kubectl(['get', 'deploy']);
  t.equal(result.code, 0, result.stderr);
  const table = rows(result.stdout);
  t.same(table[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
  t.match(table[1], ['nginx-deployment', /^\d\/3$/, /^\d$/, /^\d$/, /^\d+s$/]);
});

t.test('kubectl get pods -l app=nginx lists the Pods of the Deployment', async (t) => {
  const table = await waitFor('three nginx Pods', async () => {
    const result = await kubectl(['get', 'pods', '-l', 'app=nginx']);
    const table = rows(result.stdout);
    return result.code === 0 && table.length === 4 ? table : undefined;
  });
  t.same(table[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  for (const row of table.slice(1)) t.match(row, [/^nginx-deployment-[a-z0-9]+-[a-z0-9]{5}$/, '0/1', 'Pending', '0', /^\d+s$/]);
  const none = await kubectl(['get', 'pods', '-l', 'app=other']);
  t.same([none.code, none.stdout, none.stderr], [0, '', 'No resources found in default namespace.\n']);
});

t.test('kubectl get svc, get ing and get ns', async (t) => {
  const services = await kubectl(['get', 'svc']);
  t.equal(services.code, 0, services.stderr);
  const svcTable = rows(services.stdout);
  t.same(svcTable[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  t.match(svcTable.find((r) => r[0] === 'my-service'), ['my-service', 'NodePort', /^\d+\.\d+\.\d+\.\d+$/, '<none>', '80:30007/TCP', /^\d+s$/]);

  // Ingress, applied with kubectl from the example as written (a TLS Secret, two Services, one Ingress).
  const applied = await kubectl(['apply', '-f', example('ingress.yaml')]);
  t.equal(applied.code, 0, applied.stderr);
  t.match(applied.stdout, /ingress\.networking\.k8s\.io\/example created/);
  const ingresses = await kubectl(['get', 'ing']);
  t.equal(ingresses.code, 0, ingresses.stderr);
  const ingTable = rows(ingresses.stdout);
  t.same(ingTable[0], ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
  // Split on blanks: no ingress node, so ADDRESS is empty; PORTS is "80, 443".
  t.match(ingTable.find((r) => r[0] === 'example'), ['example', '<none>', 'shop.example.com,blog.example.com', '80,', '443', /^\d+s$/]);

  const namespaces = await kubectl(['get', 'ns']);
  t.equal(namespaces.code, 0, namespaces.stderr);
  const nsTable = rows(namespaces.stdout);
  t.same(nsTable[0], ['NAME', 'STATUS', 'AGE']);
  t.match(nsTable.find((r) => r[0] === 'default'), ['default', 'Active', /^\d+[smh]/]);
});

t.test('kubectl lists every kind the hub serves, and gets one by name', async (t) => {
  const result = await kubectl(['get', RESOURCES.map(groupResource).join(','), '--all-namespaces']);
  t.equal(result.code, 0, result.stderr);
  t.notMatch(result.stderr, /error/i);
  t.match(result.stdout, /^default\s+deployment\.apps\/nginx-deployment\s/m);
  t.match(result.stdout, /^default\s+service\/my-service\s+NodePort\s/m);

  const one = await kubectl(['get', 'deployment.apps', 'nginx-deployment', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
  t.same([one.code, one.stdout], [0, 'nginx:1.14.2']);
  const all = await kubectl(['get', 'all']);
  t.equal(all.code, 0, all.stderr);
  t.match(all.stdout, /^deployment\.apps\/nginx-deployment\s/m, '`get all` reads the category from discovery');
  t.match(all.stdout, /^service\/my-service\s/m);
});

t.test('--dry-run=server answers as the write would, and nothing is written', async (t) => {
  const manifest = join(cluster.dir, 'dry-run-configmap.yaml');
  writeFileSync(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\ndata:\n  a: b\n');
  const applied = await kubectl(['apply', '--dry-run=server', '-f', manifest]);
  t.same([applied.code, applied.stdout], [0, 'configmap/dry created (server dry run)\n'], applied.stderr);
  const missing = await kubectl(['get', 'configmap', 'dry']);
  t.match(missing.stderr, /Error from server \(NotFound\): configmaps "dry" not found/);

  const deleted = await kubectl(['delete', 'deployment', 'nginx-deployment', '--dry-run=server']);
  t.same([deleted.code, deleted.stdout], [0, 'deployment.apps "nginx-deployment" deleted (server dry run)\n'], deleted.stderr);
  const still = await kubectl(['get', 'deployment', 'nginx-deployment', '-o', 'name']);
  t.same([still.code, still.stdout], [0, 'deployment.apps/nginx-deployment\n']);
});

t.test('an unknown resource gets the error kubectl gives on Kubernetes', async (t) => {
  const result = await kubectl(['get', 'gizmos']);
  t.equal(result.code, 1);
  t.equal(result.stdout, '');
  t.match(result.stderr, /^error: the server doesn't have a resource type "gizmos"$/m);
});

t.test('RBAC applies to kubectl as to skiff: a ServiceAccount with `view` reads but gets no Secrets', async (t) => {
  for (const args of [
    ['create', 'serviceaccount', 'viewer'],
    ['create', 'rolebinding', 'viewer-view', '--clusterrole=view', '--serviceaccount', 'default:viewer'],
  ]) {
    const created = await cluster.skiff(args);
    t.equal(created.code, 0, created.stderr);
  }
  const token = await cluster.skiff(['create', 'token', 'viewer']);
  t.equal(token.code, 0, token.stderr);
  const viewerConfig = await cluster.skiff(['--token', token.stdout.trim(), 'config', 'kubeconfig', '--name', 'viewer']);
  const file = join(cluster.dir, 'viewer.kubeconfig');
  writeFileSync(file, viewerConfig.stdout, { mode: 0o600 });
  const asViewer = kubectlWith(file);

  const discovered = await asViewer(['api-resources']);
  t.equal(discovered.code, 0, `discovery is every authenticated user's: ${discovered.stderr}`);
  const deployments = await asViewer(['get', 'deploy']);
  t.equal(deployments.code, 0, deployments.stderr);
  t.match(deployments.stdout, /^nginx-deployment\s/m);
  const secrets = await asViewer(['get', 'secrets']);
  t.equal(secrets.code, 1);
  t.match(secrets.stderr, /Error from server \(Forbidden\): secrets is forbidden: User "system:serviceaccount:default:viewer" cannot list resource "secrets" in API group "" in the namespace "default"/);
});

t.test('every PATCH kubectl sends: apply of a change, label, annotate, patch in three types, edit, rollout restart', async (t) => {
  const manifest = join(cluster.dir, 'patched.yaml');
  const deployment = (replicas: number, image: string, extraEnv = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: patched
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: patched
  template:
    metadata:
      labels:
        app: patched
    spec:
      containers:
      - name: web
        image: ${image}
        env:
        - name: MODE
          value: edge${extraEnv}
`;
  const jsonpath = async (path: string): Promise<string> => (await kubectl(['get', 'deployment', 'patched', '-o', `jsonpath=${path}`])).stdout;
  writeFileSync(manifest, deployment(1, 'web:1', '\n        - name: EXTRA\n          value: "1"'));
  t.same((await kubectl(['apply', '-f', manifest])).stdout, 'deployment.apps/patched created\n');
  writeFileSync(manifest, deployment(2, 'web:2'));
  const changed = await kubectl(['apply', '-f', manifest]);
  t.same([changed.code, changed.stdout], [0, 'deployment.apps/patched configured\n'], changed.stderr);
  t.equal(await jsonpath('{.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[*].name}'), '2 web:2 MODE', 'a strategic merge patch: the env entry removed from the manifest is gone, the other kept by name');

  const labelled = await kubectl(['label', 'deployment', 'patched', 'tier=edge']);
  t.same([labelled.code, labelled.stdout], [0, 'deployment.apps/patched labeled\n'], labelled.stderr);
  const annotated = await kubectl(['annotate', 'deployment', 'patched', 'owner=ops']);
  t.same([annotated.code, annotated.stdout], [0, 'deployment.apps/patched annotated\n'], annotated.stderr);
  t.equal(await jsonpath('{.metadata.labels.tier} {.metadata.annotations.owner}'), 'edge ops');

  const merge = await kubectl(['patch', 'deployment', 'patched', '--type=merge', '-p', '{"spec":{"minReadySeconds":5}}']);
  t.same([merge.code, merge.stdout], [0, 'deployment.apps/patched patched\n'], merge.stderr);
  const json = await kubectl(['patch', 'deployment', 'patched', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":3}]']);
  t.same([json.code, json.stdout], [0, 'deployment.apps/patched patched\n'], json.stderr);
  const strategic = await kubectl(['patch', 'deployment', 'patched', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"web:3"}]}}}}']);
  t.same([strategic.code, strategic.stdout], [0, 'deployment.apps/patched patched\n'], strategic.stderr);
  t.equal(await jsonpath('{.spec.minReadySeconds} {.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[0].name}'), '5 3 web:3 MODE');
  const failed = await kubectl(['patch', 'deployment', 'patched', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":9}]']);
  t.equal(failed.code, 1);
  t.match(failed.stderr, /is invalid/, 'a failed json-patch test is a 422');
  const invalid = await kubectl(['patch', 'deployment', 'patched', '--type=merge', '-p', '{"spec":{"replicas":-1}}']);
  t.equal(invalid.code, 1);
  t.match(invalid.stderr, /^The Deployment "patched" is invalid: spec\.replicas: /m);

  // kubectl edit with an "editor" that changes the image in place.
  const edited = await run(KUBECTL, ['edit', 'deployment', 'patched'], { env: { KUBECONFIG: kubeconfigFile, HOME: join(cluster.dir, 'edit-home'), KUBE_EDITOR: `sed -i s#web:3#web:4#` } });
  t.same([edited.code, edited.stdout], [0, 'deployment.apps/patched edited\n'], edited.stderr);
  t.equal(await jsonpath('{.spec.template.spec.containers[0].image}'), 'web:4');

  const restarted = await kubectl(['rollout', 'restart', 'deployment/patched']);
  t.same([restarted.code, restarted.stdout], [0, 'deployment.apps/patched restarted\n'], restarted.stderr);
  t.match(await jsonpath('{.spec.template.metadata.annotations}'), /kubectl\.kubernetes\.io\/restartedAt/);
});

t.test('kubectl apply --server-side creates, updates and removes what it no longer applies', async (t) => {
  const manifest = join(cluster.dir, 'ssa.yaml');
  const configMap = (data: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n${data}`;
  writeFileSync(manifest, configMap('  a: "1"\n  b: "2"\n'));
  const created = await kubectl(['apply', '--server-side', '-f', manifest]);
  t.same([created.code, created.stdout], [0, 'configmap/ssa serverside-applied\n'], created.stderr);
  writeFileSync(manifest, configMap('  a: "3"\n'));
  const updated = await kubectl(['apply', '--server-side', '-f', manifest]);
  t.same([updated.code, updated.stdout], [0, 'configmap/ssa serverside-applied\n'], updated.stderr);
  const data = await kubectl(['get', 'configmap', 'ssa', '-o', 'jsonpath={.data}']);
  t.same(JSON.parse(data.stdout), { a: '3' }, 'b, applied before and not now, is removed');
  const managers = await kubectl(['get', 'configmap', 'ssa', '--show-managed-fields', '-o', 'jsonpath={.metadata.managedFields[*].manager}']);
  t.equal(managers.stdout, 'kubectl');

  writeFileSync(join(cluster.dir, 'ssa-other.yaml'), configMap('  a: "4"\n'));
  const conflict = await kubectl(['apply', '--server-side', '--field-manager=other', '-f', join(cluster.dir, 'ssa-other.yaml')]);
  t.equal(conflict.code, 1);
  t.match(conflict.stderr, /conflict with "kubectl"/);
  const forced = await kubectl(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', join(cluster.dir, 'ssa-other.yaml')]);
  t.same([forced.code, forced.stdout], [0, 'configmap/ssa serverside-applied\n'], forced.stderr);
});
