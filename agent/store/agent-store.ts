/**
 * What the agent keeps on disk (architecture.md, Offline autonomy), behind one interface so that
 * the loop and its tests do not depend on SQLite.
 */
import type { DesiredState } from '../../shared/mqtt/messages.js';
import type { ContainerHistory } from '../reconcile/history.js';

export interface AgentStore {
  /** The last accepted desired state, or undefined before the first. */
  loadDesired(): DesiredState | undefined;
  /** Stores `state` if its generation is newer than the stored one (atomically); false when it is not. */
  saveDesired(state: DesiredState): boolean;
  /** Every pod container's history, by containerKey (reconcile/history.ts). Read-only view. */
  history(): ReadonlyMap<string, ContainerHistory>;
  putHistory(key: string, history: ContainerHistory): void;
  /** Forgets the history of pods not in `keepPodUids`; returns how many rows went. */
  pruneHistory(keepPodUids: ReadonlySet<string>): number;
  /** The next StatusReport sequence number: increasing across restarts of the agent. */
  nextSeq(): number;
  close(): void;
}
