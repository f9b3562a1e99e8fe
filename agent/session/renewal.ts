/**
 * Keeping the node's credentials alive without restarting the agent, as a kubelet rotates its
 * client certificate: at about 2/3 of their remaining life (jittered, so a fleet that joined
 * together does not renew together) trade them for fresh ones at POST /skiff/v1/renew, save them
 * atomically, then hand them to the live MQTT session. While the hub is unreachable, retry with
 * backoff (pods keep running from the local store). Credentials that expired while the node was
 * offline cannot be renewed: join again with the join token. Credentials the hub refuses while
 * still unexpired were revoked (`skiff delete node`): say so and do not join again before they
 * would have expired (only then is a re-join with a still-valid join token allowed, as k3s does).
 */
import { errorMessage } from '../../shared/errors.js';
import { RENEW_PATH, type JoinResponse } from '../../shared/join.js';
import type { Logger } from '../../shared/log.js';
import { abortableSleep } from '../../shared/sleep.js';
import { HubRefusedError, postForCredentials } from './hub-post.js';
import { reconnectDelayMs } from './reconnect-delay.js';

/** Renew at this fraction of the remaining lifetime, give or take RENEW_JITTER / 2. */
const RENEW_AT = 2 / 3;
const RENEW_JITTER = 0.1;
/** setTimeout's limit (2^31 - 1 ms, ~24.8 days): a longer sleep is taken in parts. */
const MAX_SLEEP_MS = 2 ** 31 - 1;

/**
 * How long to wait before renewing credentials that expire at `expiresAtMs`: about 2/3 of the
 * time left (0 once expired); undefined for credentials without expiry. Pure: `random` in [0, 1).
 */
export function renewalDelayMs(expiresAtMs: number | undefined, nowMs: number, random: number): number | undefined {
  if (expiresAtMs === undefined || Number.isNaN(expiresAtMs)) return undefined;
  const remaining = expiresAtMs - nowMs;
  if (remaining <= 0) return 0;
  return Math.floor(remaining * (RENEW_AT + (random - 0.5) * RENEW_JITTER));
}

/** Delay before retrying a failed renewal: the usual backoff, but never sleeping past the expiry by much. */
export function renewalRetryDelayMs(attempt: number, expiresAtMs: number | undefined, nowMs: number, random: number): number {
  const backoff = reconnectDelayMs(attempt, random);
  if (expiresAtMs === undefined || expiresAtMs <= nowMs) return backoff;
  // Keep trying a few times before the expiry, so a short outage does not force a re-join.
  return Math.min(backoff, Math.max(100, Math.floor((expiresAtMs - nowMs) / 3)));
}

function expiryOf(credentials: JoinResponse): number | undefined {
  return credentials.expiresAt === undefined ? undefined : Date.parse(credentials.expiresAt);
}

/** One POST of the renewal with the current credentials as HTTP Basic. */
export function requestRenew(server: string, current: JoinResponse, options: { signal?: AbortSignal; tls?: { ca: string } } = {}): Promise<JoinResponse> {
  const basic = Buffer.from(`${current.username}:${current.password}`).toString('base64');
  return postForCredentials(new URL(RENEW_PATH, server), {
    what: 'renewal',
    headers: { authorization: `Basic ${basic}`, 'content-length': 0 },
    ...(options.tls ? { caPem: options.tls.ca } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

export interface RenewerOptions {
  initial: JoinResponse;
  /** Trades the current credentials for fresh ones (requestRenew against the hub). */
  renew(current: JoinResponse): Promise<JoinResponse>;
  /** Joins again with the join token (for credentials that expired while offline). */
  rejoin(): Promise<JoinResponse>;
  /** Persists new credentials (saveCredentials: atomic). Runs before onRenewed. */
  save(credentials: JoinResponse): Promise<void>;
  /** The live session switches to the new credentials. */
  onRenewed(credentials: JoinResponse): void;
  log: Logger;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class CredentialRenewer {
  private current: JoinResponse;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly options: RenewerOptions) {
    this.current = options.initial;
  }

  get credentials(): JoinResponse {
    return this.current;
  }

  start(): void {
    this.running ??= this.run().catch((err: unknown) => this.options.log.error({ err: errorMessage(err) }, 'credential renewal stopped'));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const { log } = this.options;
    const now = this.options.now ?? Date.now;
    const random = this.options.random ?? Math.random;
    const sleep = this.options.sleep ?? abortableSleep;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const delay = renewalDelayMs(expiryOf(this.current), now(), random());
      if (delay === undefined) {
        log.info('credentials do not expire; no renewal needed');
        return;
      }
      log.debug({ expiresAt: this.current.expiresAt, renewInMs: delay }, 'credential renewal scheduled');
      await sleep(Math.min(delay, MAX_SLEEP_MS), signal);
      if (signal.aborted) return;
      if (delay > MAX_SLEEP_MS) continue; // not yet: the time left is computed again
      await this.renewUntilDone(now, random, sleep, signal);
    }
  }

  /** Renews (or re-joins) until it works, backing off on failures; returns early only when aborted. */
  private async renewUntilDone(now: () => number, random: () => number, sleep: RenewerOptions['sleep'] & {}, signal: AbortSignal): Promise<void> {
    const { log } = this.options;
    for (let attempt = 0; !signal.aborted; attempt++) {
      const expiresAt = expiryOf(this.current);
      const expired = expiresAt !== undefined && expiresAt <= now();
      try {
        const next = expired ? await this.options.rejoin() : await this.options.renew(this.current);
        await this.options.save(next);
        this.current = next;
        log.info({ expiresAt: next.expiresAt, how: expired ? 'joined again with the join token' : 'renewed' }, 'new node credentials');
        this.options.onRenewed(next);
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof HubRefusedError && err.status === 401 && !expired) {
          // Unexpired credentials refused: the node was deleted or re-joined elsewhere under its name.
          log.error(
            { expiresAt: this.current.expiresAt },
            'the hub refused this node’s credentials before they expired (node deleted or credentials revoked); not joining again until they would have expired',
          );
          await sleep(Math.min(MAX_SLEEP_MS, Math.max(0, (expiresAt ?? now()) - now())), signal);
          continue;
        }
        const retryInMs = renewalRetryDelayMs(attempt, expiresAt, now(), random());
        log.warn(
          { attempt: attempt + 1, retryInMs, err: errorMessage(err) },
          expired ? 'credentials expired while offline and joining again failed (check --token); retrying' : 'credential renewal failed; retrying',
        );
        await sleep(retryInMs, signal);
      }
    }
  }
}
