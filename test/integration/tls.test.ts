/**
 * TLS as shipped (issue #6): a real hub serves HTTPS and MQTTS from the CA it made on first
 * start; agents pin that CA by the hash in their K10 join token; a hub whose CA does not match
 * is refused before it hears the node's name or token; --plain-http --plain-mqtt still works.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import t from 'tap';
import { loadOrCreateTls } from '../../hub/identity/tls.js';
import { caHashOf, formatJoinToken, parseJoinToken } from '../../shared/join-token.js';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, type PodView } from '../helpers/pods.js';
import { run, SKIFF_BIN } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

/** The certificate a TLS port presents, verified against `caPem` only (as an agent or the CLI does). */
function presentedCertificate(port: number, caPem: string): Promise<{ authorized: boolean; cert: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: caPem, rejectUnauthorized: true }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (!cert) reject(new Error('no peer certificate'));
      else resolve({ authorized: socket.authorized, cert });
    });
    socket.once('error', reject);
  });
}

/** A plain MQTT 3.1.1 CONNECT (client id "x", clean session); resolves with whatever came back before the close. */
function plainMqttConnect(port: number): Promise<Buffer> {
  const connectPacket = Buffer.from([0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, 0x78]);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = netConnect({ host: '127.0.0.1', port }, () => socket.write(connectPacket));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset is a close too
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.setTimeout(30_000, () => reject(new Error('the broker neither answered nor closed')));
  });
}

const joinRequests = (log: string, node: string): number =>
  readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"path":"/skiff/v1/join"') || line.includes(node)).length;

