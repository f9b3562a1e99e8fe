/**
 * Image pull progress while `rollout status` and `apply --wait` wait (issue #9): the lines made
 * from the Pods' waiting messages (pure), each printed once per change, nothing extra without a
 * pull; then both commands against a fake hub whose Pods pull, in this process.
 */
import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import type { DeploymentStatus } from '../../../shared/api/status-types.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { ApiStatusError } from '../../../hub/cli/api-errors.js';
import { waitForRollout } from '../../../hub/cli/actions/rollout.js';
import type { CliContext } from '../../../hub/cli/context.js';
import type { HubClient } from '../../../hub/cli/hub-client.js';
import { newPullProgressLines, pullProgressLines, type PodLike } from '../../../hub/cli/rollout-logic.js';
import { requireBuild } from './fixtures/build-check.js';
import { startHubCli } from './fixtures/hub-cli.js';
import type { FakeHub } from './fixtures/fake-hub.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';

function pullingPod(name: string, node: string | undefined, messages: Array<string | undefined>): PodLike & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { ...(node ? { nodeName: node } : {}), containers: messages.map((_, i) => ({ name: `c${i}`, image: 'x' })) },
    status: { phase: 'Pending', containerStatuses: messages.map((message) => ({ image: 'x', state: { waiting: { reason: 'ContainerCreating', ...(message ? { message } : {}) } } })) },
  };
}

const PULL = 'Pulling image "reg/x:2": 12.3 MB of 45.6 MB, 3 of 7 layers';

t.test('one line per node and image, sorted, from the Pods pulling', async (t) => {
  const pods: PodLike[] = [
    pullingPod('web-b', 'pi-2', [PULL]),
    pullingPod('web-a', 'pi-1', [PULL, 'Pulling image "reg/side:1"']),
    pullingPod('web-c', 'pi-1', [PULL]), // the same pull as web-a's: one line
    pullingPod('web-d', undefined, [PULL]),
    pullingPod('web-e', 'pi-3', [undefined, 'Back-off pulling image "reg/x:2"']),
    { metadata: { name: 'bare' } },
  ];
  t.same(
    pullProgressLines('deployment', 'web', pods).map((l) => l.line),
    [
      'Waiting for deployment "web" rollout to finish: pulling image "reg/x:2": 12.3 MB of 45.6 MB, 3 of 7 layers',
      'Waiting for deployment "web" rollout to finish: pulling image "reg/side:1" on node pi-1',
      'Waiting for deployment "web" rollout to finish: pulling image "reg/x:2" on node pi-1: 12.3 MB of 45.6 MB, 3 of 7 layers',
      'Waiting for deployment "web" rollout to finish: pulling image "reg/x:2" on node pi-2: 12.3 MB of 45.6 MB, 3 of 7 layers',
    ],
  );
  t.same(pullProgressLines('daemon set', 'agentd', [pullingPod('a', 'pi-1', [PULL])]).map((l) => l.line), [
    'Waiting for daemon set "agentd" rollout to finish: pulling image "reg/x:2" on node pi-1: 12.3 MB of 45.6 MB, 3 of 7 layers',
  ]);
  t.same(pullProgressLines('deployment', 'web', [pullingPod('a', 'pi-1', [undefined])]), [], 'no pull: no line');
});

t.test('a line is printed once per change; a pull that ended is forgotten', async (t) => {
  const printed = new Map<string, string>();
  const a1 = { key: 'pi-1 x', line: 'a 1' };
  const b1 = { key: 'pi-2 x', line: 'b 1' };
  t.same(newPullProgressLines([a1, b1], printed), ['a 1', 'b 1']);
  t.same(newPullProgressLines([a1, b1], printed), [], 'unchanged');
  t.same(newPullProgressLines([{ key: 'pi-1 x', line: 'a 2' }, b1], printed), ['a 2'], 'only what changed');
  t.same(newPullProgressLines([b1], printed), [], 'a ended');
  t.same(newPullProgressLines([{ key: 'pi-1 x', line: 'a 2' }, b1], printed), ['a 2'], 'a pulls again: printed again');
});

/** A hub client that answers the Deployment and the Pod list from the given functions (pure-logic test of the wait loop). */
function stubClient(deployment: () => KubeObject, podList: () => KubeObject[]): { client: HubClient; podGets: () => number } {
  let podGets = 0;
  const client = {
    async get(path: string) {
      if (path.endsWith('/pods')) {
        podGets++;
        return { items: podList() };
      }
      return deployment();
    },
  } as unknown as HubClient;
  return { client, podGets: () => podGets };
}

const deploymentsType = resolveResource('deployments')!;
const target = { name: 'web', namespace: 'default', path: '/apis/apps/v1/namespaces/default/deployments/web', resource: deploymentsType };
const waitingDeployment = (extra: Record<string, unknown> = {}): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', generation: 1 },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, ...extra },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 },
  }) as KubeObject;

function capture(): { ctx: CliContext; out: () => string } {
  let out = '';
  return { ctx: { io: { stdout: (text: string) => void (out += text) } } as unknown as CliContext, out: () => out };
}

const noSleep = { sleep: async () => undefined };

