/**
 * Seeded fuzz of the broker's authorization (issue #6): thousands of generated topics and filters
 * (wildcards, $SYS, $share, empty and doubled levels, 64 KiB, unicode, NUL, other nodes, case,
 * prefix-of-name nodes, wildcards inside levels) against nodeTopicAllowed and the aedes hooks of
 * brokerPolicy, with retain/QoS/will variations and fuzzed logins. The one rule asserted: a node
 * subscribes to exactly its own downward topics and publishes exactly its own upward ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test as Tap } from 'tap';
import type { Client, PublishPacket, Subscription } from 'aedes';
import { brokerPolicy, nodeOf, nodeTopicAllowed } from '../../../hub/broker/policy.js';
import { handleJoin } from '../../../hub/api/join.js';
import { SqliteStore } from '../../../hub/store/sqlite-store.js';
import { createLogger } from '../../../shared/log.js';
import { DOWNWARD_CHANNELS, UPWARD_CHANNELS, agentClientId, nodeTopic, presenceTopic } from '../../../shared/mqtt/topics.js';
import { pick, randomInt, seededRandom, type Random } from '../../helpers/seeded-random.js';

const CHANNELS = [...UPWARD_CHANNELS, ...DOWNWARD_CHANNELS];
const LONG_NAME = `${'a'.repeat(61)}.${'b'.repeat(61)}.${'c'.repeat(61)}.${'d'.repeat(61)}`; // 247 chars, valid
/** Valid node identities chosen so that one is a prefix, a case variant or a dotted variant of another. */
const NODES = ['a', 'ab', 'a.b', 'a-b', 'pi-1', 'pi-10', 'pi-1.lan', '1', LONG_NAME];

const ownTopics = (node: string, direction: 'publish' | 'subscribe'): string[] =>
  (direction === 'publish' ? UPWARD_CHANNELS : DOWNWARD_CHANNELS).map((c) => nodeTopic(node, c));
const show = (s: string) => JSON.stringify(s.length > 70 ? `${s.slice(0, 67)}...(${s.length})` : s);

/** Mutations of one topic level: each makes the level mean something else, or nothing. */
const LEVEL_MUTATIONS: ReadonlyArray<(level: string, random: Random) => string> = [
  () => '+',
  () => '#',
  () => '',
  (l) => `${l}+`,
  (l) => `+${l}`,
  (l) => `${l.slice(0, 1)}+${l.slice(1)}`, // nod+es
  (l) => `${l}#`,
  (l) => l.toUpperCase(),
  (l) => l.charAt(0).toUpperCase() + l.slice(1),
  (l) => `${l} `,
  (l) => ` ${l}`,
  (l) => `${l}\u0000`,
  (l) => `\u0000${l}`,
  (l) => `${l}\n`,
  (l) => `${l}\u200b`, // zero-width space
  (l) => l.replace(/i/g, '\u0131'), // dotless i
  (l) => l.replace(/-/g, '\u2010'), // unicode hyphen
  (l) => `${l}/`,
  (l) => `/${l}`,
  (l) => `${l}//`,
  () => '..',
  () => '.',
  (l) => `${l}/..`,
  (l) => `${l}.`,
  (l) => l.slice(0, -1),
  (l) => `${l}x`,
  () => '$SYS',
  (l) => `$${l}`,
  (l, random) => l.repeat(2 + randomInt(random, 3)),
  () => 'x'.repeat(64 * 1024),
];

