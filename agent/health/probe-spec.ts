/**
 * A container's probes as the prober runs them: Kubernetes' defaults applied (the hub defaults
 * them too, but a pod written before that, or by hand, must behave the same) and the target
 * resolved — named ports looked up, an empty host meaning the pod's IP. Pure.
 */
import type { Container, HttpGetAction, Probe } from '../../shared/api/schema/pod.js';
import { PROBE_DEFAULTS } from '../../shared/defaults.js';

export const PROBE_KINDS = ['startup', 'liveness', 'readiness'] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

/** "Liveness", as kubelet words it in events and messages. */
export function probeTitle(kind: ProbeKind): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}

export interface ProbeTiming {
  initialDelayMs: number;
  timeoutMs: number;
  periodMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export type ProbeTarget =
  | { type: 'exec'; command: string[] }
  | { type: 'http'; scheme: 'HTTP' | 'HTTPS'; host: string; port: number; path: string; headers: Record<string, string> }
  | { type: 'tcp'; host: string; port: number };

export function probeOf(container: Container, kind: ProbeKind): Probe | undefined {
  return kind === 'liveness' ? container.livenessProbe : kind === 'readiness' ? container.readinessProbe : container.startupProbe;
}

export function timingOf(probe: Probe): ProbeTiming {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? PROBE_DEFAULTS.initialDelaySeconds) * 1000,
    timeoutMs: (probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds) * 1000,
    periodMs: (probe.periodSeconds ?? PROBE_DEFAULTS.periodSeconds) * 1000,
    successThreshold: probe.successThreshold ?? PROBE_DEFAULTS.successThreshold,
    failureThreshold: probe.failureThreshold ?? PROBE_DEFAULTS.failureThreshold,
  };
}

/** A numeric port, or the containerPort of the port with that name (kubelet: findPortByName). */
export function resolvePort(port: number | string, container: Container): number | string {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  return named ? named.containerPort : `couldn't find port: ${port} in ${container.name}`;
}

function httpTarget(action: HttpGetAction, container: Container, podIp: string | undefined): ProbeTarget | string {
  const port = resolvePort(action.port, container);
  if (typeof port === 'string') return port;
  const host = action.host || podIp;
  if (!host) return 'the pod has no IP address yet';
  const headers: Record<string, string> = {};
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  const path = action.path || PROBE_DEFAULTS.httpPath;
  return { type: 'http', scheme: action.scheme ?? PROBE_DEFAULTS.httpScheme, host, port, path: path.startsWith('/') ? path : `/${path}`, headers };
}

/** What to run, or why it cannot be run (an errored probe: kubelet reports it and discards the result). */
export function targetOf(
  handler: Pick<Probe, 'exec' | 'httpGet' | 'tcpSocket'>,
  container: Container,
  podIp: string | undefined,
): ProbeTarget | string {
  if (handler.exec) return { type: 'exec', command: handler.exec.command };
  if (handler.httpGet) return httpTarget(handler.httpGet, container, podIp);
  if (handler.tcpSocket) {
    const port = resolvePort(handler.tcpSocket.port, container);
    if (typeof port === 'string') return port;
    const host = handler.tcpSocket.host || podIp;
    if (!host) return 'the pod has no IP address yet';
    return { type: 'tcp', host, port };
  }
  return 'missing probe handler';
}
