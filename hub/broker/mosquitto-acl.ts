/**
 * What a node and the hub may do on an external Mosquitto (issue #11), in the broker's own terms:
 * the dynamic-security plugin's ACL entries, a classic `acl_file` with `mosquitto_passwd` lines,
 * and EMQX's `acl.conf` for the docs. All of it is derived from shared/mqtt/topics.ts, so it grants
 * exactly what hub/broker/policy.ts grants on the embedded broker: a node publishes only its own
 * upward topics and subscribes to (and receives) only its own downward topics and the fleet topics.
 * Pure: no I/O; the only randomness is a password salt, injectable.
 *
 * What Mosquitto 2.0 cannot express: a per-topic retain rule. policy.ts refuses a retained status;
 * neither the plugin nor an acl_file looks at the retain flag (retain_available is broker-wide),
 * so on Mosquitto a node can leave a retained message on its own upward topics. EMQX can refuse it.
 */
import { DEFAULTS } from '../../shared/defaults.js';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { SkiffError } from '../../shared/errors.js';
import { DOWNWARD_CHANNELS, FLEET_TOPICS, RETAINED_UPWARD_CHANNELS, TOPIC_PREFIX, UPWARD_CHANNELS, isValidNodeName, nodeTopic } from '../../shared/mqtt/topics.js';

/** The dynamic-security plugin's kinds of ACL (mosquitto 2.0 plugins/dynamic-security). */
export type DynsecAclType = 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern' | 'unsubscribeLiteral' | 'unsubscribePattern';

export interface DynsecAcl {
  acltype: DynsecAclType;
  topic: string;
  priority: number;
  allow: boolean;
}

/** Where the plugin takes commands, and answers them (to every subscriber, not only the sender). */
export const DYNSEC_COMMAND_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_COMMAND_TOPIC}/response`;
const DYNSEC_CONTROL_FILTER = '$CONTROL/dynamic-security/#';

/** The hub's role on the broker. */
export const HUB_ROLE = 'skiff-hub';

/**
 * The hub's MQTT username when none is given. `_` is not allowed in a node name (a DNS subdomain),
 * so no node can ever be given (or take over) the hub's account by joining under its name.
 */
export const DEFAULT_HUB_USERNAME: string = DEFAULTS.broker.hubMqttUsername;

/** One role per node, holding that node's topics (the plugin has no %u substitution in 2.0). */
export function nodeRoleName(node: string): string {
  return `skiff-node-${checkedNode(node)}`;
}

/** Mosquitto 2.0's password hashing: PBKDF2-HMAC-SHA512, 101 rounds, 12-byte salt, 64-byte hash. */
export const PASSWORD_HASH = { iterations: 101, saltBytes: 12, hashBytes: 64, digest: 'sha512' } as const;

export interface HashedPassword {
  /** base64 of the 64-byte PBKDF2 output. */
  hash: string;
  /** base64 of the salt. */
  salt: string;
  iterations: number;
}

/** The hash Mosquitto stores for `password` (in dynamic-security.json and in a password_file). */
export function hashPassword(password: string, salt: Buffer = randomBytes(PASSWORD_HASH.saltBytes)): HashedPassword {
  if (salt.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', 'password salt: must not be empty');
  const hash = pbkdf2Sync(password, salt, PASSWORD_HASH.iterations, PASSWORD_HASH.hashBytes, PASSWORD_HASH.digest);
  return { hash: hash.toString('base64'), salt: salt.toString('base64'), iterations: PASSWORD_HASH.iterations };
}

function acl(acltype: DynsecAclType, topic: string): DynsecAcl {
  return { acltype, topic, priority: 0, allow: true };
}

function checkedNode(node: string): string {
  if (!isValidNodeName(node)) throw new SkiffError('SKIFF_ERR_CONFIG', `node name ${JSON.stringify(node)}: must be a lowercase RFC 1123 subdomain`);
  return node;
}

/** The topics a node may subscribe to and receive: its own downward ones and the fleet topics. */
export function nodeReadableTopics(node: string): string[] {
  return [...DOWNWARD_CHANNELS.map((channel) => nodeTopic(checkedNode(node), channel)), ...FLEET_TOPICS];
}

/** The topics a node may publish to: its own upward ones. */
export function nodeWritableTopics(node: string): string[] {
  return UPWARD_CHANNELS.map((channel) => nodeTopic(checkedNode(node), channel));
}

/**
 * A node's ACL list. Subscriptions are literal (the plugin compares the filter as a string), so
 * a wildcard filter, even one that would only match the node's own topics, is refused, as
 * policy.ts refuses it. Unsubscribing is allowed from what it may subscribe to (the plugin's
 * default for unsubscribe is set to deny, see dynamicSecurityJson).
 */
export function nodeAclEntries(node: string): DynsecAcl[] {
  const readable = nodeReadableTopics(node);
  return [
    ...nodeWritableTopics(node).map((topic) => acl('publishClientSend', topic)),
    ...readable.map((topic) => acl('subscribeLiteral', topic)),
    ...readable.map((topic) => acl('publishClientReceive', topic)),
    ...readable.map((topic) => acl('unsubscribeLiteral', topic)),
  ];
}

/** Every Skiff topic, and the same as a shared subscription of any group. */
const ALL_SKIFF_TOPICS = `${TOPIC_PREFIX}/#`;
/**
 * Mosquitto 2.0.11 checks a shared subscription's filter whole, `$share/<group>/` included
 * (verified in test/integration/mosquitto-acl.test.ts), so it needs a pattern of its own.
 */
