/**
 * The external Mosquitto's rules and files (issue #11), checked without a broker: every entry is
 * derived from shared/mqtt/topics.ts and grants exactly what hub/broker/policy.ts grants, the
 * password hashes are Mosquitto's (recomputed here, and compared with what Debian's
 * mosquitto_passwd and mosquitto_ctrl write), and no option can smuggle a line into a config.
 * test/integration/mosquitto-acl.test.ts runs the same files in a real Mosquitto.
 */
import { execFileSync } from 'node:child_process';
import { pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  DEFAULT_HUB_USERNAME,
  HUB_ROLE,
  checkHubUsername,
  emqxAcl,
  hashPassword,
  hubAclEntries,
  nodeAclEntries,
  nodeRoleName,
  passwordFileLine,
  staticAclFile,
  type DynsecAcl,
} from '../../../hub/broker/mosquitto-acl.js';
import { dynamicSecurityJson, dynamicSecurityPluginPath, mosquittoConfig, type MosquittoConfigOptions } from '../../../hub/broker/mosquitto-config.js';
import { answerFailure, existingClient } from '../../../hub/broker/mosquitto-dynsec.js';
import { nodeTopicAllowed } from '../../../hub/broker/policy.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { DOWNWARD_CHANNELS, FLEET_TOPICS, UPWARD_CHANNELS, nodeTopic, parseNodeTopic } from '../../../shared/mqtt/topics.js';
import { HOME_NODE, HOSTILE_NODE_NAMES, HOSTILE_TOPICS } from '../shared/hostile-topics.js';

const topicsOf = (entries: DynsecAcl[], acltype: DynsecAcl['acltype']): string[] => entries.filter((e) => e.acltype === acltype).map((e) => e.topic);

