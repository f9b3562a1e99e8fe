/**
 * `skiff apply -f` against a fake hub: creating, leaving unchanged and configuring objects, what
 * it sends, and how it reports invalid manifests and API errors. The command lines run through
 * the CLI's own entry function in this process (test/helpers/in-process-cli.ts: a Node start-up
 * per call was most of this file's time; `-f -` gets its manifests through the same stdin
 * option); applying a directory and an apply that partly fails, manifests piped to its real
 * stdin, run through the built executable, where the exit code and the two streams matter most.
 */
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAST_APPLIED_ANNOTATION } from '../../../hub/cli/apply-plan.js';
import { requireBuild } from './fixtures/build-check.js';
import { startFakeHub } from './fixtures/fake-hub.js';
import { NAMESPACE_EDGE, POD_YAML, deploymentYaml } from './fixtures/manifests.js';
import { runCli } from './fixtures/run-cli.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';

if (requireBuild(t)) {
  const hub = await startFakeHub();
  const dir = await mkdtemp(join(tmpdir(), 'skiff-apply-'));
  t.teardown(async () => {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  });
  const writes = (): string[] => hub.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

  await t.test('apply -f DIR creates every object, in file order', async (t) => {
    await writeFile(join(dir, '01-namespace.yaml'), NAMESPACE_EDGE);
    await writeFile(join(dir, '02-app.yaml'), `${deploymentYaml(2)}---\n${POD_YAML}`);
    // The built executable: every object created, in file order, exit 0.
    const result = await runCli(['apply', '-f', dir], { config: hub.configFile });
    t.equal(result.stderr, '');
    t.equal(result.stdout, 'namespace/edge created\ndeployment.apps/nginx-deployment created\npod/one created\n');
    t.equal(result.code, 0);
    t.same(writes(), ['POST /api/v1/namespaces', 'POST /apis/apps/v1/namespaces/default/deployments', 'POST /api/v1/namespaces/default/pods']);
    const deployment = hub.find('Deployment', 'nginx-deployment')!;
    const applied = JSON.parse(deployment.metadata.annotations![LAST_APPLIED_ANNOTATION]!);
    t.equal(applied.metadata.namespace, 'default', 'the last-applied annotation records the resolved namespace');
    t.equal(applied.spec.replicas, 2);
    t.ok(hub.requests.every((r) => r.authorization === `Bearer ${hub.token}`), 'every request carries the bearer token');
  });

  await t.test('applying the same manifests again changes nothing', async (t) => {
    hub.requests.length = 0;
    const result = await runCliInProcess(['apply', '-f', dir], { config: hub.configFile });
    t.equal(result.stdout, 'namespace/edge unchanged\ndeployment.apps/nginx-deployment unchanged\npod/one unchanged\n');
    t.equal(result.code, 0);
    t.same(writes(), []);
  });

  await t.test('a changed manifest is configured with a PUT carrying the live resourceVersion', async (t) => {
    hub.requests.length = 0;
    const before = hub.find('Deployment', 'nginx-deployment')!;
    const result = await runCliInProcess(['apply', '-f', '-'], { config: hub.configFile, stdin: deploymentYaml(3) });
    t.equal(result.stdout, 'deployment.apps/nginx-deployment configured\n');
    t.equal(result.code, 0);
    const put = hub.requests.find((r) => r.method === 'PUT')!;
    t.equal(put.path, '/apis/apps/v1/namespaces/default/deployments/nginx-deployment');
    t.equal(put.body!.metadata.resourceVersion, before.metadata.resourceVersion);
    const after = hub.find('Deployment', 'nginx-deployment')!;
    t.equal((after.spec as { replicas: number }).replicas, 3);
    t.equal(after.metadata.generation, 2, 'the server bumped generation on the spec change');
  });

  await t.test('-n sets the namespace of documents that name none', async (t) => {
    const result = await runCliInProcess(['apply', '-n', 'edge', '-f', '-'], { config: hub.configFile, stdin: POD_YAML });
    t.equal(result.stdout, 'pod/one created\n');
    t.ok(hub.find('Pod', 'one', 'edge'));
  });

  await t.test('one invalid document means nothing is sent, and every problem is named', async (t) => {
    hub.requests.length = 0;
    const bad = join(dir, 'bad');
    await writeFile(`${bad}.yaml`, `${POD_YAML}---\n${deploymentYaml(-1).replace('        image: nginx:1.27\n', '')}---\napiVersion: v1\nkind: Gadget\nmetadata: {name: g}\n`);
    const result = await runCliInProcess(['apply', '-f', join(dir, '02-app.yaml'), '-f', `${bad}.yaml`], { config: hub.configFile });
    t.equal(result.code, 1);
    t.equal(result.stdout, '');
    t.same(result.stderr.trimEnd().split('\n'), [
      `error: ${bad}.yaml: document 2 (Deployment nginx-deployment): spec.replicas: Too small: expected number to be >=0`,
      `error: ${bad}.yaml: document 2 (Deployment nginx-deployment): spec.template.spec.containers[0].image: Required value`,
      `error: ${bad}.yaml: document 3 (Gadget g): kind: no kind "Gadget" is registered for version "v1" (Skiff serves: v1 Pod, v1 Namespace, v1 Node, v1 Event, v1 ConfigMap, v1 Secret, v1 Service, v1 Endpoints, apps/v1 Deployment, apps/v1 ReplicaSet, apps/v1 DaemonSet, apps/v1 ControllerRevision, autoscaling/v2 HorizontalPodAutoscaler, v1 ServiceAccount, rbac.authorization.k8s.io/v1 Role, rbac.authorization.k8s.io/v1 ClusterRole, rbac.authorization.k8s.io/v1 RoleBinding, rbac.authorization.k8s.io/v1 ClusterRoleBinding, networking.k8s.io/v1 Ingress)`,
    ]);
    t.same(hub.requests, [], 'not a single request reached the hub');
  });

  await t.test('an API error on one object is reported kubectl-style and the others still apply', async (t) => {
    // The built executable, reading its real stdin: a partial failure exits 1, each stream with its part.
    const result = await runCli(['apply', '-f', '-'], {
      config: hub.configFile,
      stdin: `${POD_YAML.replace('name: one', 'name: lost').replace('metadata:\n', 'metadata:\n  namespace: nowhere\n')}---\n${POD_YAML.replace('name: one', 'name: two')}`,
    });
    t.equal(result.stderr, 'Error from server (NotFound): error when applying "STDIN" (document 1): namespaces "nowhere" not found\n', 'names the source, as kubectl does');
    t.equal(result.stdout, 'pod/two created\n');
    t.equal(result.code, 1);
  });

  await t.test('apply without -f, or with a missing path, is a usage error', async (t) => {
    const none = await runCliInProcess(['apply'], { config: hub.configFile });
    t.equal(none.code, 1);
    t.match(none.stderr, /^error: must specify -f/);
    const missing = await runCliInProcess(['apply', '-f', join(dir, 'nope.yaml')], { config: hub.configFile });
    t.equal(missing.stderr, `error: the path "${join(dir, 'nope.yaml')}" does not exist\n`);
    t.equal(missing.code, 1);
  });
}