const ALL_SKIFF_TOPICS_SHARED = `$share/+/${ALL_SKIFF_TOPICS}`;

/**
 * The hub's ACL list: everything under skiff/v1 (it writes the downward and fleet topics, reads
 * the upward ones, and may clear any retained message), as plain or shared subscriptions, and
 * the plugin's control topics, so that it can add and remove nodes.
 */
export function hubAclEntries(): DynsecAcl[] {
  return [
    acl('publishClientSend', ALL_SKIFF_TOPICS),
    acl('publishClientReceive', ALL_SKIFF_TOPICS),
    acl('subscribePattern', ALL_SKIFF_TOPICS),
    acl('subscribePattern', ALL_SKIFF_TOPICS_SHARED),
    acl('unsubscribePattern', ALL_SKIFF_TOPICS),
    acl('unsubscribePattern', ALL_SKIFF_TOPICS_SHARED),
    acl('publishClientSend', DYNSEC_CONTROL_FILTER),
    acl('publishClientReceive', DYNSEC_CONTROL_FILTER),
    acl('subscribePattern', DYNSEC_CONTROL_FILTER),
    acl('unsubscribePattern', DYNSEC_CONTROL_FILTER),
  ];
}

/**
 * The hub's username goes into config files, ACL lines and a password file: it must be one token
 * without the characters those formats or MQTT give a meaning to, and never a possible node name.
 */
export function checkHubUsername(username: string): string {
  const problem =
    username.length === 0 ? 'must not be empty'
    : /[\s:#+/%"\\]/.test(username) ? 'must not contain whitespace, \':\', \'#\', \'+\', \'/\', \'%\', \'"\' or \'\\\''
    : isValidNodeName(username) ? 'must not be a valid node name (a node joining under it would get the hub\'s account); add a \'_\', as in skiff_hub'
    : undefined;
  if (problem) throw new SkiffError('SKIFF_ERR_CONFIG', `hubUsername ${JSON.stringify(username)}: ${problem}`);
  return username;
}

/**
 * A line of a Mosquitto 2.0 password_file, as `mosquitto_passwd` writes it:
 * `user:$7$101$<base64 salt>$<base64 PBKDF2-SHA512 hash>`.
 */
export function passwordFileLine(username: string, password: string, salt?: Buffer): string {
  if (username.length === 0 || /[:\r\n]/.test(username)) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `password file username ${JSON.stringify(username)}: must be non-empty, without ':' or a line break`);
  }
  const hashed = hashPassword(password, salt);
  return `${username}:$7$${hashed.iterations}$${hashed.salt}$${hashed.hash}`;
}

