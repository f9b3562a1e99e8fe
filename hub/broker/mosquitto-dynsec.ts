/**
 * The hub's hand on an external Mosquitto's dynamic-security plugin (issue #11): it gives a node
 * its MQTT account when the node joins (or re-joins, or renews) and takes it away when the node is
 * deleted, over the plugin's control topic, with the hub's own MQTT client. What each node may do
 * is mosquitto-acl.ts' nodeAclEntries; the plugin enforces it from then on.
 *
 * Mosquitto 2.0.11's behaviour this relies on (each checked against the real broker in
 * test/integration/mosquitto-acl.test.ts):
 *  - commands go to $CONTROL/dynamic-security/v1 as {"commands": [...]}, several in one message,
 *    run in order; the answers come back in one message {"responses": [...]}, in the same order,
 *    each with `command`, `error` when it failed, `data` for a get, and the command's
 *    `correlationData` echoed. Answers go to every client subscribed to the response topic (other
 *    hubs see ours), so they are matched by correlationData, never by arrival;
 *  - a client with a `clientid` can log in with that id only; as every node's client is bound to
 *    its own id, no node can log in with another node's id and take over its session;
 *  - modifyClient (new password), deleteClient and addClientRole disconnect the client's current
 *    connections at once, and the client's next login is checked against the new state.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { SkiffError, errorMessage } from '../../shared/errors.js';
import { agentClientId, isValidNodeName } from '../../shared/mqtt/topics.js';
import { DYNSEC_COMMAND_TOPIC, DYNSEC_RESPONSE_TOPIC, nodeAclEntries, nodeRoleName } from './mosquitto-acl.js';

/** One plugin command: its name and its fields (mosquitto's docs, "Dynamic Security"). */
export interface DynsecCommand {
  command: string;
  [field: string]: unknown;
}

/** The plugin's answer to one command. */
export interface DynsecAnswer {
  command: string;
  /** The plugin's own text when the command failed, as `Client not found`. */
  error?: string;
  data?: unknown;
}

/** The plugin's error texts that grantNode and revokeNode expect and handle. */
export const DYNSEC_ERRORS = {
  clientNotFound: 'Client not found',
  roleNotFound: 'Role not found',
  roleExists: 'Role already exists',
} as const;

/** How long a command may wait for its answer. */
export const DYNSEC_TIMEOUT_MS = 10_000;

/**
 * The failure of one answer as a SkiffError naming the command, what it was about and the
 * plugin's text; undefined when it succeeded or failed in one of the `expected` ways.
 */
export function answerFailure(answer: DynsecAnswer, about: string, expected: readonly string[] = []): SkiffError | undefined {
  if (answer.error === undefined || expected.includes(answer.error)) return undefined;
  return new SkiffError('SKIFF_ERR_INTERNAL', `mosquitto dynamic-security ${answer.command} for ${about} failed: ${answer.error}`);
}

function throwIfFailed(answer: DynsecAnswer, about: string, expected: readonly string[] = []): void {
  const failure = answerFailure(answer, about, expected);
  if (failure) throw failure;
}

/** The client id a getClient answer holds; undefined when the client does not exist. */
export function existingClient(answer: DynsecAnswer, username: string): { clientid: string | undefined } | undefined {
  if (answer.error === DYNSEC_ERRORS.clientNotFound) return undefined;
  throwIfFailed(answer, `client ${username}`);
  const client = (answer.data as { client?: { clientid?: unknown } } | undefined)?.client;
  if (client === undefined) throw new SkiffError('SKIFF_ERR_INTERNAL', `mosquitto dynamic-security getClient for client ${username}: the answer holds no client`);
  return { clientid: typeof client.clientid === 'string' ? client.clientid : undefined };
}

