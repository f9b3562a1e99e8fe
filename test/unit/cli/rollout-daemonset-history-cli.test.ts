/**
 * `skiff rollout history|undo ds/NAME` and `skiff get controllerrevisions`, against a fake hub
 * holding a DaemonSet and its ControllerRevisions, in kubectl 1.32's words. The command lines run
 * through the CLI's own entry function in this process (test/helpers/in-process-cli.ts: a Node
 * start-up per call was most of this file's time); the history listing and a refused undo run
 * through the built executable, where stdout and the exit code matter most.
 */
import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import { requireBuild } from './fixtures/build-check.js';
import type { FakeHub } from './fixtures/fake-hub.js';
import { startHubCli } from './fixtures/hub-cli.js';

const template = (image: string) => ({ metadata: { labels: { app: 'probe' } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80, protocol: 'TCP' }] }] } });
const owner = (uid: string, name = 'probe') => [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid, controller: true, blockOwnerDeletion: true }];

function seedRevision(hub: FakeHub, name: string, revision: number, image: string, extra: { uid?: string; annotations?: Record<string, string> } = {}): KubeObject {
  return hub.seed({
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name, labels: { app: 'probe', 'controller-revision-hash': name.split('-').at(-1)! }, ownerReferences: owner(extra.uid ?? 'probe-uid'), ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    // Key order differs from the DaemonSet's template on purpose: kubectl compares the JSON as Go marshals it (sorted).
    data: { spec: { template: { spec: template(image).spec, metadata: template(image).metadata, $patch: 'replace' } } },
    revision,
  });
}

function seedProbe(hub: FakeHub, image: string): KubeObject {
  return hub.seed({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'probe', uid: 'probe-uid', generation: 3, annotations: { team: 'edge' } },
    spec: { selector: { matchLabels: { app: 'probe' } }, template: template(image), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
  });
}

const templateOf = (hub: FakeHub) => (hub.find('DaemonSet', 'probe')!.spec as { template: unknown }).template;
const puts = (hub: FakeHub) => hub.requests.filter((r) => r.method === 'PUT').length;

