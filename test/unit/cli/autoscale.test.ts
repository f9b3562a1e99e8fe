/**
 * `skiff autoscale`: its flag checks, target parsing and generated HPA as pure functions, then
 * the command against a fake hub. The command lines run through the CLI's own entry function in
 * this process (test/helpers/in-process-cli.ts: a Node start-up per call was most of this file's
 * time); creating the HPA and a refused flag combination run through the built executable,
 * where the exit code and the two streams matter most.
 */
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { hpaFor, parseAutoscaleFlags, parseAutoscaleTarget } from '../../../hub/cli/actions/autoscale.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { requireBuild } from './fixtures/build-check.js';
import type { FakeHub } from './fixtures/fake-hub.js';
import { startHubCli } from './fixtures/hub-cli.js';

const deployments = resolveResource('deployments')!;

t.test('flags, checked as kubectl autoscale checks them', async (t) => {
  t.same(parseAutoscaleFlags({ max: '5' }), { max: 5, dryRun: false });
  t.same(parseAutoscaleFlags({ min: '2', max: '5', cpuPercent: '50', name: 'x', dryRun: 'client' }), { min: 2, max: 5, cpuPercent: 50, name: 'x', dryRun: true });
  t.throws(() => parseAutoscaleFlags({}), { message: '--max=MAXPODS is required and must be at least 1, max: -1' });
  t.throws(() => parseAutoscaleFlags({ max: '0' }), { message: '--max=MAXPODS is required and must be at least 1, max: 0' });
  t.throws(() => parseAutoscaleFlags({ min: '4', max: '2' }), { message: '--max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 4' });
  t.throws(() => parseAutoscaleFlags({ min: '0', max: '2' }), { message: '--min=MINPODS must be at least 1, min: 0' });
  t.throws(() => parseAutoscaleFlags({ max: 'lots' }), { message: 'invalid argument "lots" for "--max" flag: strconv.ParseInt: parsing "lots": invalid syntax' });
  t.throws(() => parseAutoscaleFlags({ max: '3', cpuPercent: '0' }), { message: /^--cpu-percent must be at least 1/ });
  t.throws(() => parseAutoscaleFlags({ max: '3', cpuPercent: '5.5' }), { message: /for "--cpu-percent" flag/ });
  t.throws(() => parseAutoscaleFlags({ max: '3', dryRun: 'maybe' }), { message: 'Invalid dry-run value (maybe). Must be "none", "server", or "client".' });
  t.throws(() => parseAutoscaleFlags({ max: '3', name: 'Bad_Name' }), { message: /for "--name" flag/ });
});

t.test('targets: TYPE NAME or TYPE/NAME, Deployments and ReplicaSets only', async (t) => {
  t.equal(parseAutoscaleTarget(['deployment/web']).name, 'web');
  t.equal(parseAutoscaleTarget(['deploy', 'web']).resource, deployments);
  t.equal(parseAutoscaleTarget(['rs/web-123']).resource.kind, 'ReplicaSet');
  t.throws(() => parseAutoscaleTarget(['pod/web']), { message: 'cannot autoscale a Pod: skiff autoscale supports deployments.apps and replicasets.apps only' });
  t.throws(() => parseAutoscaleTarget([]), { message: /required resource not specified/ });
  t.throws(() => parseAutoscaleTarget(['deployment']), { message: /no name was specified/ });
});

t.test('the generated HPA', async (t) => {
  t.same(hpaFor({ resource: deployments, name: 'web' }, { min: 1, max: 3, cpuPercent: 50, dryRun: false }, 'default'), {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    },
  });
  t.same(hpaFor({ resource: deployments, name: 'web' }, { max: 3, name: 'other', dryRun: false }, 'prod').spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    maxReplicas: 3,
  }, 'unset flags leave the API defaults to apply');
});

if (requireBuild(t)) {
  const seedWeb = (hub: FakeHub) =>
    hub.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'skiff-test/web:1' }] } } },
    });

  t.test('skiff autoscale creates the HPA', async (t) => {
    const { hub, cli, spawned } = await startHubCli(t);
    seedWeb(hub);
    // The built executable: created, exit 0, kubectl's one line.
    const result = await spawned(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=3']);
    t.same(result, { code: 0, stdout: 'horizontalpodautoscaler.autoscaling/web autoscaled\n', stderr: '' });
    t.match(hub.find('HorizontalPodAutoscaler', 'web')?.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    });

    const again = await cli(['autoscale', 'deployment/web', '--max=3']);
    t.equal(again.code, 1);
    t.match(again.stderr, /AlreadyExists.*horizontalpodautoscalers\.autoscaling "web" already exists/);

    const named = await cli(['autoscale', 'deployment/web', '--max=3', '--name', 'web-2', '-o', 'name']);
    t.same(named, { code: 0, stdout: 'horizontalpodautoscaler.autoscaling/web-2\n', stderr: '' });
  });

  t.test('--dry-run=client prints and creates nothing', async (t) => {
    const { hub, cli } = await startHubCli(t);
    seedWeb(hub);
    const yaml = await cli(['autoscale', 'deployment/web', '--max=3', '--cpu-percent=50', '--dry-run=client', '-o', 'yaml']);
    t.equal(yaml.code, 0, yaml.stderr);
    t.match(parseYaml(yaml.stdout), { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { maxReplicas: 3 } });
    const json = await cli(['autoscale', 'deployment/web', '--max=3', '--dry-run=client', '-o', 'json']);
    t.equal(JSON.parse(json.stdout).spec.maxReplicas, 3);
    t.same(await cli(['autoscale', 'deployment/web', '--max=3', '--dry-run=client']), { code: 0, stdout: 'horizontalpodautoscaler.autoscaling/web autoscaled (dry run)\n', stderr: '' });
    t.equal(hub.find('HorizontalPodAutoscaler', 'web'), undefined);
    t.equal(hub.requests.filter((r) => r.method === 'POST').length, 0);
  });

  t.test('errors name the flag or the missing target', async (t) => {
    const { hub, cli, spawned } = await startHubCli(t);
    // The built executable: a usage error exits 1 with the message on stderr only.
    t.same(await spawned(['autoscale', 'deployment/web', '--min=3', '--max=2']), { code: 1, stdout: '', stderr: 'error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 3\n' });
    t.same(await cli(['autoscale', 'deployment/web']), { code: 1, stdout: '', stderr: 'error: --max=MAXPODS is required and must be at least 1, max: -1\n' });
    const missing = await cli(['autoscale', 'deployment/nope', '--max=2']);
    t.equal(missing.code, 1);
    t.match(missing.stderr, /deployments\.apps "nope" not found/);
    t.equal(hub.requests.filter((r) => r.method === 'POST').length, 0);
  });
}