/**
 * A classic Mosquitto `acl_file`, the static alternative to the plugin (nodes in a password_file).
 * `pattern` lines apply to every user with %u replaced by the username, the node name. Mosquitto
 * 2.0's acl_file does not check SUBSCRIBE at all: it checks read access on every message it
 * delivers, so a forbidden subscription is accepted but never receives anything.
 */
export function staticAclFile(options: { hubUsername: string }): string {
  const hubUsername = checkHubUsername(options.hubUsername);
  const own = (channel: string): string => `${TOPIC_PREFIX}/nodes/%u/${channel}`;
  return [
    '# Skiff: what each client may do (generated from shared/mqtt/topics.ts by hub/broker/mosquitto-acl.ts).',
    '# A node (MQTT username = node name) writes its own upward topics...',
    ...UPWARD_CHANNELS.map((channel) => `pattern write ${own(channel)}`),
    '# ...and reads its own downward topics...',
    ...DOWNWARD_CHANNELS.map((channel) => `pattern read ${own(channel)}`),
    '# ...and the fleet topics (Mosquitto warns that these patterns have no %u: every node reads them).',
    ...FLEET_TOPICS.map((topic) => `pattern read ${topic}`),
    '',
    '# The hub: everything under the Skiff prefix (shared subscriptions are checked per message too).',
    `user ${hubUsername}`,
    `topic readwrite ${ALL_SKIFF_TOPICS}`,
    '',
  ].join('\n');
}

/**
 * EMQX 5's file authorizer (`acl.conf`, Erlang terms; the first matching rule decides), for the
 * docs. `${username}` is EMQX's placeholder. Unlike Mosquitto, EMQX can refuse a retained publish
 * per topic, so this matches policy.ts exactly. EMQX must be set with `authorization.no_match =
 * deny`, and client ids are bound to usernames by its authentication, not here.
 */
export function emqxAcl(options: { hubUsername?: string } = {}): string {
  const hubUsername = checkHubUsername(options.hubUsername ?? DEFAULT_HUB_USERNAME);
  const own = (channel: string): string => `"${TOPIC_PREFIX}/nodes/\${username}/${channel}"`;
  const list = (items: readonly string[]): string => `[${items.join(', ')}]`;
  const retainable = UPWARD_CHANNELS.filter((channel) => RETAINED_UPWARD_CHANNELS.includes(channel));
  return [
    '%% Skiff: what each client may do (generated from shared/mqtt/topics.ts by hub/broker/mosquitto-acl.ts).',
    '%% The hub: everything under the Skiff prefix, as plain or shared subscriptions.',
    `{allow, {username, "${hubUsername}"}, all, ${list([`"${ALL_SKIFF_TOPICS}"`, `"${ALL_SKIFF_TOPICS_SHARED}"`])}}.`,
    '%% A node (username = node name) publishes its own upward topics, retained only on these...',
    `{allow, all, {publish, [{retain, true}]}, ${list(retainable.map(own))}}.`,
    `{allow, all, {publish, [{retain, false}]}, ${list(UPWARD_CHANNELS.map(own))}}.`,
    '%% ...and subscribes to its own downward topics and the fleet topics, never with a wildcard.',
    `{allow, all, subscribe, ${list(DOWNWARD_CHANNELS.map(own))}}.`,
    `{allow, all, subscribe, ${list(FLEET_TOPICS.map((topic) => `{eq, "${topic}"}`))}}.`,
    '%% Nothing else.',
    '{deny, all}.',
    '',
  ].join('\n');
}
