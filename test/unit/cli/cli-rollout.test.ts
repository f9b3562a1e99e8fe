/**
 * `skiff scale`, `set image` and `rollout status|history|undo|restart|pause|resume` on a
 * Deployment, against a fake hub, in kubectl's words. The command lines run through the CLI's own
 * entry function in this process (test/helpers/in-process-cli.ts: a Node start-up per call was
 * most of this file's time); two commands, a successful scale and a failing rollout status, run
 * through the built executable, where the exit code and the two streams are what scripts rely on.
 */
import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import type { DeploymentStatus } from '../../../shared/api/status-types.js';
import { requireBuild } from './fixtures/build-check.js';
import type { FakeHub } from './fixtures/fake-hub.js';
import { startHubCli, type HubCli } from './fixtures/hub-cli.js';

const DEPLOY_PATH = '/apis/apps/v1/namespaces/default/deployments/web';

function template(image: string, hash?: string) {
  return {
    metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
    spec: { containers: [{ name: 'web', image }, { name: 'side', image: 'side:1' }] },
  };
}

function seedWeb(hub: FakeHub, image: string, status: DeploymentStatus, extra: Record<string, unknown> = {}): KubeObject {
  return hub.seed({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', uid: 'web-uid', generation: 1 },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template(image), ...extra },
    status,
  });
}

