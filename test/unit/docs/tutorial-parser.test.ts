/**
 * How test/integration/tutorial.test.ts reads docs/tutorial.md: which commands it runs, what it
 * expects them to print, and which differences between two runs it forgives (and which it does
 * not). Also: the tutorial itself parses, and every command in it is a `skiff`, shell or curl
 * command the test can run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../../helpers/repo.js';
import { commandForRun, normaliseOutput, parseMarker, parseTutorial } from '../../helpers/tutorial.js';

const md = (...lines: string[]): string => lines.join('\n');

t.test('commands and their output come from console blocks only', async (t) => {
  const steps = parseTutorial(
    md(
      '# Tutorial',
      '```sh',
      'install/quickstart.sh stop',
      '```',
      '## 1. Start',
      '```console',
      '$ skiff get nodes',
      'NAME   STATUS',
      'pi-1   Ready',
      '$ export A=1',
      '$ skiff apply -f x.yaml \\',
      '    -n prod',
      'deployment.apps/x created',
      '```',
    ),
  );
  t.same(
    steps.map((s) => [s.section, s.command, s.expected, s.line, s.outputLines]),
    [
      ['1. Start', 'skiff get nodes', 'NAME   STATUS\npi-1   Ready', 7, [7, 9]],
      ['1. Start', 'export A=1', '', 10, [10, 10]],
      ['1. Start', 'skiff apply -f x.yaml \\\n    -n prod', 'deployment.apps/x created', 11, [12, 13]],
    ],
  );
});

t.test('a marker applies to the console block right after it', async (t) => {
  const steps = parseTutorial(
    md('## Go', '<!-- tutorial: background until "hub started" -->', '```console', '$ skiff hub', '{"msg":"hub started"}', '```', '<!-- tutorial: retry -->', '', '```console', '$ skiff get pods', '$ skiff top pods', '```', '```console', '$ date', '```'),
  );
  t.same(
    steps.map((s) => [s.command, s.marker]),
    [
      ['skiff hub', { kind: 'background', until: 'hub started' }],
      ['skiff get pods', { kind: 'retry' }],
      ['skiff top pods', { kind: 'retry' }],
      ['date', undefined],
    ],
  );
});

t.test('malformed tutorials are refused with the line at fault', async (t) => {
  t.throws(() => parseMarker('sleep 5'), /unknown tutorial marker "sleep 5"/);
  t.throws(() => parseTutorial(md('<!-- tutorial: retry -->', 'Some prose.', '```console', '$ x', '```')), /line 1: a tutorial marker must come right before/);
  t.throws(() => parseTutorial(md('<!-- tutorial: retry -->', '```sh', 'x', '```')), /line 1: a tutorial marker must come right before/);
  t.throws(() => parseTutorial(md('text', '<!-- tutorial: retry -->')), /line 2: a tutorial marker must come right before/);
  t.throws(() => parseTutorial(md('<!-- tutorial: background until "up" -->', '```console', '$ a', '$ b', '```')), /line 1: a background block holds exactly one command, this one has 2/);
  t.throws(() => parseTutorial(md('```console', 'output before any command', '```')), /line 2: a console block starts with a `\$ ` command/);
  t.throws(() => parseTutorial(md('```console', '$ never closed')), /line 1: a code block that never ends/);
});

t.test('the volatile parts of an output are hidden, the rest is kept exactly', async (t) => {
  const cases: Array<[string, string, string, string]> = [
    ['pod names and ages', 'skiff get pods', 'hello-cfc5f5487-vnchd    1/1   Running   0   6s\nhello-7b994bbc6d-9n5zq   1/1   Running   0   2m5s', 'hello-<hash>-<id>  1/1  Running  0  <age>\nhello-<hash>-<id>  1/1  Running  0  <age>'],
    ['ReplicaSet names and template hashes', 'skiff describe pod x', 'Controlled By:  ReplicaSet/hello-7b994bbc6d\n  pod-template-hash=cfc5f5487', 'Controlled By:  ReplicaSet/hello-<hash>\n  pod-template-hash=<hash>'],
    ['IPs, ids and dates', 'skiff describe pod x', 'Node: pi-1/192.0.2.2\nContainer ID: docker://398d692fae6c2784a2171d779bbeb556c729be8275367fca22c1fee988138798\nStart Time: Sat, 05 Dec 2026 21:39:06 +0000', 'Node: pi-1/<ip>\nContainer ID: docker://<id>\nStart Time: <date>'],
    ['rollout progress lines', 'skiff rollout status deployment/hello', 'Waiting for deployment "hello" rollout to finish: 1 old replicas are pending termination...\ndeployment "hello" successfully rolled out', 'deployment "hello" successfully rolled out'],
    ['usage in top', 'skiff top pods', 'hello-cfc5f5487-vnchd   9m   12Mi', 'hello-<hash>-<id>  <cpu>  <memory>'],
    ['utilisation in get hpa', 'skiff get hpa', 'hello   Deployment/hello   cpu: 9%/50%   2', 'hello  Deployment/hello  cpu: <n>%/50%  2'],
    ['trailing blanks and blank lines at the ends', 'skiff rollout history deployment/hello', '\ndeployment.apps/hello \nREVISION  CHANGE-CAUSE\n1         <none>\n\n', 'deployment.apps/hello\nREVISION  CHANGE-CAUSE\n1  <none>'],
  ];
  for (const [what, command, output, normalised] of cases) t.equal(normaliseOutput(command, output), normalised, what);

  // What must still differ: a changed word, a quantity outside top, a limit, a missing line.
  const same = (command: string, a: string, b: string): boolean => normaliseOutput(command, a) === normaliseOutput(command, b);
  t.notOk(same('skiff get pods', 'hello-cfc5f5487-vnchd 1/1 Running', 'hello-cfc5f5487-vnchd 0/1 Running'), 'READY counts');
  t.notOk(same('skiff describe pod x', '  cpu:  200m', '  cpu:  250m'), 'CPU quantities outside skiff top');
  t.notOk(same('skiff get hpa', 'cpu: 0%/50%', 'cpu: <unknown>/50%'), 'an HPA that has not computed its metric yet');
  t.notOk(same('skiff exec p -- cat memory.max', '67108864', '134217728'), 'byte counts');
  t.notOk(same('skiff get configmaps', 'NAME DATA\nhello-config 2', 'NAME DATA'), 'a missing line');
  t.notOk(same('skiff logs x', 'Hello from hello-cfc5f5487-vnchd', 'Hello from hello-config'), 'a generated name in place of another word');
  t.ok(same('skiff get pods', '  Ready   ', '  Ready'), 'trailing blanks');
  t.notOk(same('skiff describe pod x', '    Limits:', '  Limits:'), 'indentation');
});

t.test("the run's ports stand in for the tutorial's, in commands and back in outputs", async (t) => {
  const ports = new Map([[40123, 7443], [40124, 1883]]);
  t.equal(commandForRun('skiff agent --server https://127.0.0.1:7443 --token T', ports), 'skiff agent --server https://127.0.0.1:40123 --token T');
  t.equal(commandForRun('curl http://127.0.0.1:30080/', ports), 'curl http://127.0.0.1:30080/');
  t.equal(normaliseOutput('skiff cluster-info', 'Skiff hub is running at https://127.0.0.1:40123\n', ports), 'Skiff hub is running at https://<ip>:7443');
  t.equal(normaliseOutput('skiff cluster-info', 'https://127.0.0.1:401234', ports), 'https://<ip>:401234', 'only whole port numbers');
});

t.test('docs/tutorial.md parses into runnable steps under its numbered headings', async (t) => {
  const steps = parseTutorial(readFileSync(join(repoRoot(), 'docs', 'tutorial.md'), 'utf8'));
  t.ok(steps.length > 20, `${steps.length} commands`);
  t.same(
    steps.filter((s) => s.marker?.kind === 'background').map((s) => s.command.split(' ').slice(0, 2).join(' ')),
    ['skiff hub', 'skiff agent'],
    'the hub and the agent are the only background commands',
  );
  t.same(steps.filter((s) => !/^\d+\. /.test(s.section)).map((s) => s.command), [], 'every command is under a numbered step');
  t.same(steps.filter((s) => !/^(skiff |curl |cat |export |POD=)/.test(s.command)).map((s) => s.command), [], 'every command is skiff, curl, cat or a variable');
});