/** Whole-topic mutations: prefixes, suffixes and framings that no own topic has. */
const TOPIC_MUTATIONS: ReadonlyArray<(topic: string, random: Random) => string> = [
  (topic) => `$share/g/${topic}`,
  (topic) => `$share/${topic}`,
  (topic) => `$queue/${topic}`,
  (topic) => `$SYS/${topic}`,
  (topic) => `/${topic}`,
  (topic) => `${topic}/`,
  (topic) => `${topic}/#`,
  (topic) => `${topic}/+`,
  (topic) => `${topic}#`,
  (topic) => topic.replace(/\//g, '//'),
  (topic, random) => {
    const i = randomInt(random, topic.length + 1);
    return `${topic.slice(0, i)}/${topic.slice(i)}`;
  },
  (topic, random) => {
    const i = randomInt(random, topic.length);
    return topic.slice(0, i) + topic.slice(i + 1);
  },
  (topic, random) => {
    const i = randomInt(random, topic.length + 1);
    return topic.slice(0, i) + pick(random, ['+', '#', '\u0000', '/', '.', '$', ' ', '\u00e9', '\ud83d\udea2']) + topic.slice(i);
  },
  (topic) => `${topic}${'/x'.repeat(32 * 1024)}`,
  (topic) => topic.normalize('NFD'),
];

const FIXED_FILTERS = ['', '#', '+', '+/+', '+/+/+/+/+', '+/+/+/+/+/+', '/', '//', '$SYS/#', '$SYS/+', '$SYS', '$share/g/#', '$share/g/+/+/+/+/+', 'skiff/#', 'skiff/v1/#', 'skiff/v1/nodes/#', 'skiff/v1/nodes/+/desired', 'skiff/v1/nodes/+/+', '\u0000', 'x'.repeat(64 * 1024), '\ud83d\udea2/#'];

/** One candidate topic for `home`: mostly a near miss of a real node topic, sometimes a real one. */
function generateTopic(random: Random, home: string): string {
  const node = random() < 0.6 ? home : pick(random, NODES);
  const channel = random() < 0.9 ? pick(random, CHANNELS) : pick(random, ['logs', 'Desired', 'status ', 'presence/x', '']);
  const levels = ['skiff', 'v1', 'nodes', node, channel];
  const roll = random();
  if (roll < 0.15) return levels.join('/'); // a real topic (own or another node's)
  if (roll < 0.2) return pick(random, FIXED_FILTERS);
  let topic: string;
  if (roll < 0.7) {
    const i = randomInt(random, levels.length);
    levels[i] = pick(random, LEVEL_MUTATIONS)(levels[i]!, random);
    if (random() < 0.3) {
      const j = randomInt(random, levels.length);
      levels[j] = pick(random, LEVEL_MUTATIONS)(levels[j]!, random);
    }
    topic = levels.join('/');
  } else {
    topic = pick(random, TOPIC_MUTATIONS)(levels.join('/'), random);
  }
  return random() < 0.1 ? pick(random, TOPIC_MUTATIONS)(topic, random) : topic;
}

t.test('property: nodeTopicAllowed allows exactly the node\u2019s own topics, for thousands of generated topics', async (t) => {
  const random = seededRandom(0x6a11);
  const failures: string[] = [];
  let allowedSeen = 0;
  let refusedSeen = 0;
  for (let i = 0; i < 30_000; i++) {
    const home = pick(random, NODES);
    const topic = generateTopic(random, home);
    for (const direction of ['publish', 'subscribe'] as const) {
      const expected = ownTopics(home, direction).includes(topic);
      const actual = nodeTopicAllowed(home, topic, direction);
      if (actual) allowedSeen++;
      else refusedSeen++;
      if (actual !== expected) failures.push(`#${i} node ${show(home)} ${direction} ${show(topic)}: got ${actual}`);
    }
  }
  t.same(failures.slice(0, 20), [], `${failures.length} wrong decisions`);
  t.ok(allowedSeen > 1_000, `the generator also produced allowed topics (${allowedSeen})`);
  t.ok(refusedSeen > 20_000, `and mostly refused ones (${refusedSeen})`);
});

t.test('fixed hostile filters are refused for every node, in both directions', async (t) => {
  for (const home of NODES) {
    const otherNodesTopics = NODES.filter((n) => n !== home).flatMap((n) => CHANNELS.map((c) => nodeTopic(n, c)));
    for (const topic of [...FIXED_FILTERS, ...otherNodesTopics]) {
      t.notOk(nodeTopicAllowed(home, topic, 'publish'), `${home} publish ${show(topic)}`);
      t.notOk(nodeTopicAllowed(home, topic, 'subscribe'), `${home} subscribe ${show(topic)}`);
    }
  }
});

t.test('a node whose name is a prefix of another\u2019s (a vs ab, pi-1 vs pi-10, pi-1 vs pi-1.lan) gets none of the other\u2019s topics', async (t) => {
  const pairs: Array<[string, string]> = [['a', 'ab'], ['ab', 'a'], ['a', 'a.b'], ['a', 'a-b'], ['pi-1', 'pi-10'], ['pi-10', 'pi-1'], ['pi-1', 'pi-1.lan'], ['pi-1.lan', 'pi-1']];
  for (const [home, other] of pairs) {
    for (const channel of CHANNELS) {
      const topic = nodeTopic(other, channel);
      t.notOk(nodeTopicAllowed(home, topic, 'publish'), `${home} publish ${topic}`);
      t.notOk(nodeTopicAllowed(home, topic, 'subscribe'), `${home} subscribe ${topic}`);
    }
  }
});

t.test('malformed identities (not DNS subdomains) are allowed nothing, even on the topic spelling their name', async (t) => {
  const random = seededRandom(0x1d5);
  const identities = ['', '+', '#', '/', '$SYS', 'a/b', 'a+', 'a#', 'A', 'Pi-1', 'pi_1', 'pi-1 ', ' pi-1', 'pi-1\u0000', 'pi-1\n', '\u00e9', '\ud83d\udea2', '-a', 'a-', 'a..b', '.a', 'a.', 'a'.repeat(254), 'x'.repeat(64 * 1024), 'nod+es'];
  for (let i = 0; i < 400; i++) identities.push(pick(random, LEVEL_MUTATIONS)(pick(random, NODES), random));
  const failures: string[] = [];
  for (const identity of identities) {
    if (NODES.includes(identity) || /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(identity)) continue; // a mutation that is still a valid name
    for (const channel of CHANNELS) {
      const topic = `skiff/v1/nodes/${identity}/${channel}`;
      for (const direction of ['publish', 'subscribe'] as const) {
        if (nodeTopicAllowed(identity, topic, direction)) failures.push(`${show(identity)} ${direction} ${show(topic)}`);
      }
    }
  }
  t.same(failures.slice(0, 20), [], `${failures.length} malformed identities allowed`);
});

async function policyWithNodes(t: Tap, nodes: readonly string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-policy-fuzz-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const policy = brokerPolicy(store, createLogger('hub', 'silent'));
  const passwords = new Map<string, string>();
  for (const node of nodes) {
    const response = await handleJoin(store, { token: 'join-token', nodeName: node }, { joinToken: 'join-token', mqttPort: 1883 });
    passwords.set(node, response.password);
  }
  const login = (client: Client, username: string | undefined, password: Buffer | undefined): Promise<boolean> =>
    new Promise((resolve) => policy.authenticate(client, username, password, (err, success) => resolve(err === null && success === true)));
  const publishAllowed = (client: Client, packet: Partial<PublishPacket>): Promise<boolean> =>
    new Promise((resolve) => policy.authorizePublish(client, { cmd: 'publish', qos: 0, dup: false, retain: false, payload: Buffer.from('x'), ...packet } as PublishPacket, (err) => resolve(!err)));
  const subscribeAllowed = (client: Client, subscription: Subscription): Promise<boolean> =>
    new Promise((resolve) => policy.authorizeSubscribe(client, subscription, (err, granted) => resolve(!err && granted !== null && granted !== undefined)));
  return { policy, passwords, login, publishAllowed, subscribeAllowed };
}

t.test('property: the aedes hooks, after a real login, allow exactly the own topics, whatever the QoS; retained only on presence (wills included)', async (t) => {
  const { passwords, login, publishAllowed, subscribeAllowed } = await policyWithNodes(t, NODES);
  const clients = new Map<string, Client>();
  for (const node of NODES) {
    const client = { id: `skiff-agent-${node}` } as Client;
    t.ok(await login(client, node, Buffer.from(passwords.get(node)!)), `${node} logs in`);
    t.equal(nodeOf(client), node);
    clients.set(node, client);
  }
  const random = seededRandom(0x5eb5);
  const failures: string[] = [];
  for (let i = 0; i < 6_000; i++) {
    const home = pick(random, NODES);
    const topic = generateTopic(random, home);
    const qos = pick(random, [0, 1, 2] as const);
    const retain = random() < 0.5;
    // A will is authorized through the same hook (aedes client.close -> authorizePublish(client, will)).
    const publish = await publishAllowed(clients.get(home)!, { topic, qos, retain });
    const expected = ownTopics(home, 'publish').includes(topic) && (!retain || topic === presenceTopic(home));
    if (publish !== expected) failures.push(`#${i} ${home} publish(qos ${qos}, retain ${retain}) ${show(topic)}: got ${publish}`);
    const subscribe = await subscribeAllowed(clients.get(home)!, { topic, qos } as Subscription);
    if (subscribe !== ownTopics(home, 'subscribe').includes(topic)) failures.push(`#${i} ${home} subscribe(qos ${qos}) ${show(topic)}: got ${subscribe}`);
  }
  t.same(failures.slice(0, 20), [], `${failures.length} wrong decisions`);
});

t.test('a client that never logged in, or whose login failed, may neither publish nor subscribe anywhere', async (t) => {
  const { passwords, login, publishAllowed, subscribeAllowed } = await policyWithNodes(t, ['pi-1']);
  const never = { id: 'skiff-agent-pi-1' } as Client;
  const failed = { id: 'skiff-agent-pi-1' } as Client;
  t.notOk(await login(failed, 'pi-1', Buffer.from(`${passwords.get('pi-1')!}x`)));
  t.equal(nodeOf(failed), undefined, 'a failed login leaves no identity behind');
  for (const client of [never, failed]) {
    for (const topic of [...ownTopics('pi-1', 'publish'), ...ownTopics('pi-1', 'subscribe'), '#', '$SYS/#']) {
      t.notOk(await publishAllowed(client, { topic, retain: true, qos: 1 }), `publish ${topic}`);
      t.notOk(await subscribeAllowed(client, { topic, qos: 1 } as Subscription), `subscribe ${topic}`);
    }
  }
});

t.test('property: fuzzed logins succeed only with a node\u2019s exact name and its exact password', async (t) => {
  const { passwords, login } = await policyWithNodes(t, ['a', 'ab', 'pi-1']);
  const random = seededRandom(0x10c1);
  const names = ['a', 'ab', 'pi-1', 'A', 'AB', 'PI-1', 'Pi-1', 'pi-1 ', ' pi-1', 'pi-1\u0000', 'pi-1\n', 'pi-10', 'pi', '', '#', '+', '$SYS', 'pi-1/desired', 'x'.repeat(64 * 1024), '\ud83d\udea2', "pi-1' OR '1'='1", 'pi-1%', 'pi-_', 'p%'];
  const failures: string[] = [];
  let successes = 0;
  for (let i = 0; i < 160; i++) {
    const owner = pick(random, ['a', 'ab', 'pi-1']);
    const real = passwords.get(owner)!;
    const password = pick(random, [real, real, `${real}x`, real.slice(0, -1), real.toUpperCase(), `${real}\u0000`, ` ${real}`, '', '\u0000', 'x'.repeat(64 * 1024), passwords.get(pick(random, ['a', 'ab', 'pi-1']))!]);
    const username = random() < 0.5 ? owner : pick(random, names);
    const asUndefined = random() < 0.05;
    // Mostly the agent's own client id (so the password is what decides), sometimes another one.
    const ownId = random() < 0.8;
    const id = ownId && username !== undefined ? agentClientId(username) : pick(random, [`fuzz-${i}`, agentClientId(owner === username ? 'other' : owner), '', '#']);
    const ok = await login({ id } as Client, asUndefined ? undefined : username, asUndefined ? undefined : Buffer.from(password));
    const expected = !asUndefined && ownId && passwords.get(username) === password;
    if (ok) successes++;
    if (ok !== expected) failures.push(`#${i} ${show(username)} with ${owner}'s ${password === real ? 'password' : `mutated password ${show(password)}`}: got ${ok}`);
  }
  t.same(failures.slice(0, 20), [], `${failures.length} wrong login decisions`);
  t.ok(successes > 10, `some logins were legitimate (${successes})`);
});
