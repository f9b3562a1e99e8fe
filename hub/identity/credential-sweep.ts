/**
 * The broker checks credentials only at login; this sweep, every few seconds, drops connections
 * whose credentials have since expired, been deleted (`skiff delete node`, which also drops them
 * at once) or been replaced (a re-join; a renewal's overlap ended), so a revoked node is locked
 * out within seconds even if it never reconnects. It also deletes expired bootstrap tokens, as
 * kubeadm's token cleaner does.
 */
import type { Logger } from '../../shared/log.js';
import type { Store } from '../store/store.js';
import { deleteExpiredBootstrapTokens } from './join-tokens.js';
import { connectionStillValid } from './node-credentials.js';

/** One logged-in node connection, as the broker reports it. */
export interface NodeConnection {
  node: string;
  /** The stored password hash it logged in with. */
  loginHash: string;
  close(): void;
}

export interface CredentialSweepOptions {
  store: Store;
  connections: () => NodeConnection[];
  now?: () => number;
  intervalMs: number;
  log: Logger;
}

/** One pass; returns the nodes whose connections were dropped. */
export async function sweepCredentials(store: Store, connections: NodeConnection[], now: number): Promise<string[]> {
  const dropped: string[] = [];
  for (const connection of connections) {
    if (connectionStillValid(await store.getNodeCredential(connection.node), connection.loginHash, now)) continue;
    connection.close();
    dropped.push(connection.node);
  }
  return dropped;
}

export class CredentialSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: CredentialSweepOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.pass().finally(() => (this.running = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    const { store, log } = this.options;
    const now = (this.options.now ?? Date.now)();
    try {
      for (const node of await sweepCredentials(store, this.options.connections(), now)) {
        log.warn({ node }, 'dropped an mqtt connection: its credentials expired, were replaced or were revoked');
      }
      const expired = await deleteExpiredBootstrapTokens(store, now);
      if (expired.length > 0) log.info({ tokens: expired }, 'deleted expired bootstrap tokens');
    } catch (err) {
      log.error({ err }, 'credential sweep failed');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
