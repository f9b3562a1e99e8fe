/**
 * imagePullSecrets against a registry that requires authentication (issue #6): a Pod whose pull
 * secret (`skiff create secret docker-registry`) has the registry's credentials runs; one without
 * shows ErrImagePull / ImagePullBackOff with the registry's reason and no credentials in it; a
 * listed secret that does not exist is a Warning event and the pull goes on without it. The
 * docker CLI logs in with a throw-away DOCKER_CONFIG, so no credentials outlive the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { docker, run } from '../helpers/processes.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { startRegistry } from '../helpers/registry.js';
import { waitFor } from '../helpers/wait.js';

const USER = 'puller';
const PASSWORD = 'pa55-w0rd-for-the-registry';

function podManifest(name: string, image: string, pullSecrets: string[]): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { test: 'pull-secrets', app: name } },
    spec: {
      containers: [{ name: 'web', image, imagePullPolicy: 'Always' }],
      ...(pullSecrets.length ? { imagePullSecrets: pullSecrets.map((s) => ({ name: s })) } : {}),
    },
  });
}

t.test('pulls from a registry with auth use the Pod’s imagePullSecrets', async (t) => {
  const registry = await startRegistry({ auth: { username: USER, password: PASSWORD } });
  t.teardown(() => registry.close());
  const cluster = await TestCluster.start(t, { agents: ['auth'] });
  const image = `${registry.host}/private-${cluster.id}:1`;

  // Push with a throw-away docker config: the engine's own state keeps no credentials.
  const dockerConfig = mkdtempSync(join(tmpdir(), 'skiff-docker-config-'));
  t.teardown(() => rmSync(dockerConfig, { recursive: true, force: true }));
  const cli = (args: string[], input?: string) => run('docker', args, { env: { DOCKER_CONFIG: dockerConfig }, ...(input !== undefined ? { input } : {}) });
  t.equal((await cli(['login', registry.host, '-u', USER, '--password-stdin'], PASSWORD)).code, 0, 'docker login');
  t.equal((await docker(['tag', 'skiff-test/web:1', image])).code, 0);
  const push = await cli(['push', image]);
  t.equal(push.code, 0, `pushed: ${push.stderr}`);
  t.equal((await cli(['logout', registry.host])).code, 0, 'docker logout');
  t.equal((await docker(['rmi', image])).code, 0, 'the engine no longer has the image');
  t.teardown(() => docker(['rmi', '-f', image]));
  const anonymous = await docker(['pull', image]);
  t.not(anonymous.code, 0, 'the registry really requires credentials');

  const events = async (pod: string) =>
    (await cluster.api<{ items: Array<{ type: string; reason: string; message: string; involvedObject: { name: string } }> }>('/api/v1/namespaces/default/events')).items.filter(
      (e) => e.involvedObject.name === pod,
    );

  await t.test('without a pull secret the pull fails with the registry’s reason', async (t) => {
    t.equal((await cluster.skiff(['apply', '-f', '-'], { input: podManifest('no-secret', image, ['not-there']) })).code, 0);
    const waiting = await waitFor(
      'ErrImagePull or ImagePullBackOff',
      async () => {
        const state = (await listPods(cluster, 'app=no-secret'))[0]?.status?.containerStatuses?.[0]?.state.waiting;
        return state?.reason === 'ErrImagePull' || state?.reason === 'ImagePullBackOff' ? state : undefined;
      },
      { timeoutMs: 90_000 },
    );
    t.match(waiting.message, /auth|unauthorized|credentials/i, `the registry's reason: ${waiting.message}`);
    t.notMatch(waiting.message ?? '', new RegExp(PASSWORD), 'no password in the message');
    const warning = await waitFor('the missing pull secret warning', async () => (await events('no-secret')).find((e) => e.reason === 'FailedToRetrieveImagePullSecret'));
    t.equal(warning.type, 'Warning');
    t.equal(warning.message, 'Unable to retrieve some image pull secrets (not-there); attempting to pull the image may not succeed.');
  });

  await t.test('with a docker-registry secret the image is pulled and the Pod runs', async (t) => {
    const create = await cluster.skiff(['create', 'secret', 'docker-registry', 'regcred', '--docker-server', registry.host, '--docker-username', USER, '--docker-password', PASSWORD]);
    t.equal(create.code, 0, create.stderr);
    t.equal((await cluster.skiff(['apply', '-f', '-'], { input: podManifest('with-secret', image, ['not-there', 'regcred']) })).code, 0);
    const pod = await waitFor('the pod to run', async () => (await listPods(cluster, 'app=with-secret')).find(isRunningAndReady), { timeoutMs: 90_000 });
    t.equal(pod.status?.containerStatuses?.[0]?.image, image);
    t.ok((await events('with-secret')).some((e) => e.reason === 'Pulled' && e.message.startsWith(`Successfully pulled image "${image}"`)), 'pulled by the agent');
  });

  await t.test('neither the engine nor the agent log keeps the password', async (t) => {
    const info = await docker(['info', '--format', '{{json .}}']);
    t.notMatch(info.stdout, new RegExp(PASSWORD));
    const logs = (await run('sh', ['-c', `cat ${join(cluster.dir, 'agent-auth.log')}`])).stdout;
    t.ok(logs.length > 0, 'the agent log was read');
    t.notMatch(logs, new RegExp(PASSWORD), 'no password in the agent log');
  });
});
