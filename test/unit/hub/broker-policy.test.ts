import { randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test as Tap } from 'tap';
import type { Client } from 'aedes';
import { brokerPolicy, nodeTopicAllowed, retainAllowed } from '../../../hub/broker/policy.js';
import { handleJoin } from '../../../hub/api/join.js';
import { nodeSecrets } from '../../../hub/identity/secrets.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { createLogger } from '../../../shared/log.js';
import { DOWNWARD_CHANNELS, FLEET_SERVICES_TOPIC, UPWARD_CHANNELS, nodeTopic } from '../../../shared/mqtt/topics.js';
import { HOME_NODE, HOSTILE_NODE_NAMES, HOSTILE_TOPICS } from '../shared/hostile-topics.js';
import { pick, randomInt, seededRandom } from '../../helpers/seeded-random.js';

const OWN_UPWARD = UPWARD_CHANNELS.map((c) => nodeTopic(HOME_NODE, c));
const OWN_DOWNWARD = DOWNWARD_CHANNELS.map((c) => nodeTopic(HOME_NODE, c));
const show = (topic: string) => JSON.stringify(topic.length > 60 ? `${topic.slice(0, 57)}...` : topic);

t.test('a node may publish its own status, presence, metrics, events, streams and lease, and subscribe to its own desired state', async (t) => {
  t.same(OWN_UPWARD, ['skiff/v1/nodes/pi-1/status', 'skiff/v1/nodes/pi-1/presence', 'skiff/v1/nodes/pi-1/metrics', 'skiff/v1/nodes/pi-1/events', 'skiff/v1/nodes/pi-1/streams', 'skiff/v1/nodes/pi-1/lease']);
  for (const topic of OWN_UPWARD) t.ok(nodeTopicAllowed(HOME_NODE, topic, 'publish'), `publish ${topic}`);
  t.ok(nodeTopicAllowed(HOME_NODE, 'skiff/v1/nodes/pi-1/desired', 'subscribe'), 'subscribe to its desired topic');
});

t.test('a node may not publish its desired state nor subscribe to its own upward topics', async (t) => {
  for (const topic of OWN_DOWNWARD) t.notOk(nodeTopicAllowed(HOME_NODE, topic, 'publish'), `publish ${topic}`);
  for (const topic of OWN_UPWARD) t.notOk(nodeTopicAllowed(HOME_NODE, topic, 'subscribe'), `subscribe ${topic}`);
});

t.test('every node may read the fleet Services view, none may write it, and a connection not logged in may not read it', async (t) => {
  for (const node of [HOME_NODE, 'pi-2']) {
    t.ok(nodeTopicAllowed(node, FLEET_SERVICES_TOPIC, 'subscribe'), `${node} subscribes`);
    t.notOk(nodeTopicAllowed(node, FLEET_SERVICES_TOPIC, 'publish'), `${node} may not publish`);
  }
  t.notOk(nodeTopicAllowed(undefined, FLEET_SERVICES_TOPIC, 'subscribe'));
  t.notOk(nodeTopicAllowed(HOME_NODE, `${FLEET_SERVICES_TOPIC}/#`, 'subscribe'), 'no wildcard below it');
  t.notOk(nodeTopicAllowed(HOME_NODE, 'skiff/v1/fleet/+', 'subscribe'), 'no wildcard in its place');
  t.notOk(retainAllowed(FLEET_SERVICES_TOPIC), 'no node may retain on it');
});

t.test('a connection not logged in as a node may do nothing', async (t) => {
  for (const topic of [...OWN_UPWARD, ...OWN_DOWNWARD]) {
    t.notOk(nodeTopicAllowed(undefined, topic, 'publish'), `publish ${topic}`);
    t.notOk(nodeTopicAllowed(undefined, topic, 'subscribe'), `subscribe ${topic}`);
  }
});

t.test('no hostile topic passes, in either direction', async (t) => {
  for (const topic of HOSTILE_TOPICS) {
    t.notOk(nodeTopicAllowed(HOME_NODE, topic, 'publish'), `publish ${show(topic)}`);
    t.notOk(nodeTopicAllowed(HOME_NODE, topic, 'subscribe'), `subscribe ${show(topic)}`);
  }
});

t.test('a hostile node identity is allowed nothing, even on the topic that spells its name', async (t) => {
  for (const identity of HOSTILE_NODE_NAMES) {
    for (const channel of [...UPWARD_CHANNELS, ...DOWNWARD_CHANNELS]) {
      const topic = `skiff/v1/nodes/${identity}/${channel}`;
      t.notOk(nodeTopicAllowed(identity, topic, 'publish'), `${show(identity)} publish ${show(topic)}`);
      t.notOk(nodeTopicAllowed(identity, topic, 'subscribe'), `${show(identity)} subscribe ${show(topic)}`);
    }
  }
});

