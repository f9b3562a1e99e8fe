/**
 * Chaos scenario "30% packet loss during an image pull" (issue #7). Docker pulls in dockerd, in
 * the root network namespace, not in the agent: loss on an agent's veth would never touch the
 * pull. So the loss is put on the registry's path instead: a real registry (docker-registry) runs
 * in its own namespace, reached over its veth through a small TCP forwarder on 127.0.0.1 (dockerd
 * trusts a plain-HTTP registry on loopback only, and its configuration is not the test's to
 * change), and 30% of the packets on that veth are dropped both ways while the agent pulls. The
 * image has a 2 MiB layer of random bytes made for this run, so no layer is already on the
 * machine and every byte of it crosses the lossy link.
 *
 * Pass criteria: the Pod starts; the link really dropped packets; the container runs exactly the
 * pushed image (same image id, the pushed digest) with its layer whole (the file's size and hash).
 */
import type { Test } from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { docker, stop } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { NetnsLink } from './netns.js';

const LOSS_PERCENT = 30;
const REGISTRY_PORT = 5000;
const LAYER_BYTES = 2 * 1024 * 1024;

async function dockerOk(args: string[]): Promise<string> {
  const result = await docker(args);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** A registry listening inside `link`'s namespace only; stopped and its storage removed in teardown. */
async function startRegistryIn(t: Test, link: NetnsLink): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-chaos-registry-'));
  const config = join(dir, 'config.yml');
  writeFileSync(config, ['version: 0.1', `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}}`, `http: {addr: "${link.namespaceIp}:${REGISTRY_PORT}"}`, 'log: {level: warn}'].join('\n'));
  const child = spawn(link.wrap[0]!, [...link.wrap.slice(1), 'docker-registry', 'serve', config], { stdio: 'ignore' });
  t.teardown(async () => {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor('the registry to answer in its namespace', async () => {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    return (await fetch(`http://${link.namespaceIp}:${REGISTRY_PORT}/v2/`).catch(() => undefined))?.status === 200;
  });
}

/** 127.0.0.1:PORT -> `target`, byte for byte; connection errors are kept for the test's log. */
async function startForwarder(t: Test, host: string, port: number): Promise<number> {
  const errors: string[] = [];
  const sockets = new Set<Socket>();
  let closing = false;
  const server: Server = createServer((client) => {
    if (closing) {
      client.destroy();
      return;
    }
    const upstream = createConnection(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', (err) => {
        errors.push(err.message);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    closing = true;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.destroy();
    await closed;
    if (errors.length > 0) t.comment(`forwarder connection errors (TCP under loss): ${errors.join('; ')}`);
  });
  return (server.address() as { port: number }).port;
}

/** The hash in `sha256sum /blob` output. */
function blobHash(output: string): string {
  const hash = output.split(/\s+/)[0] ?? '';
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256sum output: ${output}`);
  return hash;
}

/** Makes and pushes an image with a fresh random layer; returns its reference, id, digest and the layer's hash. */
async function pushFreshImage(t: Test, registry: string, made: (id: string) => void): Promise<{ ref: string; id: string; digest: string; sha256: string }> {
  const tag = randomBytes(4).toString('hex');
  const ref = `${registry}/chaos/web:${tag}`;
  const builder = `skiff-chaos-build-${tag}`;
  t.teardown(() => docker(['rm', '-f', builder])); // already gone when all went well
  const sha256 = blobHash(await dockerOk(['run', '--name', builder, 'skiff-test/web:1', 'sh', '-c', `head -c ${LAYER_BYTES} /dev/urandom > /blob && sha256sum /blob`]));
  // The builder's command would become the image's: keep the base image's (a web server that stays up).
  const baseCmd = await dockerOk(['image', 'inspect', '--format', '{{json .Config.Cmd}}', 'skiff-test/web:1']);
  await dockerOk(['commit', '--change', `CMD ${baseCmd}`, builder, ref]);
  await dockerOk(['rm', '-f', builder]);
  const id = await dockerOk(['image', 'inspect', '--format', '{{.Id}}', ref]);
  made(id);
  await dockerOk(['push', ref]);
  const digests = JSON.parse(await dockerOk(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref])) as string[];
  const digest = digests.find((d) => d.startsWith(`${registry}/chaos/web@`))?.split('@')[1];
  if (!digest) throw new Error(`no digest for ${ref} after the push: ${digests.join(', ')}`);
  return { ref, id, digest, sha256 };
}

/** Removes the run's image (after the cluster's teardown has removed the containers using it). */
async function removeImage(id: string): Promise<void> {
  const removed = await docker(['rmi', '-f', id]);
  if (removed.code !== 0 && !removed.stderr.includes('No such image')) throw new Error(`docker rmi ${id}: ${removed.stderr.trim()}`);
}

export async function lossyPull(t: Test): Promise<void> {
  const link = await NetnsLink.create(t);
  await startRegistryIn(t, link);
  const port = await startForwarder(t, link.namespaceIp, REGISTRY_PORT);
  const registry = `127.0.0.1:${port}`;
  // The image is made while the cluster starts (both are slow, neither needs the other).
  // Registered before the cluster: tap runs teardowns last-in first-out, so the image goes after
  // the cluster's containers (and its agent, which could otherwise start a pull of it again).
  let imageId: string | undefined;
  t.teardown(() => (imageId === undefined ? undefined : removeImage(imageId)));
  const [image, cluster] = await Promise.all([pushFreshImage(t, registry, (id) => (imageId = id)), TestCluster.start(t, { agents: ['pull'] })]);
  // Nothing of the image may be left on the machine: every layer byte must come over the lossy link.
  await dockerOk(['rmi', image.ref]);
  t.equal((await docker(['image', 'inspect', image.id])).code, 1, 'the image is gone from the engine before the pull');

  const node = cluster.nodeName('pull');
  await link.addLoss(LOSS_PERCENT);
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'lossy', labels: { app: 'lossy' } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: image.ref, imagePullPolicy: 'IfNotPresent' }] },
  };
  t.equal((await cluster.skiff(['apply', '-f', '-'], { input: JSON.stringify(manifest) })).code, 0, 'Pod applied');
  await waitFor('the Pod Running over a lossy pull', async () => (await listPods(cluster, 'app=lossy')).some(isRunningAndReady), { timeoutMs: 180_000 });
  const dropped = await link.droppedPackets();
  await link.clearLoss();
  t.ok(dropped > 0, `the link dropped packets during the pull (${dropped})`);

  const [container] = (await cluster.containers(node)).filter((c) => c.state === 'running' && c.labels['skiff.pod.name'] === 'lossy');
  t.ok(container, 'the Pod’s container runs');
  t.equal(await dockerOk(['inspect', '--format', '{{.Image}}', container!.id]), image.id, 'it runs exactly the pushed image (same image id)');
  const digests = JSON.parse(await dockerOk(['image', 'inspect', '--format', '{{json .RepoDigests}}', image.id])) as string[];
  t.ok(digests.some((d) => d.endsWith(`@${image.digest}`)), 'the pulled image has the pushed digest');
  t.equal(blobHash(await dockerOk(['exec', container!.id, 'sh', '-c', 'sha256sum /blob'])), image.sha256, 'its random layer arrived whole: the file hashes as it did when pushed');
}
