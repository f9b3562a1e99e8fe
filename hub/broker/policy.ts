/**
 * The broker's whole security policy, as aedes hooks (style.md lesson 5): a client logs in as a
 * node with that node's credentials, may subscribe only to its own downward topics (and the fleet
 * topics every node reads, such as the Services view) and publish
 * (including its will) only to its own upward ones, each message at most maxPacketBytes. Wildcard
 * subscriptions, $SYS and every other topic are refused. The hub itself publishes in-process and
 * is not a client.
 *
 * A node's publishes are also paced to its budget (publish-budget.ts, DEFAULTS.broker): over it
 * they are delayed, in order, never dropped. aedes reads a client's next chunk from its socket
 * only once every packet of the last one is handled, so a delayed answer makes TCP push back on
 * the sender. And every allowed publish is answered after the hook returns, never within it, so
 * aedes' parse -> handle -> read -> parse cannot recurse under a flood (issue #10).
 */
import type { AedesPublishPacket, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { DOWNWARD_CHANNELS, FLEET_TOPICS, RETAINED_UPWARD_CHANNELS, UPWARD_CHANNELS, agentClientId, parseNodeTopic } from '../../shared/mqtt/topics.js';
import { DEFAULTS } from '../../shared/defaults.js';
import type { Logger } from '../../shared/log.js';
import { PublishBudget, type PublishBudgetLimits } from './publish-budget.js';
import { ThrottledNotice } from '../throttled-notice.js';
import { nodeSecrets, type VerifiedSecrets } from '../identity/secrets.js';
import { matchNodeCredential } from '../identity/node-credentials.js';
import type { Store } from '../store/store.js';

const IDENTIFIER_REJECTED = 2; // MQTT 3.1.1 §3.2.2.3 connect return codes
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** Which node each authenticated connection speaks for. */
const nodeOfClient = new WeakMap<Client, string>();

/** The node an authenticated client speaks for (undefined before login). */
export function nodeOf(client: Client): string | undefined {
  return nodeOfClient.get(client);
}

/** The stored password hash each connection logged in with: the credential sweep re-checks it. */
const loginHashOfClient = new WeakMap<Client, string>();

export function loginHashOf(client: Client): string | undefined {
  return loginHashOfClient.get(client);
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

export function nodeTopicAllowed(node: string | undefined, topic: string, direction: 'publish' | 'subscribe'): boolean {
  if (node === undefined) return false;
  if (FLEET_TOPICS.includes(topic)) return direction === 'subscribe'; // read by every node, written by the hub only
  const parsed = parseNodeTopic(topic); // rejects wildcards, $SYS and anything outside skiff/v1/nodes
  if (!parsed || parsed.node !== node) return false;
  const allowed: readonly string[] = direction === 'publish' ? UPWARD_CHANNELS : DOWNWARD_CHANNELS;
  return allowed.includes(parsed.channel);
}

/** Retained messages outlive the connection and reach every later subscriber: presence only. */
export function retainAllowed(topic: string): boolean {
  const channel = parseNodeTopic(topic)?.channel;
  return channel !== undefined && (RETAINED_UPWARD_CHANNELS as readonly string[]).includes(channel);
}

/**
 * A message that arrived whole in one read is parsed before frame-size-guard.ts can drop its
 * connection; this refuses it (the guard bounds what a larger one can make the broker buffer).
 */
export function payloadSizeAllowed(packet: Pick<PublishPacket, 'topic' | 'payload'>, maxPacketBytes: number): boolean {
  return Buffer.byteLength(packet.topic) + Buffer.byteLength(packet.payload) <= maxPacketBytes;
}

/** A line about a node's delayed publishes at most this often: a flood never logs per message. */
const DELAY_LOG_INTERVAL_MS = 10_000;

export interface BrokerPolicyLimits extends PublishBudgetLimits {
  maxPacketBytes: number;
}

/**
 * One node's publishes, paced: each is let through when its slot in the budget comes, in the
 * order they arrived (one timer for all those waiting, the node's ingest relies on that order).
 */
class PublishPacer {
  readonly budget: PublishBudget;
  readonly notice = new ThrottledNotice(DELAY_LOG_INTERVAL_MS);
  private readonly waiting: Array<{ at: number; go: () => void }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    limits: PublishBudgetLimits,
    private readonly now: () => number,
  ) {
    this.budget = new PublishBudget(limits);
  }

  /** Calls `go` once the publish's slot `waitMs` from now has come (never synchronously). */
  admit(waitMs: number, go: () => void): void {
    if (waitMs === 0 && this.waiting.length === 0) {
      // After the hook returns, so the stack unwinds, but within the same turn of the event loop:
      // a node within its budget sees no delay at all (its PUBACK still follows the publish to
      // the hub's subscribers, as without the budget).
      process.nextTick(go);
      return;
    }
    this.waiting.push({ at: this.now() + waitMs, go });
    this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined || this.waiting.length === 0) return;
    this.timer = setTimeout(() => this.release(), Math.max(0, this.waiting[0]!.at - this.now()));
    // Waiting publishes of a closing hub must not keep the process alive.
    this.timer.unref();
  }

  private release(): void {
    this.timer = undefined;
    const now = this.now();
    let due = 0;
    while (due < this.waiting.length && this.waiting[due]!.at <= now) due++;
    // Released before they run: a publish answered here may make aedes read and admit more.
    for (const { go } of this.waiting.splice(0, due)) go();
    this.arm();
  }
}

