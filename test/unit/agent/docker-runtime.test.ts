/**
 * The Docker runtime against the REAL engine (/var/run/docker.sock), run as one contract suite
 * for both DockerApi implementations (node:http EngineApi, used by default, and dockerode).
 * Every container carries this run's unique node label and is removed at the end; other agents
 * on the same engine are never touched. Skipped (with the reason) when no engine answers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import type { DesiredPod } from '../../../shared/mqtt/messages.js';
import { createExecutors, execute } from '../../../agent/reconcile/executor.js';
import { FailureState } from '../../../agent/reconcile/failures.js';
import { containerKey } from '../../../agent/reconcile/history.js';
import { InFlight } from '../../../agent/reconcile/in-flight.js';
import { specHash } from '../../../agent/reconcile/spec-hash.js';
import type { DockerApi } from '../../../agent/runtime/docker-api.js';
import { DockerodeApi } from '../../../agent/runtime/dockerode-api.js';
import { EngineApi, engineEndpoint } from '../../../agent/runtime/engine-api.js';
import { identityOf } from '../../../agent/runtime/labels.js';
import { Observer } from '../../../agent/runtime/observe.js';
import { MemoryAgentStore, PAUSE_IMAGE, silentLog } from './fixtures/builders.js';
import { sandboxKey, splitSandboxes } from '../../../agent/reconcile/plan-sandbox.js';
import { sandboxHash } from '../../../agent/reconcile/spec-hash.js';
import { freePort } from '../../helpers/ports.js';
import { startRegistry } from '../../helpers/registry.js';
import { repoRoot } from '../../helpers/repo.js';

const IMAGE = 'skiff-test/web:1';

// Each with a timeout and its output piped, never inherited: a docker command stuck on an engine
// that stopped answering must fail this file, and must not keep the test runner's pipe open
// after the file is killed.
const COMMAND_TIMEOUT_MS = 120_000;

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: COMMAND_TIMEOUT_MS }).trim();
}

/** The one image recipe (install/build-local-image.sh) and the sandbox image; no-ops when present. */
function ensureTestImage(): void {
  for (const [script, args] of [['build-local-image.sh', [IMAGE, 'v1']], ['build-pause-image.sh', [PAUSE_IMAGE]]] as const) {
    execFileSync(join(repoRoot(), 'install', script), args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: COMMAND_TIMEOUT_MS });
  }
}

/** Pod containers only (the observer also lists sandboxes). */
async function podContainers(observer: Observer) {
  return splitSandboxes(await observer.observe()).containers;
}

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const implementations: Array<[string, () => Promise<DockerApi>]> = [
  ['EngineApi (node:http)', async () => new EngineApi()],
  ['DockerodeApi', () => DockerodeApi.create()],
];