t.test('a hub serves HTTPS and MQTTS from its own CA; agents pin it by the join token', async (t) => {
  const cluster = await TestCluster.start(t);
  const caFile = join(cluster.hubDataDir, 'tls', 'ca.crt');
  const ca = new X509Certificate(readFileSync(caFile));
  const caHash = caHashOf(readFileSync(caFile));

  await t.test('API and broker present certificates that chain to DATA/tls/ca.crt', async (t) => {
    t.equal(statSync(join(cluster.hubDataDir, 'tls', 'ca.key')).mode & 0o777, 0o600, 'ca.key is 0600');
    for (const [what, port] of [
      ['API', cluster.apiPort],
      ['MQTT', cluster.mqttPort],
    ] as const) {
      const presented = await presentedCertificate(port, cluster.caPem);
      t.ok(presented.authorized, `${what}: verified against the hub CA alone`);
      t.ok(presented.cert.checkIssued(ca) && presented.cert.verify(ca.publicKey), `${what}: issued and signed by the CA`);
      t.equal(presented.cert.checkIP('127.0.0.1'), '127.0.0.1');
      t.equal(presented.cert.checkHost('localhost'), 'localhost');
    }
    t.match(readFileSync(cluster.configFile, 'utf8'), /server: https:\/\/127\.0\.0\.1:\d+\n/, 'admin.config names the https URL');
  });

  await t.test('plain HTTP and plain MQTT to the TLS ports fail', async (t) => {
    await t.rejects(fetch(`http://127.0.0.1:${cluster.apiPort}/healthz`), 'plain HTTP gets no answer');
    const answer = await plainMqttConnect(cluster.mqttPort);
    t.not(answer[0], 0x20, 'plain MQTT gets no CONNACK: the connection just closes');
  });

  await t.test('GET /cacerts serves the CA without authentication; the join token carries its hash', async (t) => {
    const res = await cluster.anonymousFetch('/cacerts');
    t.equal(res.status, 200);
    t.equal(await res.text(), readFileSync(caFile, 'utf8'), 'the PEM bytes exactly');
    t.same(parseJoinToken(cluster.joinToken).caHash, caHash);
  });

  await t.test('an agent with the K10 token joins over TLS and runs a pod', async (t) => {
    const node = await cluster.startAgent('pinned');
    const agentCa = join(cluster.dir, 'agent-pinned', 'ca.crt');
    t.equal(readFileSync(agentCa, 'utf8'), readFileSync(caFile, 'utf8'), 'the agent stored the hub CA');
    t.equal(statSync(agentCa).mode & 0o777, 0o600);
    t.match(readFileSync(join(cluster.dir, 'agent-pinned.log'), 'utf8'), /"url":"mqtts:\/\/127\.0\.0\.1:\d+".*"msg":"mqtt connected"/, 'over mqtts');
    const pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: over-tls\nspec:\n  nodeName: ${node}\n  containers:\n  - name: web\n    image: skiff-test/web:1\n    imagePullPolicy: Never\n`;
    const applied = await cluster.skiff(['apply', '-f', '-'], { input: pod });
    t.equal(applied.code, 0, applied.stderr);
    await waitFor('the pod to run', async () => isRunningAndReady(await cluster.api<PodView>('/api/v1/namespaces/default/pods/over-tls')));
    t.pass('Running and Ready');
  });

  await t.test('restarts reuse the CA: an agent restarted while the hub is down starts from its stored CA and reconnects', async (t) => {
    const [caBefore, tokenBefore] = [cluster.caPem, cluster.joinToken];
    const node = cluster.nodeName('pinned');
    await cluster.stopHub();
    await cluster.stopAgent(node);
    const agentBack = cluster.startAgent('pinned'); // resolves once the node is Ready again
    const agentLog = join(cluster.dir, 'agent-pinned.log');
    await waitFor('the agent to start with no hub', () => readFileSync(agentLog, 'utf8').split('"msg":"loaded desired state"').length === 3);
    await cluster.startHub();
    await agentBack;
    t.equal(cluster.caPem, caBefore, 'same CA');
    t.equal(cluster.joinToken, tokenBefore, 'same join token');
    const hubLog = readFileSync(join(cluster.dir, 'hub.log'), 'utf8');
    t.equal(hubLog.split('"msg":"issued the serving certificate"').length - 1, 1, 'the serving certificate was issued once, on first start');
    t.equal(readFileSync(agentLog, 'utf8').split('"msg":"pinned the hub CA"').length - 1, 1, 'the agent fetched the CA once');
    t.ok(isRunningAndReady(await cluster.api<PodView>('/api/v1/namespaces/default/pods/over-tls')), 'the pod still runs');
  });

  await t.test('an agent whose token names another CA exits non-zero and never asks the hub to join', async (t) => {
    const otherDir = mkdtempSync(join(tmpdir(), 'skiff-other-ca-'));
    t.teardown(() => rmSync(otherDir, { recursive: true, force: true }));
    const otherHash = loadOrCreateTls(otherDir, { host: '127.0.0.1' }).caHash;
    const node = cluster.nodeName('spoofed');
    const dataDir = join(cluster.dir, 'agent-spoofed');
    const hubLog = join(cluster.dir, 'hub.log');
    const before = joinRequests(hubLog, node);
    const token = formatJoinToken(otherHash, parseJoinToken(cluster.joinToken).credential);
    const result = await run(process.execPath, [SKIFF_BIN, 'agent', '--server', cluster.apiUrl, '--token', token, '--node-name', node, '--data-dir', dataDir], { timeoutMs: 30_000 });
    t.equal(result.code, 1, 'exit code 1');
    const output = result.stdout + result.stderr;
    t.notMatch(result.stderr, /\n\s+at /, 'a clear message, no stack trace');
    t.match(output, `its CA certificate has sha256 ${caHash}, but the join token expects ${otherHash}`, 'the message names both hashes');
    t.notMatch(output, parseJoinToken(cluster.joinToken).credential, 'the credential is not echoed');
    t.notOk(existsSync(join(dataDir, 'credentials.json')) || existsSync(join(dataDir, 'ca.crt')), 'nothing stored');
    // The hub logs every request at debug: no join and no mention of the node since.
    t.equal(joinRequests(hubLog, node), before, 'no /skiff/v1/join request reached the hub');
    const get = await cluster.skiff(['get', 'node', node]);
    t.match(get.stderr, /NotFound/, 'no such node');
  });

  await t.test('a bare token against the https hub is refused with a pointer to the K10 token', async (t) => {
    const bare = parseJoinToken(cluster.joinToken).credential;
    const result = await run(process.execPath, [SKIFF_BIN, 'agent', '--server', cluster.apiUrl, '--token', bare, '--node-name', cluster.nodeName('bare'), '--data-dir', join(cluster.dir, 'agent-bare')], {
      timeoutMs: 30_000,
    });
    t.equal(result.code, 1);
    t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
    t.match(result.stdout + result.stderr, /refusing to join .* with a bare token: .*K10/);
  });
});

t.test('a hub started with --plain-http --plain-mqtt works with a bare token', async (t) => {
  const cluster = await TestCluster.start(t, { plain: true, agents: ['plain'] });
  t.match(cluster.apiUrl, /^http:\/\//);
  t.notOk(cluster.joinToken.startsWith('K10'), 'no CA, so no hash in the token');
  t.notOk(existsSync(join(cluster.hubDataDir, 'tls')), 'no CA made');
  const nodes = await cluster.skiff(['get', 'nodes']);
  t.equal(nodes.code, 0, nodes.stderr);
  t.match(nodes.stdout, new RegExp(`${cluster.nodeName('plain')}\\s+Ready`));
  t.match(readFileSync(join(cluster.dir, 'agent-plain.log'), 'utf8'), /"url":"mqtt:\/\/127\.0\.0\.1:\d+".*"msg":"mqtt connected"/);
});