t.test('property: a random topic is allowed exactly when it is one of the node\'s own topics for that direction', async (t) => {
  const random = seededRandom(0xb10c);
  const levels = ['skiff', 'v1', 'v2', 'nodes', 'node', HOME_NODE, 'pi-2', 'PI-1', '+', '#', '$SYS', '', 'status', 'presence', 'metrics', 'desired', 'logs', 'pi-1/status', ' '];
  const failures: string[] = [];
  let allowedSeen = 0;
  for (let i = 0; i < 20_000; i++) {
    // Mostly the real shape with one level perturbed, sometimes entirely random levels.
    const shape = ['skiff', 'v1', 'nodes', HOME_NODE, pick(random, [...UPWARD_CHANNELS, ...DOWNWARD_CHANNELS])];
    const topicLevels =
      i % 4 === 0
        ? Array.from({ length: 1 + randomInt(random, 7) }, () => pick(random, levels))
        : shape.map((level) => (random() < 0.25 ? pick(random, levels) : level));
    if (random() < 0.05) topicLevels.push(pick(random, levels));
    const topic = topicLevels.join('/');
    for (const direction of ['publish', 'subscribe'] as const) {
      const expected = (direction === 'publish' ? OWN_UPWARD : OWN_DOWNWARD).includes(topic);
      const actual = nodeTopicAllowed(HOME_NODE, topic, direction);
      if (actual) allowedSeen++;
      if (actual !== expected) failures.push(`${direction} ${JSON.stringify(topic)}: got ${actual}`);
    }
  }
  t.same(failures.slice(0, 10), [], `${failures.length} wrong decisions`);
  t.ok(allowedSeen > 100, `the generator also produced allowed topics (${allowedSeen})`);
});

async function policyWithStore(t: Tap) {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-policy-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const policy = brokerPolicy(store, createLogger('hub', 'silent'));
  const login = (username: string, password: string): Promise<{ ok: boolean; returnCode?: number }> =>
    new Promise((resolve) => {
      policy.authenticate({ id: `skiff-agent-${username}` } as Client, username, Buffer.from(password), (err, success) =>
        resolve({ ok: success === true, ...(err ? { returnCode: err.returnCode } : {}) }),
      );
    });
  const join_ = (node: string) => handleJoin(store, { token: 'join-token', nodeName: node }, { joinToken: 'join-token', mqttPort: 1883 });
  return { store, login, join: join_ };
}

t.test('a node logs in with the credentials it joined with, again and again; a wrong password is refused', async (t) => {
  const { login, join } = await policyWithStore(t);
  const { password } = await join('pi-1');
  t.same(await login('pi-1', password), { ok: true });
  t.same(await login('pi-1', password), { ok: true }, 'a reconnect');
  t.same(await login('pi-1', `${password}x`), { ok: false, returnCode: 4 });
  t.same(await login('pi-2', password), { ok: false, returnCode: 4 }, 'another node’s name with pi-1’s password');
});

t.test('joining again replaces the credentials: the old password stops working at once', async (t) => {
  const { login, join } = await policyWithStore(t);
  const first = await join('pi-1');
  t.same(await login('pi-1', first.password), { ok: true });
  const second = await join('pi-1');
  t.same(await login('pi-1', first.password), { ok: false, returnCode: 4 }, 'the remembered verification does not outlive the credential');
  t.same(await login('pi-1', second.password), { ok: true });
});

t.test('a deleted node’s credentials are refused even right after a successful login', async (t) => {
  const { store, login, join } = await policyWithStore(t);
  const { password } = await join('pi-1');
  t.same(await login('pi-1', password), { ok: true });
  await store.deleteNodeCredential('pi-1');
  t.same(await login('pi-1', password), { ok: false, returnCode: 4 });
});

t.test('a node deleted while its login is being verified is refused', async (t) => {
  const { store, login, join } = await policyWithStore(t);
  const { password } = await join('pi-1');
  // Only a credential stored before SHA-256 (a salted scrypt, kept until the node's next renewal)
  // leaves a window to land in: its check runs on the threadpool.
  const salt = randomBytes(16);
  const legacyHash = `${salt.toString('hex')}:${scryptSync(password, salt, 32).toString('hex')}`;
  await store.putNodeCredential({ ...(await store.getNodeCredential('pi-1'))!, passwordHash: legacyHash });
  nodeSecrets.forget('pi-1'); // as after a hub restart: this login needs a scrypt
  const pending = login('pi-1', password);
  await new Promise((resolve) => setImmediate(resolve)); // the credential is read; scrypt runs on the threadpool
  await store.deleteNodeCredential('pi-1');
  t.same(await pending, { ok: false, returnCode: 4 });
});

t.test('logins without credentials are refused', async (t) => {
  const { login } = await policyWithStore(t);
  t.same(await login('', 'x'), { ok: false, returnCode: 4 });
  t.same(await login('pi-1', ''), { ok: false, returnCode: 4 });
});

t.test('retain is allowed on presence only: status, metrics and events are never retained by a node', async (t) => {
  for (const topic of OWN_UPWARD) {
    t.equal(retainAllowed(topic), topic.endsWith('/presence'), `retain on ${topic}`);
  }
  t.notOk(retainAllowed('skiff/v1/nodes/pi-1/desired'));
  t.notOk(retainAllowed('#'));
});
