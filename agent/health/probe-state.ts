/**
 * The result of one probe of one container over time, as kubelet's prober worker keeps it
 * (pkg/kubelet/prober/worker.go): the published result only flips after `successThreshold`
 * consecutive successes or `failureThreshold` consecutive failures. Readiness starts as Failure
 * (not ready until proven), liveness as Success, startup as Unknown. A liveness or startup
 * failure puts the worker "on hold": the container is being restarted, and the next container
 * gets a fresh worker. Pure.
 */
import type { ProbeKind, ProbeTiming } from './probe-spec.js';

export type ProbeResult = 'success' | 'failure' | 'unknown';
export type ProbeOutcome = 'success' | 'failure';

export interface ProbeState {
  /** What the rest of the agent sees. */
  result: ProbeResult;
  lastOutcome: ProbeResult;
  /** Consecutive outcomes equal to lastOutcome. */
  run: number;
  onHold: boolean;
}

export function initialProbeState(kind: ProbeKind): ProbeState {
  const result: ProbeResult = kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown';
  return { result, lastOutcome: 'unknown', run: 0, onHold: false };
}

export function nextProbeState(state: ProbeState, outcome: ProbeOutcome, kind: ProbeKind, timing: Pick<ProbeTiming, 'successThreshold' | 'failureThreshold'>): ProbeState {
  if (state.onHold) return state;
  const run = state.lastOutcome === outcome ? state.run + 1 : 1;
  const threshold = outcome === 'failure' ? timing.failureThreshold : timing.successThreshold;
  if (run < threshold) return { ...state, lastOutcome: outcome, run };
  if (outcome === 'failure' && kind !== 'readiness') return { result: 'failure', lastOutcome: outcome, run: 0, onHold: true };
  return { ...state, result: outcome, lastOutcome: outcome, run };
}
