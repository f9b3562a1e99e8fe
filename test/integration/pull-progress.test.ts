/**
 * Image pull progress (issue #9), end to end: a real registry serves an image with a large layer
 * of random bytes made for this run through a forwarder on 127.0.0.1 slowed to a few MB/s, so the
 * agent's real pull takes seconds; `skiff apply --wait` prints the pull's bytes and layers (the
 * agent's pod status message, relayed by the hub) while it waits, and then the rollout completes.
 */
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { docker } from '../helpers/processes.js';
import { startRegistry } from '../helpers/registry.js';
import { startThrottledForwarder } from '../helpers/throttled-forwarder.js';

/** ~5 s at the forwarder's rate: long enough for a few throttled progress reports (one per 2 s). */
const LAYER_BYTES = 15_000_000;
const BYTES_PER_SECOND = 3_000_000;

async function dockerOk(args: string[]): Promise<string> {
  const result = await docker(args);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout.trim();
}

t.test('apply --wait shows the bytes and layers of a slow pull, then the rollout completes', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.close());
  const [host, port] = registry.host.split(':');
  const forwarder = await startThrottledForwarder({ host: host!, port: Number(port) }, BYTES_PER_SECOND);
  t.teardown(() => forwarder.close());
  const cluster = await TestCluster.start(t, { agents: ['puller'] });
  const node = cluster.nodeName('puller');

  // The image: the test image plus a layer of random bytes, pushed straight to the registry and
  // then removed from the engine, which pulls it back through the slow forwarder.
  const repository = `pull-progress-${cluster.id}`;
  const pushed = `${registry.host}/${repository}:1`;
  const pulled = `${forwarder.host}/${repository}:1`;
  const builder = `skiff-pull-progress-${cluster.id}`;
  t.teardown(async () => {
    await docker(['rm', '-f', builder]);
    await docker(['rmi', '-f', pushed, pulled]);
  });
  await dockerOk(['run', '--name', builder, 'skiff-test/web:1', 'sh', '-c', `head -c ${LAYER_BYTES} /dev/urandom > /blob`]);
  const baseCmd = await dockerOk(['image', 'inspect', '--format', '{{json .Config.Cmd}}', 'skiff-test/web:1']);
  await dockerOk(['commit', '--change', `CMD ${baseCmd}`, builder, pushed]);
  await dockerOk(['rm', '-f', builder]);
  await dockerOk(['push', pushed]);
  await dockerOk(['rmi', pushed]);

  const manifest = JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'slow-pull' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'slow-pull' } },
      template: { metadata: { labels: { app: 'slow-pull' } }, spec: { containers: [{ name: 'web', image: pulled }] } },
    },
  });
  const result = await cluster.skiff(['apply', '-f', '-', '--wait', '--timeout=2m'], { input: manifest });
  t.equal(result.stderr, '');
  t.equal(result.code, 0);
  const lines = result.stdout.trim().split('\n');
  t.equal(lines[0], 'deployment.apps/slow-pull created');
  const progress = lines.filter((line) => line.startsWith(`Waiting for deployment "slow-pull" rollout to finish: pulling image "${pulled}" on node ${node}: `));
  t.ok(progress.length >= 1, `at least one progress line:\n${result.stdout}`);
  for (const line of progress) t.match(line, /: \d+(\.\d)? [kMG]?B (of (at least )?\d+(\.\d)? [kMG]?B|downloaded), [0-2] of 2 layers$/, 'bytes, and the two layers (the base one already here)');
  t.ok(
    progress.some((line) => /: \d+\.\d MB of 15\.0 MB, 1 of 2 layers$/.test(line)),
    'one of them midway through the big layer, its size known',
  );
  t.equal(lines.at(-1), 'deployment "slow-pull" successfully rolled out', 'then the rollout completed');
  t.equal(new Set(lines).size, lines.length, 'no line printed twice');
});
