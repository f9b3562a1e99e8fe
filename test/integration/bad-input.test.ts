/**
 * Bad input never half-applies: every problem in every document is reported with file, document
 * number and field path, the exit code is 1, and the hub holds nothing from that file (issue #2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { run, SKIFF_BIN } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

const goodNamespace = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
`;

const deployment = (fields: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
${fields}`;

const cases: Array<{ name: string; text: string; expect: RegExp }> = [
  { name: 'a YAML syntax error', text: `${goodNamespace}---\nkind: [unclosed\n`, expect: /bad\.yaml: document 2: YAML syntax error at line \d+/ },
  { name: 'a missing required field', text: `${goodNamespace}---\n${deployment('        ports: [{containerPort: 80}]\n')}`, expect: /bad\.yaml: document 2 \(Deployment api\): spec\.template\.spec\.containers\[0\]\.image: Required value/ },
  { name: 'a wrong type', text: `${goodNamespace}---\n${deployment('        image: web:1\n').replace('replicas: 2', 'replicas: two')}`, expect: /bad\.yaml: document 2 \(Deployment api\): spec\.replicas: .*number/i },
  { name: 'an unknown kind', text: `${goodNamespace}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n`, expect: /bad\.yaml: document 2 \(Widget w\): kind: no kind "Widget" is registered for version "example\.com\/v1"/ },
  { name: 'an unknown field', text: `${goodNamespace}---\n${deployment('        image: web:1\n        livenessProbez: {}\n')}`, expect: /bad\.yaml: document 2 \(Deployment api\): spec\.template\.spec\.containers\[0\]\.livenessProbez: unknown field/ },
  { name: 'a bad quantity', text: `${goodNamespace}---\n${deployment('        image: web:1\n        resources: {limits: {memory: 12 Mbytes}}\n')}`, expect: /bad\.yaml: document 2 \(Deployment api\): spec\.template\.spec\.containers\[0\]\.resources\.limits\.memory: quantities must match/ },
];

t.test('apply rejects bad manifests whole, naming file, document and field', async (t) => {
  const cluster = await TestCluster.start(t);
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bad-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, c.text);
      const result = await cluster.skiff(['apply', '-f', file]);
      t.equal(result.code, 1, 'exit code 1');
      t.match(result.stderr, c.expect);
      t.equal(result.stdout, '', 'nothing reported as applied');
      const namespaces = await cluster.getJson<{ items: Array<{ metadata: { name: string } }> }>(['get', 'namespaces']);
      t.notOk(namespaces.items.some((n) => n.metadata.name === 'shop'), 'the valid document in the same file was not applied either');
    });
  }

  await t.test('every problem of every document is reported at once', async (t) => {
    const file = join(dir, 'many.yaml');
    writeFileSync(file, `${deployment('        ports: [{containerPort: 80}]\n').replace('replicas: 2', 'replicas: -1')}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n`);
    const result = await cluster.skiff(['apply', '-f', file]);
    t.equal(result.code, 1);
    t.match(result.stderr, /document 1 \(Deployment api\): spec\.replicas/);
    t.match(result.stderr, /document 1 \(Deployment api\): spec\.template\.spec\.containers\[0\]\.image: Required value/);
    t.match(result.stderr, /document 2 \(Pod p\): spec\.containers: .*at least one container/);
  });

  await t.test('the API rejects invalid objects itself, with a kube-style Status', async (t) => {
    const res = await cluster.fetch('/apis/apps/v1/namespaces/default/deployments', {
      method: 'POST',
      headers: { Authorization: `Bearer ${cluster.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'many', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }),
    });
    t.equal(res.status, 422);
    const status = (await res.json()) as { kind: string; reason: string; code: number; message: string; details: { causes: Array<{ field: string }> } };
    t.match(status, { kind: 'Status', reason: 'Invalid', code: 422 });
    t.match(status.message, /Deployment\.apps "x" is invalid: spec\.replicas/);
    t.equal(status.details.causes[0]!.field, 'spec.replicas');
  });

  await t.test('objects in a namespace that does not exist are refused', async (t) => {
    const file = join(dir, 'nons.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: nowhere}\nspec: {containers: [{name: c, image: skiff-test/web:1}]}\n');
    const result = await cluster.skiff(['apply', '-f', file]);
    t.equal(result.code, 1);
    t.match(result.stderr, /Error from server \(NotFound\).*namespaces "nowhere" not found/);
  });

  await t.test('unauthenticated API calls get 401', async (t) => {
    const res = await cluster.anonymousFetch('/api/v1/pods');
    t.equal(res.status, 401);
  });

  await t.test('unknown resource types and names are reported like kubectl', async (t) => {
    const unknownType = await cluster.skiff(['get', 'widgets']);
    t.equal(unknownType.code, 1);
    t.match(unknownType.stderr, /the server doesn't have a resource type "widgets"/);
    const missing = await cluster.skiff(['get', 'pod', 'nope']);
    t.equal(missing.code, 1);
    t.match(missing.stderr, /Error from server \(NotFound\): pods "nope" not found/);
  });
});

t.test('an unreachable hub gets a connection refused message', async (t) => {
  const port = await freePort();
  const result = await run(process.execPath, [SKIFF_BIN, 'get', 'pods', '--server', `http://127.0.0.1:${port}`, '--token', 'x']);
  t.equal(result.code, 1);
  t.match(result.stderr, new RegExp(`The connection to the server 127\\.0\\.0\\.1:${port} was refused - did you specify the right host or port\\?`));
});
