/**
 * Join tokens and node credentials on a real hub and real agents: a bootstrap token from
 * `skiff token create` lets an agent join; once deleted (or expired) it lets no new agent in,
 * while nodes that joined with it keep working (as kubeadm and k3s). With 6-second credentials an
 * agent renews them again and again without restarting or dropping its MQTT session, its Pod
 * running throughout; an agent whose credentials expired while it was down joins again with its
 * join token; `skiff delete node` cuts the node off within seconds, for good.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { TestCluster } from '../helpers/cluster.js';
import { spawnSkiff, stop } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { BOOTSTRAP_TOKEN } from '../../shared/join-token.js';
import { DEFAULTS } from '../../shared/defaults.js';

interface LogLine {
  time: number;
  msg: string;
  [key: string]: unknown;
}

function logLines(file: string): LogLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

const CREDENTIAL_TTL_S = 6;

t.test('bootstrap tokens, credential renewal and revocation', async (t) => {
  const cluster = await TestCluster.start(t, { hubArgs: ['--node-credential-ttl', `${CREDENTIAL_TTL_S}s`] });
  const strays: ChildProcess[] = [];
  t.teardown(() => Promise.all(strays.map((child) => stop(child, 'SIGKILL'))));
  const agentLog = (short: string) => join(cluster.dir, `agent-${short}.log`);

  /** An agent expected NOT to get in: started by hand, since startAgent waits for it to be Ready. */
  const startRefusedAgent = (short: string, token: string): string => {
    const log = join(cluster.dir, `agent-${short}.log`);
    const child = spawnSkiff(['agent', '--server', cluster.apiUrl, '--token', token, '--node-name', cluster.nodeName(short), '--data-dir', join(cluster.dir, `agent-${short}`)], log);
    strays.push(child);
    return log;
  };
  const refusedWith401 = (log: string) =>
    waitFor(`the join in ${log} to be refused`, () => logLines(log).find((l) => l.msg === 'join failed; retrying' && String(l.err).includes('HTTP 401: invalid join token')));
  const tokenList = async () => {
    const result = await cluster.skiff(['token', 'list']);
    t.equal(result.code, 0, `skiff token list: ${result.stderr}`);
    return result.stdout;
  };

  const created = await cluster.skiff(['token', 'create', '--ttl', '2h', '--description', 'integration']);
  t.equal(created.code, 0, `skiff token create: ${created.stderr}`);
  const token = created.stdout.trim();
  const credential = token.includes('::') ? token.slice(token.indexOf('::') + 2) : token;
  t.match(credential, BOOTSTRAP_TOKEN, 'a kubeadm-style <id>.<secret>, in K10 form when the hub has a CA');
  const tokenId = credential.split('.')[0]!;

  const nodeA = cluster.nodeName('a');
  await t.test('an agent joins with a bootstrap token, and the list shows its id and use, never its secret', async (t) => {
    t.equal(await cluster.startAgent('a', ['--token', token]), nodeA, 'Ready');
    const list = await tokenList();
    t.match(list, /^TOKEN-ID\s+TTL\s+EXPIRES\s+USES\s+DESCRIPTION\n/);
    t.match(list, new RegExp(`\\n${tokenId}\\s+(1h\\d+m|2h|119m|1\\d\\dm)\\s+\\S+Z\\s+1\\s+integration\\n`), list);
    t.notOk(list.includes(credential.split('.')[1]!), 'the secret is never listed');
  });

  const applied = await cluster.skiff(['apply', '-f', '-'], {
    input: `apiVersion: v1
kind: Pod
metadata: {name: pinned, labels: {app: pinned}}
spec:
  nodeName: ${nodeA}
  containers:
    - {name: web, image: skiff-test/web:1, imagePullPolicy: Never}
`,
  });
  t.equal(applied.code, 0, applied.stderr);
  const running = await waitFor('the pinned Pod to run on node a', async () => {
    const containers = await cluster.containers(nodeA);
    return containers.find((c) => c.state === 'running');
  });

  await t.test('a deleted token lets no new agent in; the node that joined with it keeps working', async (t) => {
    const deleted = await cluster.skiff(['token', 'delete', tokenId]);
    t.same({ code: deleted.code, stdout: deleted.stdout }, { code: 0, stdout: `bootstrap token "${tokenId}" deleted\n` });
    t.notOk((await tokenList()).includes(tokenId), 'gone from the list');
    await refusedWith401(startRefusedAgent('b', token));
    const again = await cluster.skiff(['token', 'delete', tokenId]);
    t.equal(again.code, 1, 'deleting it twice fails');
    t.match(again.stderr, /not found/);
  });

  await t.test('an expired token is refused alike', async (t) => {
    const short = await cluster.skiff(['token', 'create', '--ttl', '1s']);
    t.equal(short.code, 0, short.stderr);
    const shortId = short.stdout.trim().split('::').pop()!.split('.')[0]!;
    // Expired tokens read <invalid> until the hub's sweep deletes them: wait for either.
    await waitFor('the 1s token to expire', async () => {
      const line = (await tokenList()).split('\n').find((l) => l.startsWith(shortId));
      return line === undefined || line.includes('<invalid>');
    });
    await refusedWith401(startRefusedAgent('c', short.stdout.trim()));
  });

  await t.test(`with ${CREDENTIAL_TTL_S}s credentials the agent renews again and again, without restarting or going offline`, async (t) => {
    const pid = cluster.agentPid(nodeA);
    const renewals = await waitFor(
      'three renewals',
      () => {
        const lines = logLines(agentLog('a')).filter((l) => l.msg === 'new node credentials' && l.how === 'renewed');
        return lines.length >= 3 ? lines : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const expiries = renewals.map((l) => Date.parse(String(l.expiresAt)));
    t.ok(expiries.every((e, i) => i === 0 || e > expiries[i - 1]!), 'each renewal moves the expiry on');
    t.ok(expiries[2]! - renewals[0]!.time > CREDENTIAL_TTL_S * 1000, 'the node now holds credentials that outlive the ones it joined with');
    t.equal(cluster.agentPid(nodeA), pid, 'same agent process');
    t.doesNotThrow(() => process.kill(pid!, 0), 'and it is alive');
    const agentLines = logLines(agentLog('a'));
    t.equal(agentLines.filter((l) => l.msg === 'mqtt offline').length, 0, 'the MQTT link never dropped (a clean switch, no will)');
    t.equal(agentLines.filter((l) => l.msg === 'joined the cluster').length, 1, 'joined once, never again');
    const hubLines = logLines(join(cluster.dir, 'hub.log'));
    t.equal(hubLines.filter((l) => l.msg === 'mqtt login refused').length, 0, 'no login was refused');
    t.ok(hubLines.filter((l) => l.msg === 'node credentials renewed' && l.node === nodeA).length >= 3, 'the hub saw the renewals');
    const after = (await cluster.containers(nodeA)).find((c) => c.id === running.id);
    t.equal(after?.state, 'running', 'the Pod’s container kept running, untouched');
    // The hub still hears from the node: its leases (heartbeats) after the last renewal keep it
    // Ready for longer than the grace period, with no overdue lease logged.
    const pastGrace = renewals[2]!.time + DEFAULTS.nodeMonitorGracePeriodMs + 2 * DEFAULTS.nodeMonitorPeriodMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, pastGrace - Date.now())));
    const node = await cluster.api<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(`/api/v1/nodes/${nodeA}`);
    t.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'Ready a grace period after the last renewal');
    t.equal(logLines(join(cluster.dir, 'hub.log')).filter((l) => l.msg === 'node lease overdue; marking Unknown' && l.node === nodeA).length, 0, 'its lease was never overdue');
  });

  await t.test('credentials that expired while the agent was down: it joins again with its join token', async (t) => {
    const nodeD = await cluster.startAgent('d'); // the server token: still valid when it comes back
    await cluster.stopAgent(nodeD);
    const saved = JSON.parse(readFileSync(join(cluster.dir, 'agent-d', 'credentials.json'), 'utf8')) as { expiresAt: string };
    await waitFor('the stopped agent’s credentials to expire', () => Date.now() > Date.parse(saved.expiresAt) + 500, { timeoutMs: 30_000 });
    await cluster.startAgent('d');
    const rejoined = logLines(agentLog('d')).filter((l) => l.msg === 'new node credentials' && l.how === 'joined again with the join token');
    t.equal(rejoined.length, 1, 'joined again, once');
    t.ok(logLines(join(cluster.dir, 'hub.log')).some((l) => l.msg === 'mqtt login refused' && l.username === nodeD), 'its first login, with the expired password, was refused');
  });

  await t.test('skiff delete node cuts the node off within seconds, and it cannot come back', async (t) => {
    const offlineBefore = logLines(agentLog('a')).filter((l) => l.msg === 'mqtt offline').length;
    const started = Date.now();
    const deleted = await cluster.skiff(['delete', 'node', nodeA]);
    t.equal(deleted.code, 0, deleted.stderr);
    const dropped = await waitFor('the agent to lose its MQTT link', () => logLines(agentLog('a')).filter((l) => l.msg === 'mqtt offline')[offlineBefore], { timeoutMs: 30_000 });
    const revoked = logLines(join(cluster.dir, 'hub.log')).find((l) => l.msg === 'node deleted; credentials revoked and connections dropped' && l.node === nodeA);
    t.comment(
      `node ${nodeA} disconnected ${((dropped.time - started) / 1000).toFixed(2)} s after \`skiff delete node\` was started` +
        (revoked ? ` (${((dropped.time - revoked.time) / 1000).toFixed(2)} s after the hub revoked its credentials)` : ''),
    );
    // Reconnects are refused by the broker, renewals by the API, and the join token was deleted.
    await waitFor('a refused reconnect', () => logLines(join(cluster.dir, 'hub.log')).find((l) => l.msg === 'mqtt login refused' && l.username === nodeA && l.time > dropped.time));
    await waitFor('a refused renewal', () => logLines(agentLog('a')).find((l) => l.time > started && String(l.msg).startsWith('the hub refused this node’s credentials')), { timeoutMs: 30_000 });
    const gone = await cluster.skiff(['get', 'node', nodeA]);
    t.equal(gone.code, 1, 'the Node was not re-created');
    t.match(gone.stderr, /NotFound|not found/);
  });
});