if (requireBuild(t)) {
  /** Revisions 2 (web:1), 3 (web:2, with a change-cause) and 4 (web:3, current), plus another DaemonSet's revision 9. */
  async function threeRevisions(t: { teardown(fn: () => unknown): void }) {
    const ctx = await startHubCli(t);
    seedProbe(ctx.hub, 'web:3');
    seedRevision(ctx.hub, 'probe-aaa', 2, 'web:1');
    seedRevision(ctx.hub, 'probe-bbb', 3, 'web:2', { annotations: { 'kubernetes.io/change-cause': 'skiff set image ds/probe web=web:2' } });
    seedRevision(ctx.hub, 'probe-ccc', 4, 'web:3');
    seedRevision(ctx.hub, 'probe-old', 9, 'web:0', { uid: 'a-deleted-probe' });
    return ctx;
  }

  t.test('rollout history ds/NAME lists the revisions it controls, with CHANGE-CAUSE from their annotations', async (t) => {
    const { spawned } = await threeRevisions(t);
    // The built executable: the listing on stdout, exit 0.
    t.same(await spawned(['rollout', 'history', 'ds/probe']), {
      code: 0,
      stdout: 'daemonset.apps/probe \nREVISION  CHANGE-CAUSE\n2         <none>\n3         skiff set image ds/probe web=web:2\n4         <none>\n\n',
      stderr: '',
    });
  });

  t.test('rollout history --revision=N prints that revision\'s pod template; an unknown one errors', async (t) => {
    const { cli } = await threeRevisions(t);
    t.same(await cli(['rollout', 'history', 'daemonset', 'probe', '--revision=3']), {
      code: 0,
      stdout: [
        'daemonset.apps/probe with revision #3',
        'Pod Template:',
        '  Labels:  app=probe',
        '  Containers:',
        '   web:',
        '    Image:        web:2',
        '    Port:         80/TCP',
        '    Environment:  <none>',
        '',
        '',
      ].join('\n'),
      stderr: '',
    });
    t.same(await cli(['rollout', 'history', 'ds/probe', '--revision=9']), { code: 1, stdout: '', stderr: 'error: unable to find the specified revision\n' });
  });

  t.test('a DaemonSet without revisions has no rollout history', async (t) => {
    const { hub, cli } = await startHubCli(t);
    seedProbe(hub, 'web:1');
    t.same(await cli(['rollout', 'history', 'ds/probe']), { code: 0, stdout: 'daemonset.apps/probe \nNo rollout history found.\n\n', stderr: '' });
  });

  t.test('rollout undo ds/NAME restores the previous revision\'s template, keeping the DaemonSet\'s annotations', async (t) => {
    const { hub, cli } = await threeRevisions(t);
    t.same(await cli(['rollout', 'undo', 'ds/probe']), { code: 0, stdout: 'daemonset.apps/probe rolled back\n', stderr: '' });
    t.same(templateOf(hub), template('web:2'), 'revision 3, the second highest, without $patch');
    t.same(hub.find('DaemonSet', 'probe')!.metadata.annotations, { team: 'edge' });
  });

  t.test('rollout undo --to-revision=N restores that one', async (t) => {
    const { hub, cli } = await threeRevisions(t);
    t.same(await cli(['rollout', 'undo', 'daemonsets.apps/probe', '--to-revision=2']), { code: 0, stdout: 'daemonset.apps/probe rolled back\n', stderr: '' });
    t.same(templateOf(hub), template('web:1'));
  });

  t.test('undo to the current template is skipped without a write; a missing revision errors', async (t) => {
    const { hub, cli } = await threeRevisions(t);
    t.same(await cli(['rollout', 'undo', 'ds/probe', '--to-revision=4']), {
      code: 0,
      stdout: 'daemonset.apps/probe skipped rollback (current template already matches revision 4)\n',
      stderr: '',
    });
    t.same(await cli(['rollout', 'undo', 'ds/probe', '--to-revision=9']), { code: 1, stdout: '', stderr: 'error: unable to find specified revision 9 in history\n' }, "another DaemonSet's revision is not ours");
    t.equal(puts(hub), 0);
    t.same(templateOf(hub), template('web:3'));
  });

  t.test('undo with a single revision has nothing to go back to', async (t) => {
    const { hub, cli, spawned } = await startHubCli(t);
    seedProbe(hub, 'web:1');
    seedRevision(hub, 'probe-aaa', 1, 'web:1');
    // The built executable: a refused undo exits 1 with kubectl's message on stderr only.
    t.same(await spawned(['rollout', 'undo', 'ds/probe']), { code: 1, stdout: '', stderr: 'error: no last revision to roll back to\n' });
    t.same(await cli(['rollout', 'undo', 'ds/nope']), { code: 1, stdout: '', stderr: 'Error from server (NotFound): daemonsets.apps "nope" not found\n' });
    t.equal(puts(hub), 0);
  });

  t.test('skiff get controllerrevisions shows NAME CONTROLLER REVISION AGE', async (t) => {
    const { hub, cli } = await threeRevisions(t);
    hub.seed({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'loose' }, data: {}, revision: 0 });
    const out = await cli(['get', 'controllerrevisions']);
    t.equal(out.stderr, '');
    const lines = out.stdout.trimEnd().split('\n').map((l) => l.replace(/\s+\S+$/, '').replace(/\s+/g, ' '));
    t.same(lines, ['NAME CONTROLLER REVISION', 'loose <none> 0', 'probe-aaa daemonset.apps/probe 2', 'probe-bbb daemonset.apps/probe 3', 'probe-ccc daemonset.apps/probe 4', 'probe-old daemonset.apps/probe 9']);
    t.match(out.stdout, /^NAME\s+CONTROLLER\s+REVISION\s+AGE\n/);
  });
}
