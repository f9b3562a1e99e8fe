import t from 'tap';
import { formatProblems, parseManifestText, validateDocuments, type ManifestProblem } from '../../../shared/manifest/parse.js';
import { BUSYBOX_POD_YAML, NGINX_DEPLOYMENT_YAML, nginxDeployment } from './manifests.js';

const kinds = (docs: Array<{ object: unknown }>) => docs.map((d) => (d.object as { kind: string }).kind);

t.test('splits multi-document YAML, skipping empty documents but counting their position', async (t) => {
  const text = `${NGINX_DEPLOYMENT_YAML}---\n---\n# only a comment\n---\n${BUSYBOX_POD_YAML}`;
  const { documents, problems } = parseManifestText(text, 'app.yaml');
  t.same(problems, []);
  t.same(kinds(documents), ['Deployment', 'Pod']);
  t.same(documents.map((d) => d.index), [1, 4]);
  t.same(documents.map((d) => d.source), ['app.yaml', 'app.yaml']);
});

t.test('expands a kind: List into its items, each remembering the list position', async (t) => {
  const list = { apiVersion: 'v1', kind: 'List', items: [nginxDeployment(), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' } }] };
  const { documents, problems } = parseManifestText(`${BUSYBOX_POD_YAML}---\n${JSON.stringify(list)}\n`, 'list.yaml');
  t.same(problems, []);
  t.same(kinds(documents), ['Pod', 'Deployment', 'Namespace']);
  t.same(documents.map((d) => d.index), [1, 2, 2]);
});

t.test('reads JSON input as a single document', async (t) => {
  const { documents, problems } = parseManifestText(JSON.stringify(nginxDeployment(), null, 2), 'nginx.json');
  t.same(problems, []);
  t.same(documents, [{ source: 'nginx.json', index: 1, object: nginxDeployment() }]);
});

t.test('reports a YAML syntax error as a problem naming its document and line, without throwing', async (t) => {
  // Line 3 opens a flow sequence that is never closed; line 4 is where the parser gives up.
  const text = 'a: 1\n---\nb: [1, 2\nc: 3\n';
  const { documents, problems } = parseManifestText(text, 'broken.yaml');
  t.same(documents.map((d) => d.object), [{ a: 1 }], 'the good first document is still returned');
  t.equal(problems.length, 1);
  t.equal(problems[0]?.source, 'broken.yaml');
  t.equal(problems[0]?.index, 2);
  t.match(problems[0]?.errors[0]?.message, /^YAML syntax error at line 4, column \d+: Flow sequence/);
});

t.test('validateDocuments separates valid documents from problems, describing each by kind and name', async (t) => {
  const bad = { ...nginxDeployment(), spec: { ...nginxDeployment().spec, replicas: 'three' } };
  const { documents } = parseManifestText(`${BUSYBOX_POD_YAML}---\n${JSON.stringify(bad)}\n`, 'app.yaml');
  const { valid, problems } = validateDocuments(documents);
  t.same(valid.map((v) => [v.index, v.object.kind, v.resource.plural]), [[1, 'Pod', 'pods']]);
  t.same(problems.map((p) => [p.source, p.index, p.describe, p.errors.map((e) => e.path)]), [['app.yaml', 2, 'Deployment nginx-deployment', ['spec.replicas']]]);
});

t.test('formatProblems names file, document number, kind/name and field path', async (t) => {
  const problems: ManifestProblem[] = [
    { source: 'app.yaml', index: 2, describe: 'Deployment web', errors: [{ path: 'spec.replicas', message: 'Invalid input' }, { path: 'metadata.name', message: 'Required value' }] },
    { source: 'pod.yaml', index: 1, errors: [{ path: '', message: 'YAML syntax error at line 3, column 1: oops' }] },
  ];
  t.same(formatProblems(problems), [
    'app.yaml: document 2 (Deployment web): spec.replicas: Invalid input',
    'app.yaml: document 2 (Deployment web): metadata.name: Required value',
    'pod.yaml: document 1: YAML syntax error at line 3, column 1: oops',
  ]);
});

t.test('formatProblems on real validation output points at the broken field', async (t) => {
  const bad = nginxDeployment();
  bad.spec.template.spec.affinity = { podAntiAffinity: {} };
  const { documents } = parseManifestText(`${BUSYBOX_POD_YAML}---\n${JSON.stringify(bad)}\n`, 'app.yaml');
  const lines = formatProblems(validateDocuments(documents).problems);
  t.equal(lines.length, 1);
  t.match(lines[0], /^app\.yaml: document 2 \(Deployment nginx-deployment\): spec\.template\.spec\.affinity\.podAntiAffinity: unknown field/);
});