export function brokerPolicy(
  store: Store,
  logger: Logger,
  limits: BrokerPolicyLimits = { maxPacketBytes: DEFAULTS.broker.maxPacketBytes, publishesPerSecond: DEFAULTS.broker.publishesPerSecond, publishBurst: DEFAULTS.broker.publishBurst },
) {
  const log = logger.child({ component: 'broker' });
  // The budgets' clock: monotonic, so a wall-clock step neither floods nor stalls a node.
  const now = (): number => performance.now();
  // Per node, not per connection: reconnecting does not refill the bucket. Bounded by the nodes
  // that logged in (a budget is a few numbers).
  const pacers = new Map<string, PublishPacer>();
  const pacerOf = (node: string): PublishPacer => {
    let pacer = pacers.get(node);
    if (!pacer) pacers.set(node, (pacer = new PublishPacer(limits, now)));
    return pacer;
  };
  // Passwords are SHA-256 hashed; one still under a legacy scrypt hash costs a hash, not a scrypt,
  // when it reconnects after verifying once. The stored credential is still read on every login,
  // so re-join and deletion take effect at once.
  const secrets: VerifiedSecrets = nodeSecrets;
  return {
    authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void): void {
      if (!username || !password) {
        done(authError('credentials required', BAD_USERNAME_OR_PASSWORD), false);
        return;
      }
      // A node's credentials only with its own client id: otherwise node B, presenting A's id,
      // would take over A's persistent session (and the desired states queued for it) and make
      // the broker publish A's will.
      if (client.id !== agentClientId(username)) {
        log.warn({ clientId: client.id, username }, 'mqtt login refused: the client id is not this node agent id');
        done(authError(`client id must be ${agentClientId(username)}`, IDENTIFIER_REJECTED), false);
        return;
      }
      // Hash and expiry (and a renewal's overlap) in node-credentials.ts; it re-reads the credential
      // after verifying (a legacy hash takes an off-loop scrypt), since node removal only
      // disconnects clients already logged in.
      matchNodeCredential(store, username, password.toString(), Date.now(), secrets)
        .then((match) => {
          if (!match) {
            log.warn({ clientId: client.id, username }, 'mqtt login refused');
            done(authError('bad username or password', BAD_USERNAME_OR_PASSWORD), false);
            return;
          }
          nodeOfClient.set(client, username);
          loginHashOfClient.set(client, match.passwordHash);
          done(null, true);
        })
        .catch((err: unknown) => {
          log.error({ err, username }, 'mqtt login check failed');
          done(authError('server unavailable', 3), false);
        });
    },

    authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
      if (client === null) return done(null); // the hub's own in-process publishes
      if (!payloadSizeAllowed(packet, limits.maxPacketBytes)) {
        log.warn({ clientId: client.id, topic: packet.topic, bytes: Buffer.byteLength(packet.payload), maxPacketBytes: limits.maxPacketBytes }, 'mqtt publish refused: over the size limit');
        return done(authError(`message over ${limits.maxPacketBytes} bytes`, NOT_AUTHORIZED));
      }
      const node = nodeOfClient.get(client);
      if (node !== undefined && nodeTopicAllowed(node, packet.topic, 'publish') && (!packet.retain || retainAllowed(packet.topic))) {
        const pacer = pacerOf(node);
        const waitMs = pacer.budget.take(now());
        if (waitMs > 0) {
          const delayed = pacer.notice.record(now());
          if (delayed !== undefined) {
            log.warn({ clientId: client.id, node, delayed, waitMs, publishesPerSecond: limits.publishesPerSecond, publishBurst: limits.publishBurst }, 'mqtt publishes delayed: over the node publish budget');
          }
        }
        pacer.admit(waitMs, () => done(null));
        return;
      }
      log.warn({ clientId: client.id, topic: packet.topic, retain: packet.retain }, 'mqtt publish refused');
      done(authError(`not authorized to publish to ${packet.topic}`, NOT_AUTHORIZED));
    },

    /**
     * The last check before a message goes out to a client, including messages queued in a
     * persistent session while it was away: a node only ever receives its own downward topics.
     */
    authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
      return nodeTopicAllowed(nodeOfClient.get(client), packet.topic, 'subscribe') ? packet : null;
    },

    authorizeSubscribe(client: Client, subscription: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void {
      if (nodeTopicAllowed(nodeOfClient.get(client), subscription.topic, 'subscribe')) return done(null, subscription);
      log.warn({ clientId: client.id, topic: subscription.topic }, 'mqtt subscribe refused');
      done(null, null); // MQTT: a refused subscription gets return code 0x80, the client stays connected
    },
  };
}
