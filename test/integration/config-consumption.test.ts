/**
 * Pods consuming ConfigMaps and Secrets on a real cluster (issue #6): env from keys, the downward
 * API and envFrom with a prefix, seen in the container's real environment; a missing ConfigMap
 * holding the container in CreateContainerConfigError until it is created (no agent restart);
 * configMap and secret volumes as files with their modes, subPath, Secret files on tmpfs only,
 * a live update of a mounted ConfigMap; and Secret bytes never in plain text in agent.db.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { TestCluster, type ContainerInfo } from '../helpers/cluster.js';
import { docker } from '../helpers/processes.js';
import { isRunningAndReady, listPods, type PodView } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';

const TMPFS_MAGIC = 0x01021994;
const SECRET_VALUE = 'hunter2-but-longer-7f3a9c';
const b64 = (text: string): string => Buffer.from(text).toString('base64');

function configMap(name: string, data: Record<string, string>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
}

function pod(name: string, spec: Record<string, unknown>, containers: Array<Record<string, unknown>>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { test: 'config', app: name } },
    spec: { ...spec, containers: containers.map((c) => ({ image: 'skiff-test/web:1', imagePullPolicy: 'Never', command: ['sleep', '3600'], ...c })) },
  });
}

t.test('pods consume ConfigMaps, Secrets and the downward API', async (t) => {
  // Secret volumes need a tmpfs; /run is not one on every test machine, /dev/shm is.
  const secretsDir = mkdtempSync('/dev/shm/skiff-it-secrets-');
  t.teardown(() => rmSync(secretsDir, { recursive: true, force: true }));
  const cluster = await TestCluster.start(t);
  const node = await cluster.startAgent('cfg', ['--secrets-dir', secretsDir]);
  const apply = async (manifest: string): Promise<void> => {
    const result = await cluster.skiff(['apply', '-f', '-'], { input: manifest });
    t.equal(result.code, 0, `apply: ${result.stderr}`);
  };
  const podNamed = async (name: string): Promise<PodView | undefined> => (await listPods(cluster, `app=${name}`))[0];
  const running = (name: string): Promise<PodView> => waitFor(`pod ${name} to run`, async () => {
    const p = await podNamed(name);
    return p && isRunningAndReady(p) ? p : undefined;
  }, { timeoutMs: 90_000 });
  const containerOf = async (podName: string, container: string): Promise<ContainerInfo> =>
    waitFor(`the container ${podName}/${container}`, async () =>
      (await cluster.containers(node)).find((c) => c.labels['skiff.pod.name'] === podName && c.labels['skiff.container.name'] === container && c.state === 'running'),
    );
  const envOf = async (id: string): Promise<Record<string, string>> => {
    const inspected = await docker(['inspect', '--format', '{{json .Config.Env}}', id]);
    return Object.fromEntries((JSON.parse(inspected.stdout) as string[]).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  };
  const exec = async (id: string, script: string): Promise<string> => {
    const result = await docker(['exec', id, 'sh', '-c', script]);
    if (result.code !== 0) throw new Error(`exec failed: ${result.stderr}`);
    return result.stdout;
  };

  await apply(configMap('settings', { mode: 'fast', greeting: 'hello', '9lives': 'cat' }));
  await apply(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, type: 'Opaque', data: { password: b64(SECRET_VALUE), user: b64('admin') } }));

  await t.test('env from ConfigMap and Secret keys, fieldRefs and envFrom with a prefix reach the container', async (t) => {
    await apply(
      pod('env-demo', {}, [
        {
          name: 'main',
          envFrom: [{ configMapRef: { name: 'settings' } }, { configMapRef: { name: 'settings' }, prefix: 'CFG_' }, { secretRef: { name: 'creds' }, prefix: 'S_' }],
          env: [
            { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
            { name: 'MAYBE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'absent', optional: true } } },
            { name: 'CFG_mode', value: 'overridden-$(MODE)' },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ],
        },
        { name: 'second', env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] },
      ]),
    );
    const p = await running('env-demo');
    const env = await envOf((await containerOf('env-demo', 'main')).id);
    t.match(env, {
      MODE: 'fast',
      PASSWORD: SECRET_VALUE,
      POD_NAME: 'env-demo',
      POD_NAMESPACE: 'default',
      NODE_NAME: node,
      greeting: 'hello',
      CFG_greeting: 'hello',
      CFG_9lives: 'cat',
      CFG_mode: 'overridden-fast',
      S_password: SECRET_VALUE,
      S_user: 'admin',
    });
    t.ok(p.status?.hostIP, 'the pod reports a hostIP');
    t.equal(env.HOST_IP, p.status?.hostIP, 'status.hostIP is the node IP the agent reports');
    t.notOk('MAYBE' in env, 'an optional missing key leaves the variable out');
    t.notOk('9lives' in env, 'a key that is not a valid variable name is skipped');
    // Both containers join the pod's sandbox: one IP, known before either was created.
    const secondEnv = await envOf((await containerOf('env-demo', 'second')).id);
    t.match(p.status?.podIP, /^\d+\.\d+\.\d+\.\d+$/, 'the pod reports its IP');
    t.equal(env.POD_IP, p.status?.podIP, 'status.podIP reaches the first container');
    t.equal(secondEnv.POD_IP, p.status?.podIP, 'and the second');
    const [sandbox] = (await cluster.containers(node, { sandboxes: true })).filter((c) => c.labels['skiff.pod.name'] === 'env-demo' && c.labels['skiff.container.name'] === 'POD');
    t.equal(sandbox?.ip, p.status?.podIP, "the pod IP is its sandbox's address");
    const events = await cluster.api<{ items: Array<{ reason: string; message: string; involvedObject: { name: string } }> }>('/api/v1/namespaces/default/events');
    t.ok(
      events.items.some((e) => e.involvedObject.name === 'env-demo' && e.reason === 'InvalidEnvironmentVariableNames' && e.message === 'Keys [9lives] from the EnvFrom configMap default/settings were skipped since they are considered invalid environment variable names.'),
      'the skipped keys are recorded as an event',
    );
  });

  await t.test('a missing ConfigMap is CreateContainerConfigError until it is created', async (t) => {
    await apply(pod('late-config', {}, [{ name: 'main', env: [{ name: 'LATE', valueFrom: { configMapKeyRef: { name: 'late', key: 'value' } } }] }]));
    const waiting = await waitFor('CreateContainerConfigError', async () => {
      const state = (await podNamed('late-config'))?.status?.containerStatuses?.[0]?.state.waiting;
      return state?.reason === 'CreateContainerConfigError' ? state : undefined;
    });
    t.equal(waiting.message, 'configmap "late" not found');
    t.equal((await podNamed('late-config'))?.status?.phase, 'Pending');
    const failed = await waitFor('the Failed event', async () => {
      const events = await cluster.api<{ items: Array<{ type: string; reason: string; message: string; involvedObject: { name: string } }> }>('/api/v1/namespaces/default/events');
      return events.items.find((e) => e.involvedObject.name === 'late-config' && e.reason === 'Failed');
    });
    t.equal(failed.type, 'Warning');
    t.equal(failed.message, 'Error: configmap "late" not found');
    t.same((await cluster.containers(node)).filter((c) => c.labels['skiff.pod.name'] === 'late-config'), [], 'no container was created');

    await apply(configMap('late', { other: 'x' }));
    await waitFor('the missing key message', async () => (await podNamed('late-config'))?.status?.containerStatuses?.[0]?.state.waiting?.message === "couldn't find key value in ConfigMap default/late");
    await apply(configMap('late', { value: 'arrived' }));
    await running('late-config');
    t.equal((await envOf((await containerOf('late-config', 'main')).id)).LATE, 'arrived', 'started with the value, no agent restart');
  });

  await t.test('a ConfigMap edit does not restart a container that read it through env', async (t) => {
    const before = await containerOf('late-config', 'main');
    const generation = (await podNamed('late-config'))?.status?.observedGeneration ?? 0;
    await apply(configMap('late', { value: 'changed' }));
    // The node gets a new desired state (its config changed) and reports having acted on it.
    const p = await waitFor('the node to act on the edited ConfigMap', async () => {
      const current = await podNamed('late-config');
      return (current?.status?.observedGeneration ?? 0) > generation ? current : undefined;
    });
    t.equal(p.status?.containerStatuses?.[0]?.restartCount, 0);
    t.equal((await containerOf('late-config', 'main')).id, before.id);
  });

  await t.test('configMap and secret volumes are files with modes, subPath and items; secrets on tmpfs; updates are live', async (t) => {
    await apply(configMap('files', { 'app.conf': 'color=blue\n', 'extra.txt': 'more\n' }));
    await apply(
      pod(
        'volumes-demo',
        {
          volumes: [
            { name: 'conf', configMap: { name: 'files', defaultMode: 0o640 } },
            { name: 'picked', configMap: { name: 'files', items: [{ key: 'extra.txt', path: 'nested/renamed.txt', mode: 0o600 }] } },
            { name: 'secret', secret: { secretName: 'creds', defaultMode: 0o400 } },
          ],
        },
        [
          {
            name: 'main',
            volumeMounts: [
              { name: 'conf', mountPath: '/etc/app' },
              { name: 'picked', mountPath: '/picked' },
              { name: 'secret', mountPath: '/var/run/creds' },
              { name: 'conf', mountPath: '/single.conf', subPath: 'app.conf' },
            ],
          },
        ],
      ),
    );
    await running('volumes-demo');
    const c = await containerOf('volumes-demo', 'main');
    t.equal(await exec(c.id, 'cat /etc/app/app.conf'), 'color=blue\n');
    t.equal(await exec(c.id, 'cat /picked/nested/renamed.txt'), 'more\n');
    t.equal(await exec(c.id, 'ls /picked'), 'nested\n', 'items project only the listed keys');
    t.equal(await exec(c.id, 'cat /var/run/creds/password'), SECRET_VALUE);
    t.equal(await exec(c.id, 'cat /single.conf'), 'color=blue\n', 'subPath mounts one file');
    t.equal((await exec(c.id, 'stat -L -c %a /etc/app/app.conf /picked/nested/renamed.txt /var/run/creds/password')).trim().split('\n').join(' '), '640 600 400');

    // On the host: the secret volume's source is on tmpfs, the configMap's is not necessarily.
    const inspected = JSON.parse((await docker(['inspect', '--format', '{{json .Mounts}}', c.id])).stdout) as Array<{ Source: string; Destination: string; RW: boolean }>;
    const secretMount = inspected.find((m) => m.Destination === '/var/run/creds');
    t.ok(secretMount, 'the secret volume is mounted');
    t.ok(secretMount!.Source.startsWith(secretsDir), `secret files live under --secrets-dir (${secretMount!.Source})`);
    t.equal(statfsSync(secretMount!.Source).type, TMPFS_MAGIC, 'secret files are on tmpfs');
    t.notOk(secretMount!.RW, 'secret volumes are read-only');

    await apply(configMap('files', { 'app.conf': 'color=green\n', 'extra.txt': 'more\n' }));
    await waitFor('the mounted file to change', async () => (await exec(c.id, 'cat /etc/app/app.conf')) === 'color=green\n', { timeoutMs: 60_000 });
    t.pass('a ConfigMap edit reaches the mounted files of the running container');
    t.equal((await containerOf('volumes-demo', 'main')).id, c.id, 'without a restart');
  });

  await t.test('a missing ConfigMap volume holds the pod with FailedMount until it exists', async (t) => {
    await apply(pod('mount-waits', { volumes: [{ name: 'v', configMap: { name: 'mount-later' } }] }, [{ name: 'main', volumeMounts: [{ name: 'v', mountPath: '/v' }] }]));
    const event = await waitFor('the FailedMount event', async () => {
      const events = await cluster.api<{ items: Array<{ type: string; reason: string; message: string; involvedObject: { name: string } }> }>('/api/v1/namespaces/default/events');
      return events.items.find((e) => e.involvedObject.name === 'mount-waits' && e.reason === 'FailedMount');
    });
    t.equal(event.message, 'MountVolume.SetUp failed for volume "v" : configmap "mount-later" not found');
    t.equal((await podNamed('mount-waits'))?.status?.containerStatuses?.[0]?.state.waiting?.reason, 'ContainerCreating');
    await apply(configMap('mount-later', { k: 'v' }));
    await running('mount-waits');
  });

  await t.test('agent.db holds no Secret bytes in plain text', async (t) => {
    const dataDir = join(cluster.dir, 'agent-cfg');
    const files = readdirSync(dataDir).filter((f) => f.startsWith('agent.db'));
    t.ok(files.includes('agent.db'));
    for (const name of files) {
      const bytes = readFileSync(join(dataDir, name));
      t.notOk(bytes.includes(SECRET_VALUE), `${name} has no plain secret value`);
      t.notOk(bytes.includes(b64(SECRET_VALUE)), `${name} has no base64 secret value`);
    }
    t.ok(files.some((f) => readFileSync(join(dataDir, f)).includes('env-demo')), 'the desired state is in there (the check above could fail)');
  });
});
