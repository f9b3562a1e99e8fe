/**
 * The node's pressure conditions (MemoryPressure, DiskPressure, PIDPressure) from its eviction
 * signals, as kubelet's eviction manager sets them: a condition turns True when a signal falls
 * below its hard threshold, and stays True until no breach has been seen for the pressure
 * transition period (kubelet's --eviction-pressure-transition-period, 5 min), so a node hovering
 * at its threshold does not flap between tainted and untainted. Pure: observations come in.
 */
import type { NodeCondition } from '../../shared/api/status-types.js';
import { thresholdAmount, type EvictionSignal, type EvictionThresholds } from './node-resources.js';

/** One sample of the eviction signals; a signal the agent could not read is left out. */
export interface NodeObservations {
  memoryAvailableBytes?: number;
  memoryCapacityBytes: number;
  nodefsAvailableBytes?: number;
  nodefsCapacityBytes?: number;
  nodefsInodesFree?: number;
  nodefsInodes?: number;
  pidAvailable?: number;
  pidCapacity?: number;
}

export type PressureType = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';
export const PRESSURE_TYPES: readonly PressureType[] = ['MemoryPressure', 'DiskPressure', 'PIDPressure'];

const CONDITION_OF: Record<EvictionSignal, PressureType> = {
  'memory.available': 'MemoryPressure',
  'nodefs.available': 'DiskPressure',
  'nodefs.inodesFree': 'DiskPressure',
  'pid.available': 'PIDPressure',
};

/** kubelet's reasons and messages (pkg/kubelet/nodestatus/setters.go), for False and True. */
const WORDING: Record<PressureType, { False: [string, string]; True: [string, string] }> = {
  MemoryPressure: {
    False: ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
    True: ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'],
  },
  DiskPressure: {
    False: ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
    True: ['KubeletHasDiskPressure', 'kubelet has disk pressure'],
  },
  PIDPressure: {
    False: ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
    True: ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'],
  },
};

/** The value and capacity of each signal in one sample (undefined when not observed). */
function signalValues(obs: NodeObservations): Record<EvictionSignal, [number, number] | undefined> {
  const pair = (value: number | undefined, capacity: number | undefined): [number, number] | undefined =>
    value !== undefined && capacity !== undefined ? [value, capacity] : undefined;
  return {
    'memory.available': pair(obs.memoryAvailableBytes, obs.memoryCapacityBytes),
    'nodefs.available': pair(obs.nodefsAvailableBytes, obs.nodefsCapacityBytes),
    'nodefs.inodesFree': pair(obs.nodefsInodesFree, obs.nodefsInodes),
    'pid.available': pair(obs.pidAvailable, obs.pidCapacity),
  };
}

/** The signals below their threshold in this sample. */
export function breachedSignals(obs: NodeObservations, thresholds: EvictionThresholds): EvictionSignal[] {
  const values = signalValues(obs);
  return (Object.keys(thresholds) as EvictionSignal[]).filter((signal) => {
    const observed = values[signal];
    return observed !== undefined && observed[0] < thresholdAmount(thresholds[signal], observed[1]);
  });
}

/** Remembers when each pressure was last seen and when each condition last changed. */
export class PressureTracker {
  private readonly lastSeenMs = new Map<PressureType, number>();
  private readonly state = new Map<PressureType, { status: 'True' | 'False'; sinceIso: string }>();

  constructor(
    private readonly transitionPeriodMs: number,
    startIso: string,
  ) {
    for (const type of PRESSURE_TYPES) this.state.set(type, { status: 'False', sinceIso: startIso });
  }

  /** Takes one sample's breached signals; true when a condition changed (worth a report at once). */
  observe(breached: readonly EvictionSignal[], nowMs: number): boolean {
    for (const signal of breached) this.lastSeenMs.set(CONDITION_OF[signal], nowMs);
    let changed = false;
    for (const type of PRESSURE_TYPES) {
      const seen = this.lastSeenMs.get(type);
      const status = seen !== undefined && nowMs - seen < this.transitionPeriodMs ? 'True' : 'False';
      if (this.state.get(type)!.status !== status) {
        this.state.set(type, { status, sinceIso: new Date(nowMs).toISOString() });
        changed = true;
      }
    }
    return changed;
  }

  /** The three conditions, in kubelet's order, stamped with this heartbeat. */
  conditions(nowIso: string): NodeCondition[] {
    return PRESSURE_TYPES.map((type) => {
      const { status, sinceIso } = this.state.get(type)!;
      const [reason, message] = WORDING[type][status];
      return { type, status, reason, message, lastHeartbeatTime: nowIso, lastTransitionTime: sinceIso };
    });
  }
}
