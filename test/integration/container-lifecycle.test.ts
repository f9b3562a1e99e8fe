/**
 * A container's life as Kubernetes defines it, proved on a real hub, a real agent and the
 * machine's real Docker engine (issue #3): what a container spec turns into in Docker (command,
 * args, env with `$(VAR)` expansion, workingDir, ports), restartPolicy for bare Pods, graceful
 * termination with terminationGracePeriodSeconds, and imagePullPolicy Never. Every check looks at
 * both sides: the Pod status the API reports and the containers Docker actually ran.
 * The crash-loop backoff schedule is in crash-loop.test.ts.
 */
import { spawn } from 'node:child_process';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { DockerEventLog } from '../helpers/docker-events.js';
import { type PodView } from '../helpers/pods.js';
import { freePort } from '../helpers/ports.js';
import { docker } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

/** The parts of `docker inspect` these tests read. */
interface Inspected {
  Id: string;
  Config: { Entrypoint: string[] | null; Cmd: string[] | null; Env: string[]; WorkingDir: string; ExposedPorts?: Record<string, object> };
  HostConfig: { PortBindings?: Record<string, Array<{ HostIp: string; HostPort: string }>>; NetworkMode?: string };
  NetworkSettings: { Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> };
  State: { Status: string; ExitCode: number };
}

type ContainerSpec = Record<string, unknown>;

function podObject(name: string, container: ContainerSpec, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { test: 'lifecycle' } },
    spec: { ...spec, containers: [{ name: 'app', image: 'skiff-test/web:1', imagePullPolicy: 'IfNotPresent', ...container }] },
  };
}

async function apply(cluster: TestCluster, ...pods: Array<Record<string, unknown>>): Promise<void> {
  const result = await cluster.skiff(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods }) });
  if (result.code !== 0) throw new Error(`apply failed (${result.code}): ${result.stderr}`);
}

/** One Pod straight from the API (no CLI process in polling loops). */
function getPod(cluster: TestCluster, name: string): Promise<PodView> {
  return cluster.api<PodView>(`/api/v1/namespaces/default/pods/${name}`);
}

function status(pod: PodView): NonNullable<NonNullable<PodView['status']>['containerStatuses']>[number] | undefined {
  return pod.status?.containerStatuses?.[0];
}

async function running(cluster: TestCluster, name: string, timeoutMs = 60_000): Promise<PodView> {
  return waitFor(
    `pod ${name} to run`,
    async () => {
      const pod = await getPod(cluster, name);
      return pod.status?.phase === 'Running' && status(pod)?.state.running ? pod : undefined;
    },
    { timeoutMs },
  );
}

