/**
 * Which hub runs the controllers, the scheduler and dispatch (issue #11): exactly one at a time.
 * A hub on SQLite is alone with its file and always leads (SoleLeader); hubs sharing a
 * PostgreSQL database elect one through a lease row (postgres-lease.ts). The hub starts its
 * leader-only parts when it starts leading, and exits when it stops: as kube-controller-manager,
 * it never tries to run on with controllers whose view may be stale (a supervisor restarts it
 * as a follower).
 */
export interface Leadership {
  /** Starts campaigning; `onStartedLeading` runs once this hub leads, `onStoppedLeading` once it no longer does. */
  start(callbacks: { onStartedLeading: () => void; onStoppedLeading: (reason: string) => void }): void;
  isLeader(): boolean;
  /** This hub's name in the election (shown in logs and in the lease row). */
  readonly identity: string;
  /** Stops campaigning; a leader gives its lease up, so that another hub takes over at once. */
  stop(): Promise<void>;
}

/** The only hub of a SQLite store: it leads from the start and never stops. */
export class SoleLeader implements Leadership {
  readonly identity = 'sole';
  private leading = false;

  start(callbacks: { onStartedLeading: () => void }): void {
    this.leading = true;
    callbacks.onStartedLeading();
  }

  isLeader(): boolean {
    return this.leading;
  }

  async stop(): Promise<void> {
    this.leading = false;
  }
}