/** Mosquitto's check of a `$7$` password line: PBKDF2-SHA512 of the password with the line's salt and rounds. */
function verifiesPasswordLine(line: string, username: string, password: string): boolean {
  const match = /^([^:]+):\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(line);
  if (!match || match[1] !== username) return false;
  const salt = Buffer.from(match[3]!, 'base64');
  const hash = Buffer.from(match[4]!, 'base64');
  return pbkdf2Sync(password, salt, Number(match[2]), hash.length, 'sha512').equals(hash);
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-mosquitto-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a node\'s ACL list: publish its own upward topics; subscribe to and receive its own downward topics and the fleet topics', async (t) => {
  const entries = nodeAclEntries('pi-a');
  t.same(topicsOf(entries, 'publishClientSend'), UPWARD_CHANNELS.map((c) => nodeTopic('pi-a', c)));
  const readable = [...DOWNWARD_CHANNELS.map((c) => nodeTopic('pi-a', c)), ...FLEET_TOPICS];
  t.same(topicsOf(entries, 'subscribeLiteral'), readable);
  t.same(topicsOf(entries, 'publishClientReceive'), readable);
  t.same(topicsOf(entries, 'unsubscribeLiteral'), readable);
  t.same(topicsOf(entries, 'subscribePattern'), [], 'no pattern: a wildcard filter matches nothing');
  t.ok(entries.every((e) => e.allow && e.priority === 0), 'grants only');
  t.ok(entries.every((e) => !/[+#]/.test(e.topic)), 'no wildcard anywhere');
  t.equal(nodeRoleName('pi-a'), 'skiff-node-pi-a');
});

t.test('every channel of topics.ts is covered, in the direction policy.ts allows, and nothing of another node', async (t) => {
  const entries = nodeAclEntries(HOME_NODE);
  const channels = new Set(entries.map((e) => parseNodeTopic(e.topic)?.channel).filter((c) => c !== undefined));
  t.same([...channels].sort(), [...UPWARD_CHANNELS, ...DOWNWARD_CHANNELS].sort());
  for (const node of [HOME_NODE, 'pi-2']) {
    for (const channel of [...UPWARD_CHANNELS, ...DOWNWARD_CHANNELS]) {
      const topic = nodeTopic(node, channel);
      t.equal(topicsOf(entries, 'publishClientSend').includes(topic), nodeTopicAllowed(HOME_NODE, topic, 'publish'), `publish ${topic}`);
      t.equal(topicsOf(entries, 'subscribeLiteral').includes(topic), nodeTopicAllowed(HOME_NODE, topic, 'subscribe'), `subscribe ${topic}`);
    }
  }
  for (const topic of FLEET_TOPICS) {
    t.ok(topicsOf(entries, 'subscribeLiteral').includes(topic) && nodeTopicAllowed(HOME_NODE, topic, 'subscribe'), `subscribe ${topic}`);
    t.notOk(topicsOf(entries, 'publishClientSend').includes(topic), `publish ${topic}`);
  }
  // The plugin matches a literal subscription as a string and a publish topic against the entry:
  // with no wildcard in the entries, a hostile topic is granted only if it is an entry itself.
  for (const topic of HOSTILE_TOPICS) t.notOk(entries.some((e) => e.topic === topic), `hostile ${JSON.stringify(topic.slice(0, 60))}`);
});

t.test('a name that is not a node name gets no ACL list', async (t) => {
  for (const name of HOSTILE_NODE_NAMES) t.throws(() => nodeAclEntries(name), { code: 'SKIFF_ERR_CONFIG', message: /must be a lowercase RFC 1123 subdomain/ }, JSON.stringify(name));
});

t.test('the hub\'s ACL list: everything under skiff/v1, as plain or shared subscriptions, and the plugin\'s control topics', async (t) => {
  const entries = hubAclEntries();
  t.same(topicsOf(entries, 'publishClientSend'), ['skiff/v1/#', '$CONTROL/dynamic-security/#']);
  t.same(topicsOf(entries, 'publishClientReceive'), ['skiff/v1/#', '$CONTROL/dynamic-security/#']);
  t.same(topicsOf(entries, 'subscribePattern'), ['skiff/v1/#', '$share/+/skiff/v1/#', '$CONTROL/dynamic-security/#']);
  t.same(topicsOf(entries, 'unsubscribePattern'), ['skiff/v1/#', '$share/+/skiff/v1/#', '$CONTROL/dynamic-security/#']);
  t.notOk(entries.some((e) => e.topic === '#' || e.topic.startsWith('$SYS')), 'nothing outside Skiff and the plugin');
});

t.test('the hub\'s username can never be a node\'s, nor break a file', async (t) => {
  t.equal(checkHubUsername(DEFAULT_HUB_USERNAME), 'skiff_hub');
  for (const bad of ['', 'skiff-hub', 'pi-a', 'a b', 'hub:1', 'hub#', 'hub+', 'h/ub', 'hub%u', 'hub"', 'hub\n']) {
    t.throws(() => checkHubUsername(bad), { code: 'SKIFF_ERR_CONFIG', message: /^hubUsername / }, JSON.stringify(bad));
  }
  t.throws(() => checkHubUsername('skiff-hub'), { message: /must not be a valid node name/ });
});

t.test('a password line is mosquitto_passwd\'s format and verifies with a PBKDF2 recomputation', async (t) => {
  const salt = Buffer.from('0123456789ab');
  const line = passwordFileLine('pi-a', 'secret', salt);
  t.match(line, /^pi-a:\$7\$101\$MDEyMzQ1Njc4OWFi\$[A-Za-z0-9+/]{86}==$/, '12-byte salt, 64-byte hash, both base64');
  t.ok(verifiesPasswordLine(line, 'pi-a', 'secret'));
  t.notOk(verifiesPasswordLine(line, 'pi-a', 'Secret'));
  t.equal(passwordFileLine('pi-a', 'secret', salt), line, 'deterministic with a given salt');
  t.not(passwordFileLine('pi-a', 'secret'), passwordFileLine('pi-a', 'secret'), 'a fresh salt each time otherwise');
  t.equal(Buffer.from(hashPassword('x').salt, 'base64').length, 12);

  // Debian's mosquitto_passwd writes the same shape, which the same recomputation verifies.
  const file = join(tempDir(t), 'passwords');
  execFileSync('mosquitto_passwd', ['-c', '-b', file, 'pi-b', 'hunter2']);
  const theirs = readFileSync(file, 'utf8').trim();
  t.ok(verifiesPasswordLine(theirs, 'pi-b', 'hunter2'), theirs);
  t.equal(theirs.split('$').length, line.split('$').length);
  t.equal(theirs.length, passwordFileLine('pi-b', 'hunter2').length);

  for (const bad of ['', 'a:b', 'a\nb']) t.throws(() => passwordFileLine(bad, 'x'), { code: 'SKIFF_ERR_CONFIG', message: /password file username/ });
  t.throws(() => hashPassword('x', Buffer.alloc(0)), { code: 'SKIFF_ERR_CONFIG', message: /salt/ });
});

t.test('the static acl_file: a pattern per channel for every node (%u), read-only fleet topics, and the hub\'s user section', async (t) => {
  const text = staticAclFile({ hubUsername: 'skiff_hub' });
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  t.same(lines, [
    ...UPWARD_CHANNELS.map((c) => `pattern write skiff/v1/nodes/%u/${c}`),
    ...DOWNWARD_CHANNELS.map((c) => `pattern read skiff/v1/nodes/%u/${c}`),
    ...FLEET_TOPICS.map((topic) => `pattern read ${topic}`),
    'user skiff_hub',
    'topic readwrite skiff/v1/#',
  ]);
  t.ok(text.endsWith('\n'));
  t.throws(() => staticAclFile({ hubUsername: 'pi-a' }), { code: 'SKIFF_ERR_CONFIG' });
});

t.test('EMQX\'s acl.conf: the same rules, retain on presence only, and deny for the rest', async (t) => {
  const text = emqxAcl();
  const rules = text.split('\n').filter((l) => l !== '' && !l.startsWith('%%'));
  t.same(rules, [
    '{allow, {username, "skiff_hub"}, all, ["skiff/v1/#", "$share/+/skiff/v1/#"]}.',
    '{allow, all, {publish, [{retain, true}]}, ["skiff/v1/nodes/${username}/presence"]}.',
    `{allow, all, {publish, [{retain, false}]}, [${UPWARD_CHANNELS.map((c) => `"skiff/v1/nodes/\${username}/${c}"`).join(', ')}]}.`,
    `{allow, all, subscribe, [${DOWNWARD_CHANNELS.map((c) => `"skiff/v1/nodes/\${username}/${c}"`).join(', ')}]}.`,
    `{allow, all, subscribe, [${FLEET_TOPICS.map((topic) => `{eq, "${topic}"}`).join(', ')}]}.`,
    '{deny, all}.',
  ]);
  t.match(emqxAcl({ hubUsername: 'hub_2' }), /\{username, "hub_2"\}/);
});

const baseOptions: MosquittoConfigOptions = { port: 8883, persistenceLocation: '/var/lib/skiff-mqtt', auth: { kind: 'dynamic-security', configFile: '/etc/skiff/dynamic-security.json', pluginPath: '/usr/lib/dynsec.so' } };
const settings = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

t.test('mosquitto.conf: plugin, no anonymous clients, persistence and the hub\'s limits', async (t) => {
  t.same(settings(mosquittoConfig(baseOptions)), [
    'per_listener_settings false',
    'allow_anonymous false',
    'plugin /usr/lib/dynsec.so',
    'plugin_opt_config_file /etc/skiff/dynamic-security.json',
    'persistence true',
    'persistence_location /var/lib/skiff-mqtt/',
    'autosave_interval 60',
    'persistent_client_expiration 30d',
    `max_packet_size ${DEFAULTS.broker.maxPacketBytes + 1}`,
    `max_queued_messages ${DEFAULTS.broker.maxQueuedPerClient}`,
    'listener 8883',
  ]);
});

t.test('mosquitto.conf: TLS, a bound address, a user, a log file and other limits', async (t) => {
  const text = mosquittoConfig({
    ...baseOptions,
    bindAddress: '10.0.0.1',
    tls: { cafile: '/tls/ca.crt', certfile: '/tls/server.crt', keyfile: '/tls/server.key' },
    runAsUser: 'mosquitto',
    logFile: '/var/log/mosquitto.log',
    persistenceLocation: '/data/',
    maxPacketBytes: 1000,
    maxQueuedMessages: 7,
    autosaveIntervalSeconds: 5,
    persistentClientExpiration: '2w',
  });
  const lines = settings(text);
  t.equal(lines[0], 'user mosquitto');
  for (const line of ['listener 8883 10.0.0.1', 'cafile /tls/ca.crt', 'certfile /tls/server.crt', 'keyfile /tls/server.key', 'tls_version tlsv1.2', 'log_dest file /var/log/mosquitto.log', 'persistence_location /data/', 'max_packet_size 1001', 'max_queued_messages 7', 'autosave_interval 5', 'persistent_client_expiration 2w']) {
    t.ok(lines.includes(line), line);
  }
  t.ok(lines.indexOf('cafile /tls/ca.crt') > lines.indexOf('listener 8883 10.0.0.1'), 'TLS settings belong to the listener');
});

t.test('mosquitto.conf for the static alternative: password and acl files, and the username as client id', async (t) => {
  const lines = settings(mosquittoConfig({ ...baseOptions, auth: { kind: 'files', passwordFile: '/etc/skiff/passwords', aclFile: '/etc/skiff/acl' } }));
  t.ok(lines.includes('password_file /etc/skiff/passwords'));
  t.ok(lines.includes('acl_file /etc/skiff/acl'));
  t.notOk(lines.some((l) => l.startsWith('plugin')));
  t.ok(lines.indexOf('use_username_as_clientid true') > lines.indexOf('listener 8883'), 'a listener setting');
});

t.test('mosquitto.conf refuses values that are not one clean token, naming the field', async (t) => {
  const cases: Array<[Partial<MosquittoConfigOptions>, RegExp]> = [
    [{ port: 0 }, /^mosquitto config port 0: must be an integer from 1 to 65535/],
    [{ port: 70_000 }, /port 70000/],
    [{ port: 1.5 }, /port 1.5/],
    [{ persistenceLocation: 'relative/dir' }, /persistenceLocation "relative\/dir": must be an absolute path/],
    [{ persistenceLocation: '/data\nplugin /tmp/evil.so' }, /persistenceLocation .*one line/],
    [{ bindAddress: ' 0.0.0.0' }, /bindAddress/],
    [{ runAsUser: '' }, /runAsUser/],
    [{ logFile: 'log.txt' }, /logFile/],
    [{ maxPacketBytes: 0 }, /maxPacketBytes/],
    [{ maxQueuedMessages: -1 }, /maxQueuedMessages/],
    [{ autosaveIntervalSeconds: 0 }, /autosaveIntervalSeconds/],
    [{ persistentClientExpiration: '30 days' }, /persistentClientExpiration "30 days": must be a count and one of h d w m y/],
    [{ tls: { cafile: '/ca', certfile: 'cert', keyfile: '/key' } }, /tls.certfile/],
    [{ auth: { kind: 'dynamic-security', configFile: 'ds.json' } }, /auth.configFile/],
    [{ auth: { kind: 'files', passwordFile: '/p', aclFile: 'acl' } }, /auth.aclFile/],
  ];
  for (const [override, message] of cases) t.throws(() => mosquittoConfig({ ...baseOptions, ...override }), { code: 'SKIFF_ERR_CONFIG', message }, String(message));
});

t.test('the plugin\'s path is Debian\'s for the architecture', async (t) => {
  t.equal(dynamicSecurityPluginPath('x64'), '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so');
  t.equal(dynamicSecurityPluginPath('arm64'), '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so');
  t.equal(dynamicSecurityPluginPath('arm'), '/usr/lib/arm-linux-gnueabihf/mosquitto_dynamic_security.so');
  t.throws(() => dynamicSecurityPluginPath('riscv64'), { code: 'SKIFF_ERR_CONFIG', message: /architecture riscv64: give pluginPath/ });
  t.match(mosquittoConfig({ ...baseOptions, auth: { kind: 'dynamic-security', configFile: '/ds.json' } }), `plugin ${dynamicSecurityPluginPath()}\n`);
});

t.test('dynamic-security.json: the hub\'s client and role only, every default denied, in mosquitto_ctrl\'s shape', async (t) => {
  const state = JSON.parse(dynamicSecurityJson({ hubUsername: 'skiff_hub', hubPassword: 'hub-secret', salt: Buffer.from('abcdefghijkl') })) as {
    defaultACLAccess: Record<string, boolean>;
    clients: Array<{ username: string; password: string; salt: string; iterations: number; roles: Array<{ rolename: string }> }>;
    roles: Array<{ rolename: string; textdescription?: string; acls: DynsecAcl[] }>;
    groups: unknown[];
  };
  t.same(state.defaultACLAccess, { publishClientSend: false, publishClientReceive: false, subscribe: false, unsubscribe: false });
  const [hub] = state.clients;
  t.equal(state.clients.length, 1);
  t.equal(hub!.username, 'skiff_hub');
  t.same(hub!.roles, [{ rolename: HUB_ROLE }]);
  t.equal(hub!.salt, Buffer.from('abcdefghijkl').toString('base64'));
  t.equal(hub!.iterations, 101);
  t.equal(pbkdf2Sync('hub-secret', Buffer.from(hub!.salt, 'base64'), 101, 64, 'sha512').toString('base64'), hub!.password);
  t.same(state.roles, [{ rolename: HUB_ROLE, textdescription: state.roles[0]!.textdescription, acls: hubAclEntries() }]);
  t.same(state.groups, []);

  // What mosquitto_ctrl writes for its own first client has the same fields.
  const file = join(tempDir(t), 'dynsec.json');
  execFileSync('mosquitto_ctrl', ['dynsec', 'init', file, 'admin', 'admin-secret'], { stdio: 'ignore' });
  const theirs = JSON.parse(readFileSync(file, 'utf8')) as typeof state;
  t.same(Object.keys(hub!).sort(), Object.keys(theirs.clients[0]!).sort());
  t.same(Object.keys(state.defaultACLAccess).sort(), Object.keys(theirs.defaultACLAccess).sort());
  const acl = theirs.roles[0]!.acls[0]!;
  t.same(Object.keys(hubAclEntries()[0]!).filter((k) => k !== 'priority').sort(), Object.keys(acl).sort());
  t.equal(pbkdf2Sync('admin-secret', Buffer.from(theirs.clients[0]!.salt, 'base64'), 101, 64, 'sha512').toString('base64'), theirs.clients[0]!.password, 'the same hashing');

  t.throws(() => dynamicSecurityJson({ hubUsername: 'skiff-hub', hubPassword: 'x' }), { code: 'SKIFF_ERR_CONFIG', message: /hubUsername/ });
  t.throws(() => dynamicSecurityJson({ hubUsername: 'skiff_hub', hubPassword: '' }), { code: 'SKIFF_ERR_CONFIG', message: /hubPassword/ });
});

t.test('the plugin\'s answers: failures name the command and the plugin\'s text; expected ones pass', async (t) => {
  t.equal(answerFailure({ command: 'createRole' }, 'node pi-a'), undefined);
  t.equal(answerFailure({ command: 'createRole', error: 'Role already exists' }, 'node pi-a', ['Role already exists']), undefined);
  const failure = answerFailure({ command: 'createClient', error: 'Internal error' }, 'node pi-a');
  t.match(failure, { code: 'SKIFF_ERR_INTERNAL', message: 'mosquitto dynamic-security createClient for node pi-a failed: Internal error' });

  t.equal(existingClient({ command: 'getClient', error: 'Client not found' }, 'pi-a'), undefined);
  t.same(existingClient({ command: 'getClient', data: { client: { username: 'pi-a', clientid: 'skiff-agent-pi-a' } } }, 'pi-a'), { clientid: 'skiff-agent-pi-a' });
  t.same(existingClient({ command: 'getClient', data: { client: { username: 'admin' } } }, 'admin'), { clientid: undefined });
  t.throws(() => existingClient({ command: 'getClient', data: {} }, 'pi-a'), { code: 'SKIFF_ERR_INTERNAL', message: /holds no client/ });
  t.throws(() => existingClient({ command: 'getClient', error: 'Internal error' }, 'pi-a'), { message: /getClient for client pi-a failed: Internal error/ });
});