async function inspect(containerId: string): Promise<Inspected> {
  const result = await docker(['inspect', containerId.replace('docker://', '')]);
  if (result.code !== 0) throw new Error(`docker inspect ${containerId}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as Inspected[])[0]!;
}

/** The container a running pod reports, as Docker sees it. */
async function containerOf(pod: PodView): Promise<Inspected> {
  return inspect(status(pod)!.containerID!);
}

/** The sandbox whose network namespace a pod container joined. */
async function sandboxOf(container: Inspected): Promise<Inspected> {
  const mode = container.HostConfig.NetworkMode ?? '';
  if (!mode.startsWith('container:')) throw new Error(`container ${container.Id} is in no pod sandbox (NetworkMode ${mode})`);
  return inspect(mode.slice('container:'.length));
}

/** Ids of a pod's containers in Docker, any state (not its sandbox). */
async function containerIds(node: string, pod: string): Promise<string[]> {
  const list = await docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Label "skiff.container.name"}}', '--filter', `label=skiff.node=${node}`, '--filter', `label=skiff.pod.name=${pod}`]);
  if (list.code !== 0) throw new Error(`docker ps: ${list.stderr}`);
  return list.stdout
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith(' POD'))
    .map((line) => line.split(' ')[0]!);
}

async function logsOf(containerId: string): Promise<string> {
  const result = await docker(['logs', containerId]);
  return result.stdout + result.stderr;
}

/** `docker logs -f`: keeps what a container printed even after the agent removed it. */
function followLogs(t: { teardown(fn: () => unknown): void }, containerId: string): { text: () => string } {
  let text = '';
  const child = spawn('docker', ['logs', '-f', containerId], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  t.teardown(() => {
    child.kill('SIGTERM');
  });
  return { text: () => text };
}

/** The `skiff get pod NAME` row, columns split. */
async function row(cluster: TestCluster, name: string): Promise<string> {
  const get = await cluster.skiff(['get', 'pod', name]);
  if (get.code !== 0) throw new Error(`get pod ${name}: ${get.stderr}`);
  return get.stdout.trimEnd().split('\n')[1] ?? '';
}

/** The env entries Docker holds for the names the pod declared, in Docker's order. */
function declared(env: readonly string[], names: readonly string[]): string[] {
  return env.filter((entry) => names.includes(entry.slice(0, entry.indexOf('='))));
}

t.test('containers live and die as Kubernetes says', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['life'] });
  const node = cluster.nodeName('life');
  const events = DockerEventLog.start(t, `skiff.node=${node}`);
  // The subtests use pods of their own and mostly wait (backoffs, grace periods): run them side by side.
  t.jobs = 6;

  t.test('command, args, env ($(VAR) expansion) and workingDir reach the container', async (t) => {
    const env = [
      { name: 'GREETING', value: 'hello' },
      { name: 'TARGET', value: 'world' },
      { name: 'MESSAGE', value: '$(GREETING), $(TARGET)!' },
      { name: 'ESCAPED', value: '$$(GREETING)' },
      { name: 'UNDECLARED', value: '$(NOT_DECLARED)' },
      { name: 'TOO_EARLY', value: '$(LATE)' },
      { name: 'LATE', value: 'late' },
      { name: 'ZZ_FIRST', value: '1' },
      { name: 'AA_SECOND', value: '2' },
      { name: 'EMPTY' },
    ];
    // /proc/1/environ is the environment exactly as the container got it (the shell is PID 1 until
    // it execs sleep; `env` would print the shell's own re-exported copy, in its own order).
    const script = `echo "argv: [$0] [$1]"; echo "pwd: $(pwd)"; tr '\\0' '\\n' </proc/1/environ; exec sleep 3600`;
    await apply(
      cluster,
      podObject('fields', {
        // `$(pwd)` names no declared variable, so Kubernetes leaves it for the shell to run.
        command: ['sh', '-c', script],
        args: ['$(GREETING)-arg', '$$(GREETING)'],
        env,
        workingDir: '/srv/work',
      }),
    );
    const pod = await running(cluster, 'fields');
    const container = await containerOf(pod);

    t.same(container.Config.Entrypoint, ['sh', '-c', script], 'command replaces ENTRYPOINT, $(pwd) left as written');
    t.same(container.Config.Cmd, ['hello-arg', '$(GREETING)'], 'args replace CMD, expanded');
    const expected = ['GREETING=hello', 'TARGET=world', 'MESSAGE=hello, world!', 'ESCAPED=$(GREETING)', 'UNDECLARED=$(NOT_DECLARED)', 'TOO_EARLY=$(LATE)', 'LATE=late', 'ZZ_FIRST=1', 'AA_SECOND=2', 'EMPTY='];
    const names = env.map((e) => e.name);
    t.same(declared(container.Config.Env, names), expected, 'env: expanded values in declaration order');
    t.equal(container.Config.WorkingDir, '/srv/work');

    // What the process itself sees.
    const logs = await waitFor('the container to print its environment', async () => {
      const text = await logsOf(container.Id);
      return text.includes('EMPTY=') ? text : undefined;
    });
    const lines = logs.split('\n');
    t.ok(lines.includes('argv: [hello-arg] [$(GREETING)]'), 'the process got the expanded args');
    t.ok(lines.includes('pwd: /srv/work'), 'it runs in workingDir');
    t.same(declared(lines, names), expected, 'its environment holds the expanded values, in order');
  });

  t.test('args alone keep the image ENTRYPOINT; command alone drops the image CMD', async (t) => {
    // An image with both ENTRYPOINT and CMD, made locally (skiff-test/web:1 has only a CMD).
    const image = `skiff-test/entrypoint-${cluster.id}:1`;
    const source = `skiff-entrypoint-source-${cluster.id}`;
    t.teardown(async () => {
      await docker(['rm', '-f', source]);
      await docker(['rmi', '-f', image]);
    });
    t.equal((await docker(['create', '--name', source, 'skiff-test/web:1'])).code, 0);
    const commit = await docker([
      'commit',
      '--change',
      'ENTRYPOINT ["sh", "-c", "echo \\"entrypoint: [$*]\\"; exec sleep 3600", "entrypoint"]',
      '--change',
      'CMD ["image-cmd"]',
      source,
      image,
    ]);
    t.equal(commit.code, 0, commit.stderr);
    const imageEntrypoint = ['sh', '-c', 'echo "entrypoint: [$*]"; exec sleep 3600', 'entrypoint'];

    await apply(
      cluster,
      podObject('image-defaults', { image, imagePullPolicy: 'Never' }),
      podObject('args-only', { image, imagePullPolicy: 'Never', args: ['one', 'two'] }),
      podObject('command-only', { image, imagePullPolicy: 'Never', command: ['sh', '-c', 'echo "command: [$*]"; exec sleep 3600'] }),
    );
    const cases: Array<[pod: string, entrypoint: string[], cmd: string[] | null, printed: string]> = [
      ['image-defaults', imageEntrypoint, ['image-cmd'], 'entrypoint: [image-cmd]'],
      ['args-only', imageEntrypoint, ['one', 'two'], 'entrypoint: [one two]'],
      ['command-only', ['sh', '-c', 'echo "command: [$*]"; exec sleep 3600'], null, 'command: []'],
    ];
    for (const [name, entrypoint, cmd, printed] of cases) {
      const container = await containerOf(await running(cluster, name));
      t.same(container.Config.Entrypoint, entrypoint, `${name}: ENTRYPOINT`);
      t.same(container.Config.Cmd, cmd, `${name}: CMD`);
      await waitFor(`${name} to print "${printed}"`, async () => (await logsOf(container.Id)).split('\n').includes(printed));
      t.pass(`${name} printed "${printed}"`);
    }
  });

  t.test('hostPort publishes containerPort on the host; a second pod on the same hostPort waits without wedging the agent', async (t) => {
    const hostPort = await freePort();
    // httpd on a port the image does not EXPOSE, so only the pod spec can expose it.
    await apply(
      cluster,
      podObject(
        'published',
        { command: ['httpd', '-f', '-p', '8080', '-h', '/www'], ports: [{ containerPort: 8080, hostPort }] },
        { terminationGracePeriodSeconds: 1 },
      ),
    );
    // Ports belong to the pod's network namespace: its sandbox publishes them.
    const published = await sandboxOf(await containerOf(await running(cluster, 'published')));
    t.ok(published.Config.ExposedPorts?.['8080/tcp'], 'containerPort exposed');
    t.equal(published.HostConfig.PortBindings?.['8080/tcp']?.[0]?.HostPort, String(hostPort), 'hostPort bound');
    t.ok(published.NetworkSettings.Ports?.['8080/tcp']?.some((b) => b.HostPort === String(hostPort)), 'Docker reports the binding live');
    const page = await waitFor('the page on the hostPort', async () => (await fetch(`http://127.0.0.1:${hostPort}/`)).text());
    t.equal(page.trim(), 'v1', 'served through the host port');

    await apply(cluster, podObject('conflicting', { ports: [{ containerPort: 80, hostPort }] }));
    const waiting = await waitFor('the conflicting pod to say why it waits', async () => {
      const pod = await getPod(cluster, 'conflicting');
      return status(pod)?.state.waiting?.message ? { phase: pod.status!.phase, ...status(pod)!.state.waiting! } : undefined;
    });
    t.comment(`conflicting pod waits with ${waiting.reason}: ${waiting.message}`);
    t.equal(waiting.reason, 'ContainerCreating', 'its sandbox cannot start: ContainerCreating, as kubelet says');
    t.match(waiting.message, /^Failed to create pod sandbox: /);
    t.match(waiting.message, String(hostPort), 'the message names the port');
    t.match(waiting.message, /port is already allocated|address already in use/, 'and says it is taken');
    t.equal(waiting.phase, 'Pending');

    t.equal((await (await fetch(`http://127.0.0.1:${hostPort}/`)).text()).trim(), 'v1', 'the first pod still serves');

    // The agent keeps working: a pod applied now starts, and once the port is free a retry starts
    // the waiting pod. (Retries back off 10 s, 20 s, 40 s: the sooner the port is freed, the sooner.)
    const [, deleted] = await Promise.all([apply(cluster, podObject('bystander', {})), cluster.skiff(['delete', 'pod', 'published'])]);
    t.equal(deleted.code, 0, deleted.stderr);
    await running(cluster, 'bystander');
    const conflicting = await sandboxOf(await containerOf(await running(cluster, 'conflicting', 120_000)));
    t.equal(conflicting.HostConfig.PortBindings?.['80/tcp']?.[0]?.HostPort, String(hostPort));
    const page2 = await waitFor('the page from the second pod', async () => (await fetch(`http://127.0.0.1:${hostPort}/`)).text());
    t.equal(page2.trim(), 'v1', 'the second pod now serves on the host port');
  });

  t.test('restartPolicy decides which exited containers restart', async (t) => {
    await apply(
      cluster,
      podObject('never-fails', { command: ['sh', '-c', 'echo failing; exit 1'] }, { restartPolicy: 'Never' }),
      podObject('onfailure-succeeds', { command: ['sh', '-c', 'exit 0'] }, { restartPolicy: 'OnFailure' }),
      podObject('onfailure-fails', { command: ['sh', '-c', 'exit 3'] }, { restartPolicy: 'OnFailure' }),
      podObject('always-succeeds', { command: ['sh', '-c', 'exit 0'] }, { restartPolicy: 'Always' }),
    );
    // Two restarts of the restarting pods take 10 s of the agent's restart backoff: long enough
    // for a wrong (immediate) restart of the others to have shown, so "not restarted" means it.
    // Each is read while it waits out its backoff (the steady state between attempts).
    const restarted: PodView[] = [];
    for (const name of ['onfailure-fails', 'always-succeeds']) {
      restarted.push(
        await waitFor(`${name} to have restarted twice`, async () => {
          const pod = await getPod(cluster, name);
          return (status(pod)?.restartCount ?? 0) >= 2 && status(pod)?.state.waiting?.reason === 'CrashLoopBackOff' ? pod : undefined;
        }),
      );
    }
    const [neverFails, onFailureSucceeds] = await Promise.all(['never-fails', 'onfailure-succeeds'].map((name) => getPod(cluster, name)));

    const starts = (pod: string): number => events.find('start', { 'skiff.pod.name': pod }).length;

    t.equal(neverFails!.status?.phase, 'Failed', 'Never + exit 1: Failed');
    t.equal(status(neverFails!)?.restartCount, 0);
    t.match(status(neverFails!)?.state.terminated, { exitCode: 1, reason: 'Error' });
    t.equal(starts('never-fails'), 1, 'Docker started it once');
    t.match(await inspect(status(neverFails!)!.containerID!), { State: { Status: 'exited', ExitCode: 1 } }, 'the exited container is kept, not restarted');
    t.match(await row(cluster, 'never-fails'), /^never-fails\s+0\/1\s+Error\s+0\s/);

    t.equal(onFailureSucceeds!.status?.phase, 'Succeeded', 'OnFailure + exit 0: Succeeded');
    t.equal(status(onFailureSucceeds!)?.restartCount, 0);
    t.match(status(onFailureSucceeds!)?.state.terminated, { exitCode: 0, reason: 'Completed' });
    t.equal(starts('onfailure-succeeds'), 1, 'Docker started it once');
    t.match(await row(cluster, 'onfailure-succeeds'), /^onfailure-succeeds\s+0\/1\s+Completed\s+0\s/);

    const [onFailureFails, alwaysSucceeds] = restarted;
    t.equal(onFailureFails!.status?.phase, 'Running', 'OnFailure + exit 3: restarting, so Running');
    t.match(status(onFailureFails!)?.lastState.terminated, { exitCode: 3, reason: 'Error' });
    t.ok(starts('onfailure-fails') >= 3, 'Docker started it again and again');
    t.ok(
      events.find('die', { 'skiff.pod.name': 'onfailure-fails' }).every((e) => e.attributes.exitCode === '3'),
      'every attempt exited 3',
    );

    t.equal(alwaysSucceeds!.status?.phase, 'Running', 'Always + exit 0: restarting, so Running');
    t.match(status(alwaysSucceeds!)?.lastState.terminated, { exitCode: 0, reason: 'Completed' });
    t.ok(starts('always-succeeds') >= 3, 'Docker started it again and again');
  });

  t.test('deletion sends SIGTERM, waits terminationGracePeriodSeconds, then kills; the Pod goes once its container has', async (t) => {
    await apply(
      cluster,
      podObject('stubborn', { command: ['sh', '-c', 'trap "echo got TERM" TERM; while true; do sleep 1; done'] }, { terminationGracePeriodSeconds: 3 }),
      // skiff-test/web:1's CMD exits 0 on SIGTERM.
      podObject('polite', {}, { terminationGracePeriodSeconds: 3 }),
    );
    const stubbornId = (await containerOf(await running(cluster, 'stubborn'))).Id;
    const politeId = (await containerOf(await running(cluster, 'polite'))).Id;
    const stubbornLogs = followLogs(t, stubbornId);

    const deleted = await cluster.skiff(['delete', 'pod', 'stubborn', 'polite']);
    const returnedMs = Date.now();
    t.equal(deleted.code, 0, deleted.stderr);
    t.equal(deleted.stdout.trim(), 'pod "stubborn" deleted\npod "polite" deleted');
    for (const name of ['stubborn', 'polite']) {
      const get = await cluster.skiff(['get', 'pod', name]);
      t.equal(get.code, 1, `pod ${name} is gone from the API`);
      t.match(get.stderr, `Error from server (NotFound): pods "${name}" not found`);
    }

    const ended = (id: string): { term: number; kill: number | undefined; die: number; exitCode: string | undefined } => {
      const mine = events.events.filter((e) => e.containerId === id);
      const term = mine.find((e) => e.action === 'kill' && e.attributes.signal === '15');
      const die = mine.find((e) => e.action === 'die');
      if (!term || !die) throw new Error(`no SIGTERM or die event for ${id}: ${mine.map((e) => e.action).join(', ')}`);
      const kill = mine.find((e) => e.action === 'kill' && e.attributes.signal === '9');
      return { term: term.timeMs, kill: kill?.timeMs, die: die.timeMs, exitCode: die.attributes.exitCode };
    };
    const stubborn = await waitFor('the stubborn container’s end in Docker’s events', () => ended(stubbornId));
    const polite = await waitFor('the polite container’s end in Docker’s events', () => ended(politeId));
    t.comment(`after SIGTERM: stubborn lived ${Math.round(stubborn.die - stubborn.term)} ms, polite ${Math.round(polite.die - polite.term)} ms`);

    await waitFor('the trap’s output', () => stubbornLogs.text().includes('got TERM'));
    t.pass('the stubborn container received SIGTERM (its trap printed "got TERM")');
    t.ok(stubborn.die - stubborn.term >= 2_800, 'it was left running for the grace period (3 s) after SIGTERM');
    t.ok(stubborn.kill !== undefined && stubborn.kill >= stubborn.term, 'then it got SIGKILL');
    t.equal(stubborn.exitCode, '137', 'exit code 137 (killed)');

    t.equal(polite.exitCode, '0', 'the polite container exited 0 on SIGTERM');
    t.equal(polite.kill, undefined, 'and was never sent SIGKILL');
    t.ok(polite.die - polite.term < stubborn.die - stubborn.term, 'it ended sooner than the one that ignored SIGTERM');

    t.ok(stubborn.die <= returnedMs && polite.die <= returnedMs, 'the Pods were gone only after their containers had died');
    t.same(await containerIds(node, 'stubborn'), [], 'its container is removed');
    t.same(await containerIds(node, 'polite'), [], 'so is the polite one');
  });

  t.test('imagePullPolicy Never with an absent image says ErrImageNeverPull as Kubernetes does', async (t) => {
    const image = `skiff-test/absent-${cluster.id}:1`;
    await apply(cluster, podObject('never-pull', { image, imagePullPolicy: 'Never' }));
    const pod = await waitFor('ErrImageNeverPull', async () => {
      const p = await getPod(cluster, 'never-pull');
      return status(p)?.state.waiting?.reason === 'ErrImageNeverPull' ? p : undefined;
    });
    t.equal(status(pod)?.state.waiting?.message, `Container image "${image}" is not present with pull policy of Never`);
    t.equal(pod.status?.phase, 'Pending');
    t.match(await row(cluster, 'never-pull'), /^never-pull\s+0\/1\s+ErrImageNeverPull\s+0\s/);
    t.equal(events.find('create', { 'skiff.pod.name': 'never-pull' }).length, 0, 'no container was created');
  });
});
