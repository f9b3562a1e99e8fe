/**
 * `skiff exec` and the API's pods/{name}/exec WebSocket on a real hub and agent with real
 * containers (issue #9): stdout and stderr apart, the remote exit code as ours, stdin with -i
 * (EOF included), -c for a Pod with several containers, errors as kube-apiserver words them, RBAC
 * (`create` on pods/exec, as kube-apiserver 1.31+ asks of a WebSocket exec), and the real kubectl
 * exec (v5.channel.k8s.io) against the same endpoint; `skiff port-forward` to a port of the Pod
 * (pods/{name}/portforward, kubelet's WebSocket port-forward protocol).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { run, SKIFF_BIN, spawnSkiff, stop } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const sleeper = (name: string, containers: string[]): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: containers.map((container) => ({ name: container, image: 'skiff-test/web:1', imagePullPolicy: 'Never', command: ['sleep', '3600'] })),
    },
  });

t.test('exec in real containers, through the hub', async (t) => {
  const cluster = await TestCluster.start(t, { agents: ['exec1'] });
  for (const manifest of [sleeper('box', ['main']), sleeper('duo', ['first', 'second'])]) {
    const applied = await cluster.skiff(['apply', '-f', '-'], { input: manifest });
    t.equal(applied.code, 0, applied.stderr);
  }
  await waitFor('the box and duo Pods Running', async () => {
    const pods = [...(await listPods(cluster, 'app=box')), ...(await listPods(cluster, 'app=duo'))];
    return pods.length === 2 && pods.every(isRunningAndReady);
  });

  await t.test('stdout and stderr apart, and the remote exit code becomes ours', async (t) => {
    const ok = await cluster.skiff(['exec', 'box', '--', 'sh', '-c', 'echo out; echo err >&2']);
    t.equal(ok.code, 0, ok.stderr);
    t.equal(ok.stdout, 'out\n');
    t.equal(ok.stderr, 'err\n');
    const failed = await cluster.skiff(['exec', 'box', '--', 'sh', '-c', 'echo partial; exit 3']);
    t.equal(failed.code, 3);
    t.equal(failed.stdout, 'partial\n');
    t.equal(failed.stderr, 'command terminated with exit code 3\n');
  });

  await t.test('-i passes stdin, EOF included', async (t) => {
    const echoed = await cluster.skiff(['exec', '-i', 'box', '--', 'sh', '-c', 'cat; echo done'], { input: 'line one\nline two\n' });
    t.equal(echoed.code, 0, echoed.stderr);
    t.equal(echoed.stdout, 'line one\nline two\ndone\n');
    // The real executable, its stdin a pipe: the stream path rather than the in-process one.
    const spawned = await run(process.execPath, [SKIFF_BIN, 'exec', '-i', 'box', '--', 'sh', '-c', 'tr a-z A-Z'], { input: 'shout\n', env: { SKIFF_CONFIG: cluster.configFile } });
    t.equal(spawned.code, 0, spawned.stderr);
    t.equal(spawned.stdout, 'SHOUT\n');
  });

  await t.test('-it: an interactive shell on a real terminal (tmux), raw, sized, Ctrl-C to the remote side', async (t) => {
    // tmux gives the real executable a real terminal of a known size, as a user's would be.
    const socket = `skiff-exec-${process.pid}`;
    const exitFile = join(cluster.dir, 'exec-it.exit');
    const tmux = (args: string[]) => run('tmux', ['-L', socket, ...args]);
    const inner = `SKIFF_CONFIG='${cluster.configFile}' '${process.execPath}' '${SKIFF_BIN}' exec -it box -- sh; echo "exit=$?" > '${exitFile}'`;
    const started = await tmux(['new-session', '-d', '-s', 'it', '-x', '100', '-y', '30', 'sh', '-c', inner]);
    t.equal(started.code, 0, started.stderr);
    t.teardown(async () => void (await tmux(['kill-server'])));
    const screen = async (): Promise<string> => (await tmux(['capture-pane', '-p', '-t', 'it'])).stdout;
    const type = async (keys: string[]): Promise<void> => void (await tmux(['send-keys', '-t', 'it', ...keys]));
    // busybox sh's prompt is "/ # " (capture-pane drops the trailing blank).
    await waitFor('the remote shell\'s prompt', async () => /^\/ #/m.test(await screen()));
    await type(['tty; stty size; echo $((6*7))', 'Enter']);
    await waitFor('the answers of the remote shell', async () => /\n42\s*\n/.test(await screen()));
    const answers = await screen();
    t.match(answers, /\/dev\/pts\/\d+/, 'the command runs on a terminal');
    t.match(answers, /^30 100\s*$/m, 'of the size of ours (rows, columns)');
    // Raw mode: Ctrl-C interrupts the remote command, not skiff.
    await type(['sleep 300', 'Enter']);
    await type(['C-c']);
    await type(['echo still-$((1+1))', 'Enter']);
    await waitFor('the shell after Ctrl-C', async () => (await screen()).includes('still-2'));
    await type(['exit 4', 'Enter']);
    await waitFor('skiff to end with the shell', () => existsSync(exitFile) && readFileSync(exitFile, 'utf8').includes('exit='));
    t.equal(readFileSync(exitFile, 'utf8').trim(), 'exit=4', 'the remote exit code is ours');
  });

  await t.test('-c picks a container; errors as kube-apiserver words them', async (t) => {
    const second = await cluster.skiff(['exec', 'duo', '-c', 'second', '--', 'sh', '-c', 'echo $HOSTNAME']);
    t.equal(second.code, 0, second.stderr);
    t.equal(second.stdout, 'duo\n');
    const bare = await cluster.skiff(['exec', 'duo', '--', 'true']);
    t.not(bare.code, 0);
    t.match(bare.stderr, /a container name must be specified for pod duo, choose one of: \[first second\]/);
    const missing = await cluster.skiff(['exec', 'nope', '--', 'true']);
    t.match(missing.stderr, /pods "nope" not found/);
    const noCommand = await cluster.skiff(['exec', 'box']);
    t.not(noCommand.code, 0);
    t.match(noCommand.stderr, /you must specify at least one command/);
    const notFound = await cluster.skiff(['exec', 'box', '--', 'no-such-binary']);
    t.not(notFound.code, 0, 'a command that cannot start fails');
  });

  await t.test('the real kubectl exec, over v5.channel.k8s.io', async (t) => {
    const printed = await cluster.skiff(['config', 'kubeconfig']);
    const kubeconfig = join(cluster.dir, 'exec-kubeconfig.yaml');
    writeFileSync(kubeconfig, printed.stdout, { mode: 0o600 });
    const home = join(cluster.dir, 'kube-home-exec');
    mkdirSync(home);
    const kubectl = (args: string[], input?: string) => run('/usr/bin/kubectl', args, { env: { KUBECONFIG: kubeconfig, HOME: home }, ...(input !== undefined ? { input } : {}) });
    const out = await kubectl(['exec', 'box', '--', 'sh', '-c', 'echo from kubectl; echo to stderr >&2']);
    t.equal(out.code, 0, out.stderr);
    t.equal(out.stdout, 'from kubectl\n');
    t.match(out.stderr, /to stderr/);
    const piped = await kubectl(['exec', '-i', 'box', '--', 'cat'], 'through kubectl\n');
    t.equal(piped.stdout, 'through kubectl\n', piped.stderr);
    const exit = await kubectl(['exec', 'box', '--', 'sh', '-c', 'exit 7']);
    t.equal(exit.code, 7, 'kubectl exits with the command\'s code');
    t.match(exit.stderr, /command terminated with exit code 7/);
  });

  await t.test('skiff port-forward carries local connections to a port of the Pod', async (t) => {
    // An HTTP server in the Pod, on a port nothing outside the node can reach.
    const server = await cluster.skiff(['exec', 'box', '--', 'sh', '-c', 'mkdir -p /tmp/www && echo forwarded > /tmp/www/index.html && (httpd -p 9090 -h /tmp/www &)']);
    t.equal(server.code, 0, server.stderr);
    const local = await freePort();
    const log = join(cluster.dir, 'port-forward.log');
    const child = spawnSkiff(['port-forward', 'pod/box', `${local}:9090`], log, { SKIFF_CONFIG: cluster.configFile });
    t.teardown(() => stop(child));
    await waitFor('port-forward to listen', () => readFileSync(log, 'utf8').includes(`Forwarding from 127.0.0.1:${local} -> 9090`));
    for (let i = 0; i < 3; i++) {
      const page = await fetch(`http://127.0.0.1:${local}/`);
      t.equal(page.status, 200);
      t.equal((await page.text()).trim(), 'forwarded', `connection ${i + 1}`);
    }
    const closed = await fetch(`http://127.0.0.1:${local}/`, { headers: { connection: 'close' } });
    t.equal((await closed.text()).trim(), 'forwarded');
    await stop(child);
    t.match(readFileSync(log, 'utf8'), /Handling connection for 9090/);
  });

  await t.test('RBAC: exec needs create on pods/exec; a viewer may not', async (t) => {
    for (const args of [
      ['create', 'serviceaccount', 'viewer'],
      ['create', 'rolebinding', 'viewer-view', '--clusterrole=view', '--serviceaccount=default:viewer'],
    ]) {
      const result = await cluster.skiff(args);
      t.equal(result.code, 0, result.stderr);
    }
    const token = (await cluster.skiff(['create', 'token', 'viewer'])).stdout.trim();
    const denied = await cluster.skiff(['--token', token, 'exec', 'box', '--', 'true']);
    t.not(denied.code, 0);
    t.match(denied.stderr, /pods "box" is forbidden: User "system:serviceaccount:default:viewer" cannot create resource "pods\/exec" in API group "" in the namespace "default"/);
  });
});