interface Batch {
  answers: Array<DynsecAnswer | undefined>;
  remaining: number;
  resolve(answers: DynsecAnswer[]): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class MosquittoDynamicSecurity {
  /** Ours among every hub's answers: a random prefix and a counter. */
  private readonly prefix = randomBytes(8).toString('hex');
  private sequence = 0;
  private readonly waiting = new Map<string, { batch: Batch; index: number }>();
  private subscription: Promise<void> | undefined;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly onMessage = (topic: string, payload: Buffer): void => {
    if (topic === DYNSEC_RESPONSE_TOPIC) this.receive(payload);
  };

  /** `client` is connected and logged in as the hub's user; it stays the caller's to end. */
  constructor(
    private readonly client: MqttClient,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DYNSEC_TIMEOUT_MS;
    client.on('message', this.onMessage);
  }

  /**
   * Gives `node` its MQTT account: username = node name, client id = agentClientId(node),
   * `password`, and the role `skiff-node-<node>` holding nodeAclEntries(node). Idempotent; for a
   * node that has an account already it replaces the password (and the role's ACLs, so a hub
   * that knows a new channel updates old nodes), which disconnects the node's current
   * connections: they logged in with the old password.
   */
  async grantNode(node: string, password: string): Promise<void> {
    this.checkNode(node);
    if (password.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', `password for node ${node}: must not be empty`);
    const existing = await this.nodeClient(node);
    const rolename = nodeRoleName(node);
    const acls = nodeAclEntries(node);
    const client = { username: node, clientid: agentClientId(node), password, roles: [{ rolename }] };
    // execute() answers every command, in order.
    const [created, modified, account] = (await this.execute([
      { command: 'createRole', rolename, acls },
      // A role made by an older hub may lack a channel added since.
      { command: 'modifyRole', rolename, acls },
      existing ? { command: 'modifyClient', ...client } : { command: 'createClient', textname: `Skiff node ${node}`, ...client },
    ])) as [DynsecAnswer, DynsecAnswer, DynsecAnswer];
    throwIfFailed(created, `node ${node}`, [DYNSEC_ERRORS.roleExists]);
    throwIfFailed(modified, `node ${node}`);
    throwIfFailed(account, `node ${node}`);
  }

  /**
   * Takes `node`'s MQTT account away (the client and its role); the plugin disconnects its
   * connections at once. A node with no account is fine.
   */
  async revokeNode(node: string): Promise<void> {
    this.checkNode(node);
    const existing = await this.nodeClient(node);
    const answers = await this.execute([
      ...(existing ? [{ command: 'deleteClient', username: node }] : []),
      { command: 'deleteRole', rolename: nodeRoleName(node) },
    ]);
    for (const answer of answers) throwIfFailed(answer, `node ${node}`, [DYNSEC_ERRORS.clientNotFound, DYNSEC_ERRORS.roleNotFound]);
  }

  /**
   * Sends `commands` in one message and resolves with the plugin's answer to each, in order
   * (an answer may hold an `error`: what it means depends on the command). Rejects with a
   * SkiffError when the broker does not answer them all within the timeout.
   */
  async execute(commands: readonly DynsecCommand[]): Promise<DynsecAnswer[]> {
    if (this.closed) throw new SkiffError('SKIFF_ERR_INTERNAL', 'mosquitto dynamic-security: used after close()');
    if (commands.length === 0) return [];
    // MQTT.js would hold a publish until the connection is back, and the answer would go nowhere.
    if (!this.client.connected) throw new SkiffError('SKIFF_ERR_UNREACHABLE', `mosquitto dynamic-security: the hub's MQTT client is not connected (${commands.map((c) => c.command).join(', ')} not sent)`);
    await this.subscribe();
    const ids = commands.map(() => `${this.prefix}-${++this.sequence}`);
    const names = commands.map((c) => c.command).join(', ');
    const answered = new Promise<DynsecAnswer[]>((resolve, reject) => {
      const batch: Batch = {
        answers: commands.map(() => undefined),
        remaining: commands.length,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.settle(ids);
          reject(
            new SkiffError(
              'SKIFF_ERR_UNREACHABLE',
              `mosquitto dynamic-security: no answer to ${names} within ${this.timeoutMs} ms on ${DYNSEC_RESPONSE_TOPIC} (is the plugin loaded, and may user ${this.client.options.username ?? '(none)'} publish to ${DYNSEC_COMMAND_TOPIC}?)`,
            ),
          );
        }, this.timeoutMs),
      };
      ids.forEach((id, index) => this.waiting.set(id, { batch, index }));
    });
    const body = JSON.stringify({ commands: commands.map((command, i) => ({ ...command, correlationData: ids[i] })) });
    try {
      await this.client.publishAsync(DYNSEC_COMMAND_TOPIC, body, { qos: 1 });
    } catch (err) {
      const failure = new SkiffError('SKIFF_ERR_UNREACHABLE', `mosquitto dynamic-security: could not send ${names}: ${errorMessage(err)}`, { cause: err });
      this.fail(ids, failure);
    }
    return answered;
  }

