/**
 * Whether a running container counts as started and ready, from its spec and what its probes
 * say (kubelet's status manager): without a startupProbe it is started once running; without a
 * readinessProbe it is ready once started. A probe that has no result yet (its worker not
 * started, or waiting for initialDelaySeconds) counts as not passed: readiness is proven, never
 * assumed. Pure.
 */
import type { Container } from '../../shared/api/schema/pod.js';
import type { ProbeResults } from './prober.js';

export function containerHealth(spec: Pick<Container, 'startupProbe' | 'readinessProbe'>, results: ProbeResults | undefined): { started: boolean; ready: boolean } {
  const started = !spec.startupProbe || results?.startup === 'success';
  const ready = started && (!spec.readinessProbe || results?.readiness === 'success');
  return { started, ready };
}
