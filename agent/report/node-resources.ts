/**
 * What this node offers the scheduler, as kubelet computes it (pkg/kubelet/cm node allocatable):
 *
 *   allocatable = capacity - kube-reserved - system-reserved - hard eviction threshold
 *
 * for cpu, memory and ephemeral-storage (the thresholds only touch memory and ephemeral-storage,
 * through memory.available and nodefs.available), never below zero; `pods` is --max-pods.
 * Also parses the flags that feed it, in kubelet's syntax, so a k3s user's `--kubelet-arg`
 * values work unchanged: `--system-reserved cpu=500m,memory=256Mi`, `--eviction-hard
 * memory.available<100Mi,nodefs.available<10%`. Pure; uses the light quantity parser (no zod).
 */
import { bytes, cpuMillicores, parseQuantity } from '../../shared/api/quantity.js';

/** The resources a reservation may name (kubelet's --system-reserved / --kube-reserved). */
export const RESERVABLE = ['cpu', 'memory', 'ephemeral-storage', 'pid'] as const;
export type Reservable = (typeof RESERVABLE)[number];
/** Amounts in base units: millicores for cpu, bytes for memory and storage, a count for pid. */
export type Reservation = Partial<Record<Reservable, number>>;

/** The eviction signals the agent observes (kubelet's names); imagefs is Docker's and not watched. */
export const EVICTION_SIGNALS = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'pid.available'] as const;
export type EvictionSignal = (typeof EVICTION_SIGNALS)[number];

/** A threshold: below `quantity` (base units) or below `percentage` (0..1) of the signal's capacity. */
export type ThresholdValue = { quantity: number } | { percentage: number };
export type EvictionThresholds = Partial<Record<EvictionSignal, ThresholdValue>>;

/** What the machine has, in base units. */
export interface NodeCapacity {
  milliCpu: number;
  memoryBytes: number;
  /** Size of the filesystem holding the agent's data (kubelet's nodefs); undefined when unknown. */
  ephemeralStorageBytes?: number;
  maxPods: number;
}

/** Thrown with the offending entry; config.ts turns it into a problem naming the flag. */
export class ParseProblem extends Error {}

function entries(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `cpu=500m,memory=256Mi,ephemeral-storage=1Gi,pid=1000` (kubelet's ConfigurationMap syntax). */
export function parseReservation(text: string): Reservation {
  const out: Reservation = {};
  for (const entry of entries(text)) {
    const eq = entry.indexOf('=');
    if (eq < 0) throw new ParseProblem(`${JSON.stringify(entry)} must be resource=quantity`);
    const name = entry.slice(0, eq) as Reservable;
    const value = entry.slice(eq + 1);
    if (!RESERVABLE.includes(name)) throw new ParseProblem(`${JSON.stringify(entry.slice(0, eq))} is not a reservable resource (one of ${RESERVABLE.join(', ')})`);
    const amount = parseQuantity(value);
    if (amount === undefined || amount < 0) throw new ParseProblem(`${JSON.stringify(value)} for ${name} is not a non-negative quantity (e.g. 500m, 256Mi, 1Gi)`);
    out[name] = name === 'cpu' ? cpuMillicores(value) : bytes(value);
  }
  return out;
}

/** `memory.available<100Mi,nodefs.available<10%` (kubelet's --eviction-hard syntax; only `<`). */
export function parseEvictionThresholds(text: string): EvictionThresholds {
  const out: EvictionThresholds = {};
  for (const entry of entries(text)) {
    const lt = entry.indexOf('<');
    if (lt < 0) throw new ParseProblem(`${JSON.stringify(entry)} must be signal<quantity or signal<percent%`);
    const signal = entry.slice(0, lt) as EvictionSignal;
    const value = entry.slice(lt + 1);
    if (!EVICTION_SIGNALS.includes(signal)) {
      throw new ParseProblem(`${JSON.stringify(entry.slice(0, lt))} is not a signal the agent observes (one of ${EVICTION_SIGNALS.join(', ')})`);
    }
    if (value.endsWith('%')) {
      const percent = Number(value.slice(0, -1));
      if (value === '%' || !Number.isFinite(percent) || percent < 0 || percent > 100) throw new ParseProblem(`${JSON.stringify(value)} for ${signal} must be a percentage between 0% and 100%`);
      out[signal] = { percentage: percent / 100 };
    } else {
      const amount = parseQuantity(value);
      if (amount === undefined || amount < 0) throw new ParseProblem(`${JSON.stringify(value)} for ${signal} is not a non-negative quantity (e.g. 100Mi) or percentage (e.g. 10%)`);
      out[signal] = { quantity: signal === 'memory.available' || signal === 'nodefs.available' ? bytes(value) : Math.ceil(amount) };
    }
  }
  return out;
}

/** The threshold in base units against a signal whose capacity is `capacity`. */
export function thresholdAmount(value: ThresholdValue | undefined, capacity: number): number {
  if (!value) return 0;
  return 'quantity' in value ? value.quantity : Math.floor(value.percentage * capacity);
}

export interface Allocatable {
  milliCpu: number;
  memoryBytes: number;
  ephemeralStorageBytes?: number;
  pods: number;
}

export function computeAllocatable(capacity: NodeCapacity, reserved: readonly Reservation[], eviction: EvictionThresholds): Allocatable {
  const sum = (name: Reservable): number => reserved.reduce((total, r) => total + (r[name] ?? 0), 0);
  const left = (have: number, ...minus: number[]): number => Math.max(0, minus.reduce((a, b) => a - b, have));
  const storage = capacity.ephemeralStorageBytes;
  return {
    milliCpu: left(capacity.milliCpu, sum('cpu')),
    memoryBytes: left(capacity.memoryBytes, sum('memory'), thresholdAmount(eviction['memory.available'], capacity.memoryBytes)),
    ...(storage !== undefined ? { ephemeralStorageBytes: left(storage, sum('ephemeral-storage'), thresholdAmount(eviction['nodefs.available'], storage)) } : {}),
    pods: capacity.maxPods,
  };
}

/** Whole cores print as "2", anything else in millicores ("1750m"), as resource.Quantity does. */
export function formatCpu(milliCpu: number): string {
  return milliCpu % 1000 === 0 ? String(milliCpu / 1000) : `${milliCpu}m`;
}

/** kubelet reports memory in Ki (rounded down: never claim a byte the node lacks). */
export function formatKi(value: number): string {
  return `${Math.floor(value / 1024)}Ki`;
}

/** capacity and allocatable as the Node status carries them. */
export function resourceLists(capacity: NodeCapacity, allocatable: Allocatable): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const storage = (value: number | undefined, format: (v: number) => string): Record<string, string> => (value !== undefined ? { 'ephemeral-storage': format(value) } : {});
  return {
    capacity: {
      cpu: formatCpu(capacity.milliCpu),
      ...storage(capacity.ephemeralStorageBytes, formatKi),
      memory: formatKi(capacity.memoryBytes),
      pods: String(capacity.maxPods),
    },
    allocatable: {
      cpu: formatCpu(allocatable.milliCpu),
      // kubelet prints allocatable storage in plain bytes (capacity minus a decimal threshold).
      ...storage(allocatable.ephemeralStorageBytes, (v) => String(Math.floor(v))),
      memory: formatKi(allocatable.memoryBytes),
      pods: String(allocatable.pods),
    },
  };
}
