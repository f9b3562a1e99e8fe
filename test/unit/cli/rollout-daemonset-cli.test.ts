/**
 * `skiff rollout status` and `rollout restart` on a DaemonSet, against a fake hub, in kubectl's
 * words. The command lines run through the CLI's own entry function in this process
 * (test/helpers/in-process-cli.ts: a Node start-up per call was most of this file's time); a
 * rollout status that succeeds and one that is refused run through the built executable, where
 * the exit code and the two streams are what scripts waiting on a rollout rely on.
 */
import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import type { DaemonSetStatus } from '../../../shared/api/schema/workloads.js';
import { requireBuild } from './fixtures/build-check.js';
import type { FakeHub } from './fixtures/fake-hub.js';
import { startHubCli } from './fixtures/hub-cli.js';

function seedProbe(hub: FakeHub, status: DaemonSetStatus, updateStrategy: Record<string, unknown> = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }): KubeObject {
  return hub.seed({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'probe', uid: 'probe-uid', generation: 2 },
    spec: {
      selector: { matchLabels: { app: 'probe' } },
      template: { metadata: { labels: { app: 'probe' } }, spec: { containers: [{ name: 'web', image: 'web:2' }] } },
      updateStrategy,
    },
    status,
  });
}

const counts = (observedGeneration: number, updated: number, available: number): DaemonSetStatus => ({
  observedGeneration,
  desiredNumberScheduled: 3,
  currentNumberScheduled: 3,
  numberMisscheduled: 0,
  numberReady: available,
  numberAvailable: available,
  updatedNumberScheduled: updated,
});

if (requireBuild(t)) {
  t.test('rollout status daemonset/NAME prints each progress line once, then success', async (t) => {
    const { hub, spawned } = await startHubCli(t);
    seedProbe(hub, counts(1, 0, 3));
    const steps = [counts(1, 0, 3), counts(2, 1, 3), counts(2, 1, 3), counts(2, 2, 3), counts(2, 3, 2), counts(2, 3, 3)];
    let i = 0;
    hub.onGet = (o) => {
      if (o.kind === 'DaemonSet') o.status = steps[Math.min(i++, steps.length - 1)];
    };
    // The built executable: each progress line as it comes, then success and exit 0.
    const result = await spawned(['rollout', 'status', 'daemonset/probe']);
    t.equal(result.stderr, '');
    t.equal(result.code, 0);
    t.same(result.stdout.split('\n'), [
      'Waiting for daemon set spec update to be observed...',
      'Waiting for daemon set "probe" rollout to finish: 1 out of 3 new pods have been updated...',
      'Waiting for daemon set "probe" rollout to finish: 2 out of 3 new pods have been updated...',
      'Waiting for daemon set "probe" rollout to finish: 2 of 3 updated pods are available...',
      'daemon set "probe" successfully rolled out',
      '',
    ]);
    t.equal(i, 6, 'one GET per poll, stopping at success');
  });

  t.test('rollout status ds NAME: the short name, OnDelete, timeout, not found', async (t) => {
    const { hub, cli, spawned } = await startHubCli(t);
    seedProbe(hub, counts(2, 3, 3));
    t.same(await cli(['rollout', 'status', 'ds', 'probe']), { code: 0, stdout: 'daemon set "probe" successfully rolled out\n', stderr: '' });
    hub.find('DaemonSet', 'probe')!.status = counts(2, 1, 3);
    t.same(await cli(['rollout', 'status', 'daemonsets.apps/probe', '--timeout=1s']), {
      code: 1,
      stdout: 'Waiting for daemon set "probe" rollout to finish: 1 out of 3 new pods have been updated...\n',
      stderr: 'error: timed out waiting for the condition\n',
    });
    (hub.find('DaemonSet', 'probe')!.spec as Record<string, unknown>).updateStrategy = { type: 'OnDelete' };
    // The built executable: a rollout that cannot be watched is an error, exit 1, stderr only.
    t.same(await spawned(['rollout', 'status', 'ds/probe']), { code: 1, stdout: '', stderr: 'error: rollout status is only available for RollingUpdate strategy type\n' });
    t.same(await cli(['rollout', 'status', 'ds/nope', '--timeout=1s']), { code: 1, stdout: '', stderr: 'Error from server (NotFound): daemonsets.apps "nope" not found\n' });
  });

  t.test('rollout restart ds/NAME stamps restartedAt on the template', async (t) => {
    const { hub, cli } = await startHubCli(t);
    seedProbe(hub, counts(2, 3, 3));
    const before = Date.now();
    t.same(await cli(['rollout', 'restart', 'ds/probe']), { code: 0, stdout: 'daemonset.apps/probe restarted\n', stderr: '' });
    const template = (hub.find('DaemonSet', 'probe')!.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template;
    const restartedAt = template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? '';
    t.match(restartedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'RFC 3339');
    t.ok(Date.parse(restartedAt) >= before - 1000);
  });

  t.test('set image daemonset/NAME updates the template, as kubectl does', async (t) => {
    const { hub, cli } = await startHubCli(t);
    seedProbe(hub, counts(2, 3, 3));
    t.same(await cli(['set', 'image', 'ds/probe', 'web=web:3']), { code: 0, stdout: 'daemonset.apps/probe image updated\n', stderr: '' });
    const template = (hub.find('DaemonSet', 'probe')!.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template;
    t.equal(template.spec.containers[0]!.image, 'web:3');
    t.same(await cli(['set', 'image', 'daemonset/probe', 'web=web:3']), { code: 0, stdout: '', stderr: '' }, 'unchanged: nothing printed');
    t.same(await cli(['set', 'image', 'pod/x', 'web=web:3']), { code: 1, stdout: '', stderr: 'error: skiff set image supports deployments and daemonsets only, not pods\n' });
  });

  t.test('other rollout verbs still take Deployments only', async (t) => {
    const { hub, cli } = await startHubCli(t);
    seedProbe(hub, counts(2, 3, 3));
    t.same(await cli(['rollout', 'pause', 'ds/probe']), { code: 1, stdout: '', stderr: 'error: skiff rollout pause supports deployments only, not daemonsets.apps\n' });
    t.same(await cli(['rollout', 'resume', 'ds/probe']), { code: 1, stdout: '', stderr: 'error: skiff rollout resume supports deployments only, not daemonsets.apps\n' });
    t.same(await cli(['rollout', 'status', 'pod/x']), { code: 1, stdout: '', stderr: 'error: skiff rollout status supports deployments and daemonsets only, not pods\n' });
  });
}