// These tests need the real engine and fail without one (install/dev-setup.sh starts it).
{
  ensureTestImage();
  for (const [name, create] of implementations) {
    t.test(name, async (t) => {
      const node = `rt-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      const api = await create();
      t.teardown(() => {
        const ids = docker('ps', '-aq', '--filter', `label=skiff.node=${node}`);
        if (ids) docker('rm', '-f', ...ids.split('\n'));
        if (api instanceof EngineApi) api.close();
      });
      const store = new MemoryAgentStore();
      const failures = new FailureState();
      const pulls = new InFlight(() => undefined);
      const removals = new InFlight(() => undefined);
      const observer = new Observer(api, node);
      const executors = createExecutors({ api, store, node, nodeIp: '127.0.0.1', now: Date.now, log: silentLog, pulls, removals, failures, invalidate: (id) => observer.invalidate(id), sandboxImage: PAUSE_IMAGE });
      const hostPort = await freePort();
      const pod: DesiredPod = {
        metadata: { name: 'web-1', namespace: 'default', uid: `${node}-uid` },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'web',
              image: IMAGE,
              env: [{ name: 'GREETING', value: 'hi' }],
              ports: [{ containerPort: 80, hostPort }],
              resources: { limits: { memory: '32Mi', cpu: '250m' }, requests: { cpu: '100m' } },
            },
          ],
        },
      };
      const spec = pod.spec.containers[0]!;
      const key = containerKey(pod.metadata.uid, 'web');
      const hash = specHash(pod, spec);

      t.match(await api.engineVersion(), /^\d+\.\d+/, 'engine version');
      const events: string[] = [];
      const subscription = await api.subscribeEvents([`skiff.node=${node}`], ['start', 'die', 'destroy'], (e) => events.push(e.action), () => undefined);
      t.teardown(() => subscription.close());

      // The pod's sandbox first: it owns the network namespace, the hostname and the hostPorts.
      await execute(executors, { kind: 'sandbox', key: sandboxKey(pod.metadata.uid), pod, attempt: 1, hash: sandboxHash(pod) });
      t.equal(failures.createFailures.size, 0, 'sandbox create succeeded');
      const [sandbox] = splitSandboxes(await observer.observe()).sandboxes;
      t.match(sandbox, { state: 'running', image: PAUSE_IMAGE, networkMode: 'bridge' }, 'the sandbox runs the pause image');
      t.match(sandbox!.ip, /^\d+\.\d+\.\d+\.\d+$/, 'the sandbox has the bridge IP: the pod IP');
      const sandboxInspect = JSON.parse(docker('inspect', sandbox!.id))[0];
      t.same(sandboxInspect.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] });
      t.equal(sandboxInspect.Config.Hostname, 'web-1');

      await execute(executors, { kind: 'create', key, pod, container: spec, attempt: 1, hash, sandboxId: sandbox!.id });
      t.equal(failures.createFailures.size, 0, 'create succeeded');
      const [container] = await podContainers(observer);
      t.ok(container, 'observe reads it back');
      t.equal(container!.state, 'running');
      t.same(identityOf(container!.labels), { namespace: 'default', podName: 'web-1', podUid: pod.metadata.uid, container: 'web', hash, attempt: 1 });
      t.equal(container!.name, `skiff_web_web-1_default_${node}_${pod.metadata.uid.slice(0, 8)}_1`);
      t.equal(container!.networkMode, `container:${sandbox!.id}`, 'the container joined the sandbox namespace');
      t.ok(container!.startedAt, 'startedAt');
      t.equal(store.history().get(key)?.lastContainerId, container!.id, 'history knows the attempt');

      const inspect = JSON.parse(docker('inspect', container!.id))[0];
      t.equal(inspect.HostConfig.Memory, 32 * 2 ** 20, 'Memory limit');
      t.equal(inspect.HostConfig.MemorySwap, 32 * 2 ** 20, 'no swap beyond the limit');
      t.equal(inspect.HostConfig.NanoCpus, 250_000_000, 'NanoCpus');
      t.equal(inspect.HostConfig.CpuShares, 102, 'CpuShares from the request');
      t.equal(inspect.HostConfig.RestartPolicy.Name, 'no', 'Docker never restarts it: Skiff does');
      t.ok(inspect.Config.Env.includes('GREETING=hi'));
      t.equal(docker('exec', container!.id, 'hostname'), 'web-1', 'the container sees the sandbox hostname');

      const page = await until(async () => {
        try {
          return (await fetch(`http://127.0.0.1:${hostPort}/`)).ok;
        } catch {
          return false;
        }
      }).then(() => 'served');
      t.equal(page, 'served', 'the hostPort serves the page');

      await until(() => events.includes('start'));
      t.pass('the event stream saw the start');

      // Removal: a graceful stop (SIGTERM, SIGKILL after the 1 s grace), then gone.
      await execute(executors, { kind: 'remove', containerId: container!.id, reason: 'PodDeleted', graceSeconds: 1 });
      await removals.drain();
      t.same(await podContainers(observer), [], 'removed');
      t.equal(await api.inspectContainer(container!.id), undefined, 'inspect of a removed container is undefined');
      await until(() => events.includes('die') && events.includes('destroy'));
      t.pass('the event stream saw die and destroy');
      await api.stopContainer(container!.id, 1);
      await api.removeContainer(container!.id);
      t.pass('stopping or removing a missing container is not an error');

      // An exited container is observed with its exit code.
      const failing = { ...pod, metadata: { ...pod.metadata, uid: `${node}-uid2` }, spec: { containers: [{ name: 'fail', image: IMAGE, command: ['/bin/sh', '-c', 'exit 3'] }] } };
      await execute(executors, { kind: 'create', key: containerKey(failing.metadata.uid, 'fail'), pod: failing, container: failing.spec.containers[0]!, attempt: 1, hash: 'h', sandboxId: sandbox!.id });
      await until(async () => (await podContainers(observer)).some((c) => c.state === 'exited'));
      const [exited] = await podContainers(observer);
      t.match(exited, { state: 'exited', exitCode: 3, oomKilled: false });
      t.ok(exited!.finishedAt);

      // A create the engine refuses (missing image) is recorded with the engine's message.
      const missing = { ...pod, metadata: { ...pod.metadata, uid: `${node}-uid3` }, spec: { containers: [{ name: 'x', image: 'skiff-test/absent:9' }] } };
      await execute(executors, { kind: 'create', key: 'k3', pod: missing, container: missing.spec.containers[0]!, attempt: 1, hash: 'h', sandboxId: sandbox!.id });
      t.match(failures.createFailures.get('k3'), { reason: 'CreateContainerError', message: /No such image|not found/i });

      // A failing pull reports the engine's message (nothing listens on port 1).
      await t.rejects(api.pullImage('127.0.0.1:1/nothing:1'), /connection refused|dial tcp|127\.0\.0\.1:1/i);
      t.ok((await api.listImageRefs()).includes(IMAGE), 'image list includes the test image');
    });
  }

  t.test('pulls a real image from a loopback registry (docker-registry)', async (t) => {
    const registry = await startRegistry();
    const ref = `${registry.host}/skiff-web:${process.pid}`;
    t.teardown(async () => {
      spawnSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
      await registry.close();
    });
    docker('tag', IMAGE, ref);
    docker('push', ref);
    docker('rmi', ref);
    for (const [name, create] of implementations) {
      const api = await create();
      t.notOk((await api.listImageRefs()).includes(ref), `${name}: absent before the pull`);
      await api.pullImage(ref);
      t.ok((await api.listImageRefs()).includes(ref), `${name}: present after the pull`);
      await t.rejects(api.pullImage(`${registry.host}/absent:1`), /not found|manifest unknown/i, `${name}: a missing tag fails with the registry's message`);
      docker('rmi', ref);
      if (api instanceof EngineApi) api.close();
    }
  });
}

t.test('DOCKER_HOST is read as the docker CLI reads it', async (t) => {
  t.same(engineEndpoint(undefined), { socketPath: '/var/run/docker.sock' });
  t.same(engineEndpoint('unix:///run/user/1000/docker.sock'), { socketPath: '/run/user/1000/docker.sock' });
  t.same(engineEndpoint('tcp://10.0.0.2:2375'), { host: '10.0.0.2', port: 2375 });
  t.throws(() => engineEndpoint('ssh://pi@host'), /unsupported DOCKER_HOST/);
});