t.test('a user who may not list Pods still waits, without pull lines; other errors fail the wait', async (t) => {
  let polls = 0;
  const forbidden = stubClient(
    () => {
      polls++;
      const d = waitingDeployment();
      if (polls >= 3) (d.status as DeploymentStatus).availableReplicas = 1;
      return d;
    },
    () => {
      throw new ApiStatusError(403, { kind: 'Status', status: 'Failure', code: 403, reason: 'Forbidden', message: 'pods is forbidden' });
    },
  );
  const { ctx, out } = capture();
  await waitForRollout(forbidden.client, target, 0, ctx, noSleep);
  t.equal(out(), 'Waiting for deployment "web" rollout to finish: 0 of 1 updated replicas are available...\ndeployment "web" successfully rolled out\n');
  t.equal(forbidden.podGets(), 1, 'asked once, then not again');

  const broken = stubClient(
    () => waitingDeployment(),
    () => {
      throw new ApiStatusError(500, 'boom');
    },
  );
  await t.rejects(waitForRollout(broken.client, target, 0, capture().ctx, noSleep), ApiStatusError);

  const noSelector = stubClient(
    () => waitingDeployment({ selector: undefined }),
    () => [],
  );
  await t.rejects(waitForRollout(noSelector.client, target, 1, capture().ctx, { ...noSleep, now: (() => { let ms = 0; return () => (ms += 1); })() }), /timed out waiting for the condition/);
  t.equal(noSelector.podGets(), 0, 'no selector: no Pods to look at');
});

if (requireBuild(t)) {
  const DEPLOY_PATH = '/apis/apps/v1/namespaces/default/deployments/web';

  /** The Deployment "web" rolls out over a few polls while its Pod pulls: the pull's messages change at each poll. */
  function seedRollout(hub: FakeHub, messages: Array<string | undefined>): void {
    hub.seed(pullingPod('web-1', 'pi-1', [messages[0]]));
    const steps: DeploymentStatus[] = messages.map(() => ({ observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }));
    steps.push({ observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 });
    let i = 0;
    hub.onGet = (o) => {
      if (o.kind !== 'Deployment') return;
      const step = Math.min(i++, steps.length - 1);
      o.status = steps[step];
      const message = messages[step];
      hub.find('Pod', 'web-1')!.status = { phase: 'Pending', containerStatuses: [{ name: 'c0', image: 'x', state: { waiting: { reason: 'ContainerCreating', ...(message ? { message } : {}) } } }] };
    };
  }

  const MESSAGES = [
    'Pulling image "reg/x:2"',
    'Pulling image "reg/x:2": 1.0 MB of 9.0 MB, 1 of 3 layers',
    'Pulling image "reg/x:2": 1.0 MB of 9.0 MB, 1 of 3 layers',
    'Pulling image "reg/x:2": 9.0 MB of 9.0 MB, 3 of 3 layers',
    undefined,
  ];
  const EXPECTED = [
    'Waiting for deployment "web" rollout to finish: 0 of 1 updated replicas are available...',
    'Waiting for deployment "web" rollout to finish: pulling image "reg/x:2" on node pi-1',
    'Waiting for deployment "web" rollout to finish: pulling image "reg/x:2" on node pi-1: 1.0 MB of 9.0 MB, 1 of 3 layers',
    'Waiting for deployment "web" rollout to finish: pulling image "reg/x:2" on node pi-1: 9.0 MB of 9.0 MB, 3 of 3 layers',
    'deployment "web" successfully rolled out',
    '',
  ];

  t.test('rollout status prints the pull progress of its Pods, once per change', async (t) => {
    const { hub, cli } = await startHubCli(t);
    hub.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', uid: 'web-uid', generation: 1 },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c0', image: 'reg/x:2' }] } } },
    });
    seedRollout(hub, MESSAGES);
    const result = await cli(['rollout', 'status', 'deployment/web']);
    t.equal(result.stderr, '');
    t.equal(result.code, 0);
    t.same(result.stdout.split('\n'), EXPECTED);
    const podLists = hub.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/default/pods');
    t.ok(podLists.length > 0 && podLists.every((r) => r.query.get('labelSelector') === 'app=web'), "the Pods are found by the Deployment's selector");
    const lastRequest = hub.requests.at(-1)!;
    t.equal(lastRequest.path, DEPLOY_PATH, 'once rolled out, the Pods are not looked at again');
  });

  t.test('apply --wait waits for the rollouts it applied, with their pull progress; without --wait it does not', async (t) => {
    const { hub } = await startHubCli(t);
    const manifest = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web}',
      'spec:',
      '  replicas: 1',
      '  selector: {matchLabels: {app: web}}',
      '  template:',
      '    metadata: {labels: {app: web}}',
      '    spec: {containers: [{name: c0, image: "reg/x:2"}]}',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: settings}',
      'data: {a: b}',
      '',
    ].join('\n');
    seedRollout(hub, MESSAGES);
    const result = await runCliInProcess(['apply', '-f', '-', '--wait', '--timeout=1m'], { config: hub.configFile, stdin: manifest });
    t.equal(result.stderr, '');
    t.equal(result.code, 0);
    t.same(result.stdout.split('\n'), ['deployment.apps/web created', 'configmap/settings created', ...EXPECTED]);

    hub.onGet = undefined;
    const again = await runCliInProcess(['apply', '-f', '-'], { config: hub.configFile, stdin: manifest.replace('a: b', 'a: c') });
    t.same(again, { code: 0, stdout: 'deployment.apps/web unchanged\nconfigmap/settings configured\n', stderr: '' }, 'no --wait: no waiting');
    t.equal((await runCliInProcess(['apply', '-f', '-', '--wait', '--timeout=soon'], { config: hub.configFile, stdin: manifest })).code, 1, 'a bad --timeout is refused');
  });
}
