/**
 * `describe deployment` against the text real kubectl 1.32.4 printed for the same Deployment and
 * ReplicaSets (served by a stub API server, TZ=UTC), byte for byte.
 */
import t from 'tap';
import { describeDeployment, replicaSetsOf, selectorString } from '../../../hub/cli/describe/deployment.js';
import type { DescribeClock } from '../../../hub/cli/describe/time-format.js';
import type { Deployment, ReplicaSet } from '../../../shared/api/schema/workloads.js';
import { DESCRIBE_NOW, describeFixtures } from './fixtures/describe-objects.js';

const clock: DescribeClock = { now: DESCRIBE_NOW, utcOffsetMinutes: 0 };
const text = (lines: string[]): string => `${lines.join('\n')}\n`;
const { deployment, replicaSets, webEvents } = describeFixtures();

const DEPLOYMENT_LINES = [
      'Name:                   web',
      'Namespace:              default',
      'CreationTimestamp:      Fri, 14 Mar 2025 07:26:53 +0000',
      'Labels:                 app=web',
      'Annotations:            deployment.kubernetes.io/revision: 2',
      'Selector:               app=web',
      'Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable',
      'StrategyType:           RollingUpdate',
      'MinReadySeconds:        0',
      'RollingUpdateStrategy:  25% max unavailable, 25% max surge',
      'Pod Template:',
      '  Labels:  app=web',
      '  Containers:',
      '   web:',
      '    Image:      skiff-test/web:1',
      '    Port:       80/TCP',
      '    Host Port:  0/TCP',
      '    Limits:',
      '      cpu:     500m',
      '      memory:  128Mi',
      '    Requests:',
      '      cpu:      250m',
      '      memory:   64Mi',
      '    Readiness:  http-get http://:80/healthz delay=2s timeout=1s period=5s #success=1 #failure=3',
      '    Environment:',
      '      GREETING:    hello',
      '    Mounts:        <none>',
      '  Volumes:         <none>',
      '  Node-Selectors:  <none>',
      '  Tolerations:     <none>',
      'Conditions:',
      '  Type           Status  Reason',
      '  ----           ------  ------',
      '  Available      True    MinimumReplicasAvailable',
      '  Progressing    True    NewReplicaSetAvailable',
      'OldReplicaSets:  web-7f9b6c5d4b (0/0 replicas created)',
      'NewReplicaSet:   web-5d8c7b9f4d (3/3 replicas created)',
      'Events:          <none>',
    ];

t.test('a rolled-out Deployment: replicas line, strategy, pod template, conditions, old and new ReplicaSets', async (t) => {
  t.equal(describeDeployment(deployment, replicaSetsOf(deployment, replicaSets), [], clock), text(DEPLOYMENT_LINES));
});

t.test('the new ReplicaSet is the one with the Deployment\'s template; every other owned one is old', async (t) => {
  const [current, old] = replicaSets as [ReplicaSet, ReplicaSet];
  const foreign = { ...old, metadata: { ...old.metadata, name: 'other-1', uid: 'uid-other', ownerReferences: [{ ...old.metadata.ownerReferences![0]!, uid: 'uid-someone-else' }] } };
  const older = { ...old, metadata: { ...old.metadata, name: 'web-1111111111', uid: 'uid-rs-oldest', creationTimestamp: '2020-01-01T00:00:00Z' } };
  const groups = replicaSetsOf(deployment, [current, old, foreign, older]);
  t.equal(groups.current?.metadata.name, 'web-5d8c7b9f4d');
  t.same(groups.old.map((rs) => rs.metadata.name), ['web-1111111111', 'web-7f9b6c5d4b'], 'oldest first, only those the Deployment controls');

  const changed = { ...deployment, spec: { ...deployment.spec, template: { ...deployment.spec.template, spec: { ...deployment.spec.template.spec, containers: [{ name: 'web', image: 'skiff-test/web:3' }] } } } } as Deployment;
  const rolling = replicaSetsOf(changed, replicaSets);
  t.equal(rolling.current, undefined, 'no ReplicaSet for a template not rolled out yet');
  t.equal(rolling.old.length, 2);
  t.match(describeDeployment(changed, rolling, [], clock), /\nOldReplicaSets:\s+web-7f9b6c5d4b \(0\/0 replicas created\), web-5d8c7b9f4d \(3\/3 replicas created\)\nNewReplicaSet:\s+<none>\n/);
});

t.test('without ReplicaSets or conditions those sections are left out; events end the text', async (t) => {
  const fresh = { ...deployment, status: {} } as Deployment;
  const out = describeDeployment(fresh, { old: [], current: undefined }, webEvents, clock);
  t.match(out, /\nReplicas:\s+3 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable\n/);
  t.notMatch(out, /Conditions:|ReplicaSet:/);
  t.match(out, /\n  Tolerations:\s+<none>\nEvents:\n  Type     Reason/);
});

t.test('a Recreate Deployment has no RollingUpdateStrategy line', async (t) => {
  const recreate = { ...deployment, spec: { ...deployment.spec, strategy: { type: 'Recreate' }, minReadySeconds: 10 } } as Deployment;
  const out = describeDeployment(recreate, { old: [], current: undefined }, undefined, clock);
  t.match(out, /\nStrategyType:\s+Recreate\nMinReadySeconds:\s+10\nPod Template:\n/);
  t.notMatch(out, /RollingUpdateStrategy|Events:/);
});

t.test('selectors print as labels.Selector.String(): sorted terms, set-based expressions', async (t) => {
  t.equal(selectorString({ matchLabels: { tier: 'edge', app: 'web' } }), 'app=web,tier=edge');
  t.equal(
    selectorString({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'zone', operator: 'In', values: ['b', 'a'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'arch', operator: 'NotIn', values: ['arm'] },
        { key: 'gpu', operator: 'Exists' },
      ],
    }),
    'app=web,arch notin (arm),!canary,gpu,zone in (a,b)',
  );
  t.equal(selectorString({}), '', 'an empty selector selects everything and prints nothing');
});