  /**
   * Stops listening; commands still waiting fail. The MQTT client is the caller's: it stays
   * connected and subscribed to the response topic (another user of the client may need it).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.removeListener('message', this.onMessage);
    this.fail([...this.waiting.keys()], new SkiffError('SKIFF_ERR_INTERNAL', 'mosquitto dynamic-security: closed before the broker answered'));
  }

  private checkNode(node: string): void {
    if (!isValidNodeName(node)) throw new SkiffError('SKIFF_ERR_CONFIG', `node name ${JSON.stringify(node)}: must be a lowercase RFC 1123 subdomain`);
    if (node === this.client.options.username) throw new SkiffError('SKIFF_ERR_CONFIG', `node name ${JSON.stringify(node)}: is the hub's own MQTT username`);
  }

  /**
   * The node's client, if it has one. A client of that name that does not carry the node's
   * client id was not made by a hub (an administrator's, say): it is never taken over.
   */
  private async nodeClient(node: string): Promise<{ clientid: string | undefined } | undefined> {
    const [answer] = await this.execute([{ command: 'getClient', username: node }]);
    const existing = existingClient(answer!, node);
    if (existing && existing.clientid !== agentClientId(node)) {
      throw new SkiffError('SKIFF_ERR_CONFLICT', `mosquitto already has a client ${node} that is not a Skiff node's (client id ${existing.clientid ?? 'unset'}, not ${agentClientId(node)}): refusing to change it`);
    }
    return existing;
  }

  private subscribe(): Promise<void> {
    this.subscription ??= this.client.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 }).then(
      () => undefined,
      (err: unknown) => {
        this.subscription = undefined; // the next command tries again
        // MQTT.js rejects a refusing SUBACK with the packet; anything else is the connection's fault.
        if ((err as { packet?: unknown }).packet !== undefined) {
          throw new SkiffError('SKIFF_ERR_FORBIDDEN', `mosquitto dynamic-security: user ${this.client.options.username ?? '(none)'} may not subscribe to ${DYNSEC_RESPONSE_TOPIC}: ${errorMessage(err)}`, { cause: err });
        }
        throw new SkiffError('SKIFF_ERR_UNREACHABLE', `mosquitto dynamic-security: could not subscribe to ${DYNSEC_RESPONSE_TOPIC}: ${errorMessage(err)}`, { cause: err });
      },
    );
    return this.subscription;
  }

  private receive(payload: Buffer): void {
    let responses: unknown;
    try {
      responses = (JSON.parse(payload.toString()) as { responses?: unknown }).responses;
    } catch (err) {
      // Only the plugin and administrators may publish here: junk means the answers cannot be trusted.
      this.fail([...this.waiting.keys()], new SkiffError('SKIFF_ERR_BAD_MESSAGE', `mosquitto dynamic-security: an answer on ${DYNSEC_RESPONSE_TOPIC} is not JSON: ${errorMessage(err)}`, { cause: err }));
      return;
    }
    if (!Array.isArray(responses)) return;
    for (const response of responses as Array<DynsecAnswer & { correlationData?: unknown }>) {
      // Answers to other hubs' commands (or to ours already timed out) are not ours to handle.
      const waiter = typeof response?.correlationData === 'string' ? this.waiting.get(response.correlationData) : undefined;
      if (!waiter) continue;
      this.waiting.delete(response.correlationData as string);
      const { batch, index } = waiter;
      batch.answers[index] = { command: response.command, ...(response.error === undefined ? {} : { error: response.error }), ...(response.data === undefined ? {} : { data: response.data }) };
      if (--batch.remaining === 0) {
        clearTimeout(batch.timer);
        batch.resolve(batch.answers as DynsecAnswer[]);
      }
    }
  }

  /** Forgets the batches these ids belong to, and returns them. */
  private settle(ids: readonly string[]): Set<Batch> {
    const batches = new Set<Batch>();
    for (const id of ids) {
      const waiter = this.waiting.get(id);
      if (!waiter) continue;
      batches.add(waiter.batch);
      this.waiting.delete(id);
    }
    for (const batch of batches) {
      clearTimeout(batch.timer);
      for (const [id, waiter] of this.waiting) if (waiter.batch === batch) this.waiting.delete(id);
    }
    return batches;
  }

  private fail(ids: readonly string[], err: Error): void {
    for (const batch of this.settle(ids)) batch.reject(err);
  }
}
