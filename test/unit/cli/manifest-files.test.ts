import t from 'tap';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifests, loadManifestsOrThrow, readManifestSources } from '../../../hub/cli/manifest-files.js';
import { formatProblems } from '../../../shared/manifest/parse.js';
import { isSkiffError } from '../../../shared/errors.js';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: one\nspec:\n  containers:\n  - name: c\n    image: nginx\n';
const NS = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: edge\n';
const BAD_DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: -1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: c\n';

const noStdin = async (): Promise<string> => {
  throw new Error('stdin should not be read');
};

async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a directory means its yaml, yml and json files in name order, not recursive', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'b.yml'), NS);
  await writeFile(join(dir, 'a.yaml'), POD);
  await writeFile(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }));
  await writeFile(join(dir, 'notes.txt'), 'not a manifest');
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'd.yaml'), NS);
  const sources = await readManifestSources([dir], noStdin);
  t.same(sources.map((s) => s.name), [join(dir, 'a.yaml'), join(dir, 'b.yml'), join(dir, 'c.json')]);
});

t.test('- reads stdin (once) and names it STDIN', async (t) => {
  let reads = 0;
  const sources = await readManifestSources(['-', '-'], async () => {
    reads++;
    return `${POD}---\n${NS}`;
  });
  t.equal(reads, 1);
  t.same(sources.map((s) => s.name), ['STDIN']);
  const { valid, problems } = loadManifests(sources);
  t.same(problems, []);
  t.same(valid.map((d) => [d.source, d.index, d.object.kind]), [
    ['STDIN', 1, 'Pod'],
    ['STDIN', 2, 'Namespace'],
  ]);
});

t.test('a missing path is an error naming it', async (t) => {
  await t.rejects(readManifestSources(['/no/such/file.yaml'], noStdin), { message: 'the path "/no/such/file.yaml" does not exist' });
});

t.test('every problem of every file is reported, naming file, document and field', async (t) => {
  const { valid, problems } = loadManifests([
    { name: 'app.yaml', text: `${POD}---\n${BAD_DEPLOY}` },
    { name: 'broken.yaml', text: 'kind: [unclosed\n' },
  ]);
  t.equal(valid.length, 1, 'the good pod is valid...');
  const lines = formatProblems(problems);
  t.equal(lines.length, 3);
  t.same(lines.slice(0, 2), [
    'app.yaml: document 2 (Deployment web): spec.replicas: Too small: expected number to be >=0',
    'app.yaml: document 2 (Deployment web): spec.template.spec.containers[0].image: Required value',
  ]);
  t.match(lines[2], /^broken\.yaml: document 1: YAML syntax error/);
});

t.test('all or nothing: one bad document means no documents at all', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'good.yaml'), POD);
  await writeFile(join(dir, 'bad.yaml'), BAD_DEPLOY);
  const err = await loadManifestsOrThrow([join(dir, 'good.yaml'), join(dir, 'bad.yaml')], noStdin, 'apply').catch((e: unknown) => e);
  t.ok(isSkiffError(err, 'SKIFF_ERR_INVALID'));
  t.match((err as Error).message.split('\n'), [new RegExp(`^${join(dir, 'bad.yaml')}: document 1 \\(Deployment web\\): spec.replicas: `), /containers\[0\]\.image: Required value/]);
});

t.test('apply and delete need names: generateName alone is a problem', async (t) => {
  const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: job-\nspec:\n  containers:\n  - name: c\n    image: busybox\n';
  const { problems } = loadManifests([{ name: 'gen.yaml', text }], { requireName: true });
  t.match(formatProblems(problems), [/^gen\.yaml: document 1 \(Pod\): metadata\.name: Required value/]);
});

t.test('no documents at all is an error', async (t) => {
  const dir = await tempDir(t);
  await t.rejects(loadManifestsOrThrow([dir], noStdin, 'apply'), { message: 'no objects passed to apply' });
});
