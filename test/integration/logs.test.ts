/**
 * `skiff logs` and the API's pods/{name}/log on a real hub and agent with real containers (issue
 * #9): the output comes from the agent over MQTT; --tail, --timestamps, --since and
 * deployment/NAME as kubectl has them; following a container keeps streaming across its restart;
 * --previous reads the output kept from the ended attempt;
 * the real kubectl reads the same endpoint; bad requests fail as kube-apiserver fails them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { run } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

/** A Pod counting lines, one every 100 ms; with `exitAfter` the container exits after that many (and restarts). */
const counter = (name: string, options: { exitAfter?: number; containers?: string[] } = {}): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: (options.containers ?? ['main']).map((container) => ({
        name: container,
        image: 'skiff-test/web:1',
        imagePullPolicy: 'Never',
        command: [
          '/bin/sh',
          '-c',
          `echo "start $(cat /proc/sys/kernel/random/uuid)"; i=0; while [ $i -lt ${options.exitAfter ?? 1000000} ]; do echo "${container} line $i"; i=$((i+1)); sleep 0.1; done`,
        ],
      })),
    },
  });

t.test('logs of real containers, through the hub', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['logs1'] });
  const apply = async (manifest: string): Promise<void> => {
    const result = await cluster.skiff(['apply', '-f', '-'], { input: manifest });
    t.equal(result.code, 0, result.stderr);
  };
  await apply(counter('counter'));
  await apply(counter('crasher', { exitAfter: 5 }));
  await apply(counter('pair', { containers: ['left', 'right'] }));
  await waitFor('the counter Pod Running', async () => (await listPods(cluster, 'app=counter')).every(isRunningAndReady) && (await listPods(cluster, 'app=counter')).length === 1);
  await waitFor('10 lines logged', async () => (await cluster.skiff(['logs', 'counter'])).stdout.includes('main line 9'));

  await t.test('skiff logs POD prints the container output, in order', async (t) => {
    const result = await cluster.skiff(['logs', 'counter']);
    t.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    t.match(lines[0], /^start [0-9a-f-]{36}$/);
    t.same(lines.slice(1, 6), ['main line 0', 'main line 1', 'main line 2', 'main line 3', 'main line 4']);
  });

  await t.test('--tail, --timestamps, --since and --limit-bytes', async (t) => {
    const tail = await cluster.skiff(['logs', 'counter', '--tail', '2']);
    t.equal(tail.stdout.trimEnd().split('\n').length, 2, tail.stdout);
    const stamped = await cluster.skiff(['logs', 'counter', '--tail', '1', '--timestamps']);
    t.match(stamped.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z main line \d+\n$/);
    // A line every 0.1 s (slower under load, never faster): at line 30, line 0 is at least 3 s old.
    await waitFor('line 30 logged', async () => /main line (3\d|[4-9]\d|\d{3,})\n$/.test((await cluster.skiff(['logs', 'counter', '--tail', '1'])).stdout), { intervalMs: 200 });
    const recent = await cluster.skiff(['logs', 'counter', '--since', '1s']);
    t.notMatch(recent.stdout, /main line 0\n/, 'the first lines are older than a second');
    const limited = await cluster.skiff(['logs', 'counter', '--limit-bytes', '10']);
    t.equal(limited.stdout.length, 10);
  });

  await t.test('a Pod with several containers needs -c, as kube-apiserver says', async (t) => {
    await waitFor('the pair Pod Running', async () => (await listPods(cluster, 'app=pair')).every(isRunningAndReady) && (await listPods(cluster, 'app=pair')).length === 1);
    const bare = await cluster.skiff(['logs', 'pair']);
    t.not(bare.code, 0);
    t.match(bare.stderr, /a container name must be specified for pod pair, choose one of: \[left right\]/);
    const right = await waitFor('the right container to log', async () => {
      const result = await cluster.skiff(['logs', 'pair', '-c', 'right', '--tail', '1']);
      return result.stdout.includes('right line') ? result : undefined;
    });
    t.match(right.stdout, /^right line \d+\n$/);
    const wrong = await cluster.skiff(['logs', 'pair', '-c', 'nope']);
    t.match(wrong.stderr, /container nope is not valid for pod pair/);
    const missing = await cluster.skiff(['logs', 'no-such-pod']);
    t.match(missing.stderr, /pods "no-such-pod" not found/);
  });

  await t.test('skiff logs deployment/NAME reads one of its Pods', async (t) => {
    const deployment = JSON.parse(counter('ticker')) as { metadata: unknown; spec: unknown };
    await apply(
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'ticker' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'ticker' } }, template: { metadata: deployment.metadata, spec: deployment.spec } },
      }),
    );
    const result = await waitFor('the ticker Pods to log', async () => {
      const r = await cluster.skiff(['logs', 'deployment/ticker', '--tail', '1']);
      return r.stdout.includes('main line') ? r : undefined;
    });
    t.match(result.stderr, /^Found 2 pods, using pod\/ticker-\S+\n$/);
  });

  await t.test('following a container streams across its restart', async (t) => {
    const abort = new AbortController();
    const response = await waitFor('the crasher to have started', async () => {
      const res = await cluster.fetch('/api/v1/namespaces/default/pods/crasher/log?follow=true', { signal: abort.signal });
      return res.status === 200 ? res : undefined;
    });
    const decoder = new TextDecoder();
    let text = '';
    const starts = await waitFor(
      'two runs of the container in one followed stream',
      async () => {
        const reader = response.body!.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return undefined;
          text += decoder.decode(value, { stream: true });
          const found = text.match(/^start \S+$/gm) ?? [];
          if (found.length >= 2) {
            reader.releaseLock();
            return found;
          }
        }
      },
      { timeoutMs: 60_000 },
    );
    abort.abort();
    t.equal(new Set(starts).size, starts.length, 'each start line is a different run');
    t.match(text, /main line 4\nstart /, 'the next run follows the last line of the one before');
  });

  await t.test('--previous prints the run before the last one, kept when its container was removed', async (t) => {
    const previous = await cluster.skiff(['logs', 'crasher', '--previous']);
    t.equal(previous.code, 0, previous.stderr);
    t.match(previous.stdout, /^start \S+\n(main line \d\n){5}$/);
    const stamped = await cluster.skiff(['logs', 'crasher', '--previous', '--timestamps', '--tail', '1']);
    t.match(stamped.stdout, /^\d{4}-\d\d-\d\dT\S+Z main line 4\n$/, 'with the engine timestamps it was kept with');
    const none = await cluster.skiff(['logs', 'counter', '--previous']);
    t.not(none.code, 0);
    t.match(none.stderr, /previous terminated container "main" in pod "counter" not found/);
  });

  await t.test('the real kubectl reads the same logs', async (t) => {
    const printed = await cluster.skiff(['config', 'kubeconfig']);
    const kubeconfig = join(cluster.dir, 'logs-kubeconfig.yaml');
    writeFileSync(kubeconfig, printed.stdout, { mode: 0o600 });
    const home = join(cluster.dir, 'kube-home-logs');
    mkdirSync(home);
    const result = await run('/usr/bin/kubectl', ['logs', 'counter', '--tail=3'], { env: { KUBECONFIG: kubeconfig, HOME: home } });
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, /^(main line \d+\n){3}$/);
  });
});
