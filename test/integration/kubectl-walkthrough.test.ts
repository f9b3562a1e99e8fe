/**
 * Issue #12's walkthrough with the real kubectl (v1.32, /usr/bin/kubectl, never faked) in place
 * of skiff, on a real hub, a real agent and the machine's Docker engine: apply a Deployment and a
 * NodePort Service, get pods, delete one and watch it heal, set image, rollout status, history
 * and undo, scale, create a Secret and a ConfigMap, autoscale, events, describe, logs (-f), exec,
 * top, auth can-i, cordon, drain and uncordon. Every assertion is on kubectl's own output; the
 * loops that wait for the cluster read the API.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { webDeployment, webService } from '../helpers/manifests.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { run, type RunResult } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const KUBECTL = '/usr/bin/kubectl';

const cluster = await TestCluster.start(t);
const node = await cluster.startAgent('edge1', ['--metrics-interval', '2s']);
const home = join(cluster.dir, 'kube-home');
mkdirSync(home);
const kubeconfig = join(cluster.dir, 'kubeconfig.yaml');
writeFileSync(kubeconfig, (await cluster.skiff(['config', 'kubeconfig'])).stdout, { mode: 0o600 });
const env = { KUBECONFIG: kubeconfig, HOME: home };
const kubectl = (args: string[]): Promise<RunResult> => run(KUBECTL, args, { env });

/** kubectl left running (get -w, logs -f) until its output satisfies `done`; then it is stopped. */
async function kubectlUntil(args: string[], done: (stdout: string) => boolean, what: string): Promise<string> {
  const child = spawn(KUBECTL, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  try {
    await waitFor(what, async () => {
      if (child.exitCode !== null) throw new Error(`kubectl ${args.join(' ')} exited with ${child.exitCode}: ${stderr}`);
      return done(stdout);
    });
    return stdout;
  } finally {
    child.kill('SIGTERM');
  }
}

// The Deployment asks for CPU so that autoscale and top have a request to measure against.
const deploymentFile = join(cluster.dir, 'web-deployment.json');
writeFileSync(deploymentFile, webDeployment('web', { container: { ports: [{ containerPort: 80 }], resources: { requests: { cpu: '50m' } } } }, { replicas: 2 }));
const serviceFile = join(cluster.dir, 'web-service.json');
writeFileSync(serviceFile, webService('web', { type: 'NodePort' }));
/** `kubectl apply` of both, the Deployment first. */
const applyWeb = ['apply', '-f', deploymentFile, '-f', serviceFile];

const runningWeb = (count: number, image?: string) =>
  waitFor(`${count} web Pods Running${image ? ` on ${image}` : ''}`, async () => {
    const pods = (await listPods(cluster, 'app=web')).filter((p) => !p.metadata.deletionTimestamp);
    const ok = pods.length === count && pods.every(isRunningAndReady) && (!image || pods.every((p) => (p.spec as { containers: Array<{ image: string }> }).containers[0]!.image === image));
    return ok ? pods : undefined;
  });

t.test('kubectl apply creates the Deployment and the NodePort Service; get pods shows them Running', async (t) => {
  const applied = await kubectl(applyWeb);
  t.same([applied.code, applied.stdout], [0, 'deployment.apps/web created\nservice/web created\n'], applied.stderr);
  await runningWeb(2);
  const pods = await kubectl(['get', 'pods', '-l', 'app=web']);
  t.equal(pods.code, 0, pods.stderr);
  t.match(pods.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n(web-\S+\s+1\/1\s+Running\s+0\s+\S+\n){2}$/);
  const service = await kubectl(['get', 'service', 'web']);
  t.match(service.stdout, /^web\s+NodePort\s+\S+\s+<none>\s+80:3\d{4}\/TCP\s+\S+$/m);
  const unchanged = await kubectl(applyWeb);
  t.same([unchanged.code, unchanged.stdout], [0, 'deployment.apps/web unchanged\nservice/web unchanged\n'], unchanged.stderr);
});

t.test('kubectl delete pod, and get -w shows the Deployment replace it', async (t) => {
  const [victim] = await runningWeb(2);
  const name = victim!.metadata.name!;
  const deleted = await kubectl(['delete', 'pod', name, '--wait=false']);
  t.same([deleted.code, deleted.stdout], [0, `pod "${name}" deleted\n`], deleted.stderr);
  const watched = await kubectlUntil(
    ['get', 'pods', '-l', 'app=web', '-w'],
    (out) => out.split('\n').some((line) => /^web-\S+\s+1\/1\s+Running\s/.test(line) && !line.startsWith(`${name} `) && !line.startsWith('NAME')) && out.split('\n').filter((l) => /\s1\/1\s+Running\s/.test(l)).length >= 2,
    'get -w to show a new Running Pod',
  );
  t.match(watched, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
  const pods = await runningWeb(2);
  t.notOk(pods.some((p) => p.metadata.name === name), 'the deleted Pod was replaced');
});

t.test('kubectl set image, rollout status, rollout history and rollout undo', async (t) => {
  const set = await kubectl(['set', 'image', 'deployment/web', 'web=skiff-test/web:2']);
  t.same([set.code, set.stdout], [0, 'deployment.apps/web image updated\n'], set.stderr);
  const status = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
  t.equal(status.code, 0, status.stderr);
  t.match(status.stdout, /deployment "web" successfully rolled out\n$/);
  await runningWeb(2, 'skiff-test/web:2');

  const history = await kubectl(['rollout', 'history', 'deployment/web']);
  t.equal(history.code, 0, history.stderr);
  t.match(history.stdout, /^deployment\.apps\/web \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
  const revision = await kubectl(['rollout', 'history', 'deployment/web', '--revision=1']);
  t.match(revision.stdout, /Image:\s+skiff-test\/web:1/);

  const undo = await kubectl(['rollout', 'undo', 'deployment/web']);
  t.same([undo.code, undo.stdout], [0, 'deployment.apps/web rolled back\n'], undo.stderr);
  const again = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
  t.match(again.stdout, /successfully rolled out/, again.stderr);
  await runningWeb(2, 'skiff-test/web:1');
  const image = await kubectl(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
  t.equal(image.stdout, 'skiff-test/web:1');
});

t.test('kubectl scale', async (t) => {
  const scaled = await kubectl(['scale', 'deployment/web', '--replicas=3']);
  t.same([scaled.code, scaled.stdout], [0, 'deployment.apps/web scaled\n'], scaled.stderr);
  await runningWeb(3);
  const deploy = await kubectl(['get', 'deployment', 'web']);
  t.match(deploy.stdout, /^web\s+3\/3\s+3\s+3\s+\S+$/m);
});

t.test('kubectl create secret generic and create configmap (protobuf bodies)', async (t) => {
  const secret = await kubectl(['create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
  t.same([secret.code, secret.stdout], [0, 'secret/creds created\n'], secret.stderr);
  const read = await kubectl(['get', 'secret', 'creds', '-o', 'jsonpath={.data.password}']);
  t.equal(Buffer.from(read.stdout, 'base64').toString('utf8'), 's3cret');
  const configMap = await kubectl(['create', 'configmap', 'settings', '--from-literal=mode=edge']);
  t.same([configMap.code, configMap.stdout], [0, 'configmap/settings created\n'], configMap.stderr);
  const data = await kubectl(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.mode}']);
  t.equal(data.stdout, 'edge');
});

t.test('kubectl autoscale', async (t) => {
  const autoscaled = await kubectl(['autoscale', 'deployment', 'web', '--min=3', '--max=4', '--cpu-percent=80']);
  t.same([autoscaled.code, autoscaled.stdout], [0, 'horizontalpodautoscaler.autoscaling/web autoscaled\n'], autoscaled.stderr);
  const hpa = await kubectl(['get', 'hpa', 'web']);
  t.match(hpa.stdout, /^web\s+Deployment\/web\s+cpu: \S+\/80%\s+3\s+4\s+\d+\s+\S+$/m);
});

t.test('kubectl get events and describe', async (t) => {
  const events = await kubectl(['get', 'events']);
  t.equal(events.code, 0, events.stderr);
  t.match(events.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
  t.match(events.stdout, /Normal\s+ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-\S+ from 0 to 2/);
  t.match(events.stdout, /Normal\s+Scheduled\s+pod\/web-\S+\s+Successfully assigned default\/web-\S+ to /);
  const described = await kubectl(['describe', 'deployment', 'web']);
  t.equal(described.code, 0, described.stderr);
  t.match(described.stdout, /^Name:\s+web$/m);
  t.match(described.stdout, /^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$/m);
  t.match(described.stdout, /^\s+Image:\s+skiff-test\/web:1$/m);
});

t.test('kubectl logs, logs -f and exec', async (t) => {
  const started = await kubectl(['run', 'counter', '--image=skiff-test/web:1', '--image-pull-policy=Never', '--', 'sh', '-c', 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 1; done']);
  t.same([started.code, started.stdout], [0, 'pod/counter created\n'], started.stderr);
  await waitFor('the counter Pod to run', async () => isRunningAndReady((await listPods(cluster, 'run=counter'))[0] ?? ({} as never)));
  const followed = await kubectlUntil(['logs', '-f', 'counter'], (out) => out.includes('line 2\n'), 'logs -f to reach line 2');
  t.match(followed, /^line 0\nline 1\nline 2\n/);
  const tail = await kubectl(['logs', 'counter', '--tail=1']);
  t.match(tail.stdout, /^line \d+\n$/);

  const exec = await kubectl(['exec', 'deployment/web', '--', 'sh', '-c', 'echo $HOSTNAME; exit 3']);
  t.equal(exec.code, 3, "the remote exit code is kubectl's");
  t.match(exec.stdout, /^web-\S+\n$/);
});

t.test('kubectl top nodes and top pods', async (t) => {
  const nodes = await waitFor('top nodes to have usage', async () => {
    const result = await kubectl(['top', 'nodes']);
    return result.code === 0 ? result : undefined;
  });
  t.match(nodes.stdout, new RegExp(`^NAME\\s+CPU\\(cores\\)\\s+CPU\\(%\\)\\s+MEMORY\\(bytes\\)\\s+MEMORY\\(%\\)\\s*\\n${node}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`));
  const pods = await waitFor('top pods to have usage', async () => {
    const result = await kubectl(['top', 'pods', '-l', 'app=web']);
    return result.code === 0 && result.stdout.split('\n').filter((l) => l.startsWith('web-')).length === 3 ? result : undefined;
  });
  t.match(pods.stdout, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nweb-\S+\s+\d+m\s+\d+Mi/);
});

t.test('kubectl auth can-i', async (t) => {
  const yes = await kubectl(['auth', 'can-i', 'create', 'deployments']);
  t.same([yes.code, yes.stdout], [0, 'yes\n'], yes.stderr);
  // --as: impersonation, which the admin may do; the answer is about the default ServiceAccount.
  const asNobody = await kubectl(['auth', 'can-i', 'delete', 'nodes', '--as=system:serviceaccount:default:default']);
  t.same([asNobody.code, asNobody.stdout.trim()], [1, 'no'], asNobody.stderr);
  const rules = await kubectl(['auth', 'can-i', '--list', '--as=system:serviceaccount:default:default']);
  t.equal(rules.code, 0, rules.stderr);
  t.match(rules.stdout, /^selfsubjectrulesreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m, 'SelfSubjectRulesReview');
  const listed = await kubectl(['get', 'secrets', '--as=system:serviceaccount:default:default']);
  t.equal(listed.code, 1);
  t.match(listed.stderr, /Error from server \(Forbidden\): secrets is forbidden: User "system:serviceaccount:default:default" cannot list resource "secrets"/);
});

t.test('kubectl cordon, drain and uncordon', async (t) => {
  const cordoned = await kubectl(['cordon', node]);
  t.same([cordoned.code, cordoned.stdout], [0, `node/${node} cordoned\n`], cordoned.stderr);
  const nodes = await kubectl(['get', 'nodes']);
  t.match(nodes.stdout, new RegExp(`^${node}\\s+Ready,SchedulingDisabled\\s`, 'm'));

  const drained = await kubectl(['drain', node, '--ignore-daemonsets', '--force', '--timeout=120s']);
  t.equal(drained.code, 0, drained.stderr);
  t.match(drained.stdout, new RegExp(`evicting pod default/web-`));
  t.match(drained.stdout, new RegExp(`node/${node} drained\\n$`));
  const pending = await waitFor('the web Pods to wait for a node', async () => {
    const pods = (await listPods(cluster, 'app=web')).filter((p) => !p.metadata.deletionTimestamp);
    return pods.length === 3 && pods.every((p) => p.status?.phase === 'Pending') ? pods : undefined;
  });
  t.equal(pending.length, 3, 'the Deployment re-creates them, unschedulable on the cordoned node');

  const uncordoned = await kubectl(['uncordon', node]);
  t.same([uncordoned.code, uncordoned.stdout], [0, `node/${node} uncordoned\n`], uncordoned.stderr);
  await runningWeb(3);
});