function seedRs(hub: FakeHub, hash: string, revision: number, image: string, owner = 'web-uid', changeCause?: string): KubeObject {
  return hub.seed({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${hash}`,
      labels: { app: 'web', 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...(changeCause ? { 'kubernetes.io/change-cause': changeCause } : {}) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner, controller: true }],
    },
    spec: { replicas: 0, selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } }, template: template(image, hash) },
  });
}

const rolledOut: DeploymentStatus = { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 };

interface DeploymentView {
  metadata: KubeObject['metadata'];
  spec: { replicas: number; paused?: boolean; template: ReturnType<typeof template> & { metadata: { annotations?: Record<string, string> } } };
}

if (requireBuild(t)) {
  // A fresh hub per test: every test seeds its own Deployment "web".
  async function withHub(t: { teardown(fn: () => unknown): void }): Promise<HubCli & { web: () => DeploymentView; puts: () => number }> {
    const context = await startHubCli(t);
    return {
      ...context,
      web: () => context.hub.find('Deployment', 'web') as unknown as DeploymentView,
      puts: () => context.hub.requests.filter((r) => r.method === 'PUT').length,
    };
  }

  t.test('scale', async (t) => {
    const { hub, cli, spawned, web, puts } = await withHub(t);
    const before = seedWeb(hub, 'web:1', rolledOut);
    hub.conflictPuts = 1;
    // The built executable: a write that succeeds after a retry exits 0 with kubectl's one line.
    const result = await spawned(['scale', 'deployment/web', '--replicas=5']);
    t.same(result, { code: 0, stdout: 'deployment.apps/web scaled\n', stderr: '' });
    t.equal(web().spec.replicas, 5);
    t.equal(puts(), 2, 'a Conflict is retried with a fresh read');
    t.not(web().metadata.resourceVersion, before.metadata.resourceVersion);

    t.same(await cli(['scale', 'deployments', 'web', '--replicas', '0']), { code: 0, stdout: 'deployment.apps/web scaled\n', stderr: '' }, 'TYPE NAME form');
    t.equal(web().spec.replicas, 0);

    const negative = await cli(['scale', 'deployment/web', '--replicas=-1']);
    t.same(negative, { code: 1, stdout: '', stderr: 'error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n' });
    const notInt = await cli(['scale', 'deployment/web', '--replicas=2.5']);
    t.same(notInt, { code: 1, stdout: '', stderr: 'error: invalid argument "2.5" for "--replicas" flag: strconv.ParseInt: parsing "2.5": invalid syntax\n' });
    t.equal((await cli(['scale', 'deployment/web'])).code, 1, '--replicas is required');
    t.equal(web().spec.replicas, 0, 'bad input changes nothing');

    const missing = await cli(['scale', 'deployment/nope', '--replicas=1']);
    t.same(missing, { code: 1, stdout: '', stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n' });
    const pod = await cli(['scale', 'pod/x', '--replicas=1']);
    t.equal(pod.code, 1);
    t.match(pod.stderr, /^error: skiff scale supports deployments only/);
  });

  t.test('set image', async (t) => {
    const { hub, cli, web, puts } = await withHub(t);
    seedWeb(hub, 'web:1', rolledOut);
    const result = await cli(['set', 'image', 'deployment/web', 'web=web:2', 'side=side:2']);
    t.same(result, { code: 0, stdout: 'deployment.apps/web image updated\n', stderr: '' });
    t.same(web().spec.template.spec.containers.map((c) => c.image), ['web:2', 'side:2']);
    t.equal(web().metadata.generation, 2);

    const unknown = await cli(['set', 'image', 'deploy', 'web', 'web=web:3', 'x=y:1']);
    t.same(unknown, { code: 1, stdout: '', stderr: 'error: unable to find container named "x"\n' });
    t.equal(web().spec.template.spec.containers[0]!.image, 'web:2', 'nothing is written when one container is unknown');

    const writes = puts();
    t.same(await cli(['set', 'image', 'deployment/web', 'web=web:2']), { code: 0, stdout: '', stderr: '' }, 'no change: nothing printed, like kubectl');
    t.equal(puts(), writes, 'and no PUT');
    t.equal((await cli(['set', 'image', 'deployment/web'])).code, 1, 'CONTAINER=IMAGE is required');
  });

  t.test('rollout status prints each progress line once, then success', async (t) => {
    const { hub, cli } = await withHub(t);
    seedWeb(hub, 'web:2', { observedGeneration: 1 }, {});
    const d = hub.find('Deployment', 'web')!;
    d.metadata.generation = 2;
    const steps: DeploymentStatus[] = [
      { observedGeneration: 1, replicas: 3, updatedReplicas: 0, availableReplicas: 3 },
      { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3 },
      { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3 },
      { observedGeneration: 2, replicas: 5, updatedReplicas: 3, availableReplicas: 3 },
      { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 },
      { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
    ];
    let i = 0;
    hub.onGet = (o) => {
      if (o.kind === 'Deployment') o.status = steps[Math.min(i++, steps.length - 1)];
    };
    const result = await cli(['rollout', 'status', 'deployment/web']);
    t.equal(result.stderr, '');
    t.equal(result.code, 0);
    t.same(result.stdout.split('\n'), [
      'Waiting for deployment spec update to be observed...',
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
      'Waiting for deployment "web" rollout to finish: 2 old replicas are pending termination...',
      'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
      'deployment "web" successfully rolled out',
      '',
    ]);
    t.equal(i, 6, 'one GET per poll, stopping at success');
  });

  t.test('rollout status: deadline exceeded, timeout, not found', async (t) => {
    const { hub, cli, spawned } = await withHub(t);
    seedWeb(hub, 'web:2', {
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-x" has timed out progressing.' }],
    });
    // The built executable: scripts and CI gate on this exit code and stderr line.
    t.same(await spawned(['rollout', 'status', 'deployment/web']), { code: 1, stdout: '', stderr: 'error: deployment "web" exceeded its progress deadline\n' });

    const d = hub.find('Deployment', 'web')!;
    d.status = { observedGeneration: 1, replicas: 3, updatedReplicas: 1, availableReplicas: 3 };
    const started = Date.now();
    const slow = await cli(['rollout', 'status', 'deployment/web', '--timeout=1s']);
    t.same(slow, {
      code: 1,
      stdout: 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n',
      stderr: 'error: timed out waiting for the condition\n',
    });
    t.ok(Date.now() - started >= 1000, 'waited for the timeout');
    t.same(await cli(['rollout', 'status', 'deployment/nope', '--timeout=1s']), { code: 1, stdout: '', stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n' });
    t.equal((await cli(['rollout', 'status', 'deployment/web', '--timeout=soon'])).code, 1);
  });

  t.test('rollout history', async (t) => {
    const { hub, cli } = await withHub(t);
    seedWeb(hub, 'web:3', rolledOut);
    seedRs(hub, 'ccc', 3, 'web:3', 'web-uid', 'skiff set image deployment/web web=web:3');
    seedRs(hub, 'aaa', 1, 'web:1');
    seedRs(hub, 'bbb', 2, 'web:2');
    seedRs(hub, 'zzz', 7, 'other:1', 'someone-else');
    const result = await cli(['rollout', 'history', 'deployment/web']);
    t.same(result, {
      code: 0,
      stdout: 'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n3         skiff set image deployment/web web=web:3\n\n',
      stderr: '',
    });
    const one = await cli(['rollout', 'history', 'deployment/web', '--revision=2']);
    t.equal(one.code, 0);
    t.equal(
      one.stdout,
      [
        'deployment.apps/web with revision #2',
        'Pod Template:',
        '  Labels:  app=web',
        '           pod-template-hash=bbb',
        '  Containers:',
        '   web:',
        '    Image:        web:2',
        '    Port:         <none>',
        '    Environment:  <none>',
        '   side:',
        '    Image:        side:1',
        '    Port:         <none>',
        '    Environment:  <none>',
        '',
        '',
      ].join('\n'),
    );
    t.same(await cli(['rollout', 'history', 'deployment/web', '--revision=7']), { code: 1, stdout: '', stderr: 'error: unable to find the specified revision\n' });
  });

  t.test('rollout undo', async (t) => {
    const { hub, cli, web, puts } = await withHub(t);
    seedWeb(hub, 'web:3', rolledOut);
    seedRs(hub, 'aaa', 1, 'web:1');
    seedRs(hub, 'ccc', 3, 'web:3');
    seedRs(hub, 'bbb', 2, 'web:2');
    const result = await cli(['rollout', 'undo', 'deployment/web']);
    t.same(result, { code: 0, stdout: 'deployment.apps/web rolled back\n', stderr: '' });
    t.same(web().spec.template, template('web:2'), 'revision 2\'s template, without pod-template-hash');

    t.same(await cli(['rollout', 'undo', 'deployment/web', '--to-revision=1']), { code: 0, stdout: 'deployment.apps/web rolled back\n', stderr: '' });
    t.equal(web().spec.template.spec.containers[0]!.image, 'web:1');

    const writes = puts();
    t.same(await cli(['rollout', 'undo', 'deployment/web', '--to-revision=1']), {
      code: 0,
      stdout: 'deployment.apps/web skipped rollback (current template already matches revision 1)\n',
      stderr: '',
    });
    t.equal(puts(), writes, 'a skipped rollback writes nothing');
    t.same(await cli(['rollout', 'undo', 'deployment/web', '--to-revision=9']), { code: 1, stdout: '', stderr: 'error: unable to find specified revision 9 in history\n' });
  });

  t.test('rollout undo without history, and on a paused Deployment', async (t) => {
    const { hub, cli } = await withHub(t);
    seedWeb(hub, 'web:1', rolledOut, { paused: true });
    seedRs(hub, 'aaa', 1, 'web:1');
    t.same(await cli(['rollout', 'undo', 'deployment/web']), { code: 1, stdout: '', stderr: 'error: no rollout history found for deployment "web"\n' });
    seedRs(hub, 'bbb', 2, 'web:2');
    const paused = await cli(['rollout', 'undo', 'deployment/web']);
    t.equal(paused.code, 1);
    t.match(paused.stderr, /^error: you cannot rollback a paused deployment; resume it first/);
  });

  t.test('rollout restart, pause, resume', async (t) => {
    const { hub, cli, web } = await withHub(t);
    seedWeb(hub, 'web:1', rolledOut);
    const before = Date.now();
    t.same(await cli(['rollout', 'restart', 'deployment/web']), { code: 0, stdout: 'deployment.apps/web restarted\n', stderr: '' });
    const restartedAt = web().spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? '';
    t.match(restartedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'RFC 3339');
    t.ok(Date.parse(restartedAt) >= before - 1000);
    t.equal(web().metadata.generation, 2);

    t.same(await cli(['rollout', 'pause', 'deployment/web']), { code: 0, stdout: 'deployment.apps/web paused\n', stderr: '' });
    t.equal(web().spec.paused, true);
    t.same(await cli(['rollout', 'pause', 'deployment/web']), { code: 1, stdout: '', stderr: 'error: deployments.apps "web" is already paused\n' });
    const restart = await cli(['rollout', 'restart', 'deployment/web']);
    t.same(restart, { code: 1, stdout: '', stderr: 'error: deployments.apps "web" can\'t restart paused deployment (run rollout resume first)\n' });
    t.same(await cli(['rollout', 'resume', 'deployment/web']), { code: 0, stdout: 'deployment.apps/web resumed\n', stderr: '' });
    t.notOk(web().spec.paused);
    t.same(await cli(['rollout', 'resume', 'deployment/web']), { code: 1, stdout: '', stderr: 'error: deployments.apps "web" is not paused\n' });
  });

  t.test('-n picks the namespace', async (t) => {
    const { hub, cli } = await withHub(t);
    hub.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' } });
    hub.seed({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'edge' }, spec: { replicas: 1, template: template('web:1') } });
    t.same(await cli(['scale', '-n', 'edge', 'deployment/web', '--replicas=2']), { code: 0, stdout: 'deployment.apps/web scaled\n', stderr: '' });
    t.ok(hub.requests.some((r) => r.method === 'PUT' && r.path === '/apis/apps/v1/namespaces/edge/deployments/web'));
    t.equal((hub.find('Deployment', 'web', 'edge')!.spec as { replicas: number }).replicas, 2);
    t.notOk(hub.requests.some((r) => r.path === DEPLOY_PATH));
  });
}
