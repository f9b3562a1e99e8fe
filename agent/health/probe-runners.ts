/**
 * Runs one probe attempt, the way kubelet's probers do (pkg/probe/{exec,http,tcp}): exec
 * succeeds on exit code 0; httpGet on a status from 200 to 399 (kubelet follows redirects; a
 * 3xx counts as success here), without verifying HTTPS certificates and with the
 * `kube-probe/1.32` User-Agent; tcpSocket when a connection opens. The messages are kubelet's
 * (Go's) so that what a Kubernetes user searches for is what they see. Only node: built-ins,
 * loaded lazily except node:net and node:http, which the agent already has in memory.
 */
import { request as httpRequest, type RequestOptions, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { ExecResult } from '../runtime/docker-api.js';
import type { ProbeTarget } from './probe-spec.js';
import type { ProbeOutcome } from './probe-state.js';

/** `unknown`: the probe could not run (kubelet throws such a result away). */
export interface ProbeAttempt {
  outcome: ProbeOutcome | 'unknown';
  /** Why it failed, as kubelet words it (empty on success). */
  output: string;
}

export type ExecInContainer = (command: string[], timeoutMs: number) => Promise<ExecResult>;

/** kubelet's User-Agents: probes say kube-probe, lifecycle hooks kube-lifecycle. */
export const PROBE_USER_AGENT = 'kube-probe/1.32';
export const LIFECYCLE_USER_AGENT = 'kube-lifecycle/1.32';

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { code?: string }).code : undefined;
}

/** host:port as Go's net.JoinHostPort writes it (IPv6 in brackets). */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's wording of a failed dial: "dial tcp 10.0.0.5:80: connect: connection refused". */
function dialError(host: string, port: number, err: unknown): string {
  const code = errorCode(err);
  const reason =
    code === 'ECONNREFUSED' ? 'connect: connection refused' : code === 'EHOSTUNREACH' ? 'connect: no route to host' : code === 'ENETUNREACH' ? 'connect: network is unreachable' : err instanceof Error ? err.message : String(err);
  return `dial tcp ${hostPort(host, port)}: ${reason}`;
}

export async function runExec(command: string[], timeoutMs: number, exec: ExecInContainer): Promise<ProbeAttempt> {
  let result: ExecResult;
  try {
    result = await exec(command, timeoutMs);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A timeout is a failure (Kubernetes >= 1.20); anything else means the probe did not run.
    if (message.endsWith('timed out')) return { outcome: 'failure', output: message };
    return { outcome: 'unknown', output: message };
  }
  return result.exitCode === 0 ? { outcome: 'success', output: '' } : { outcome: 'failure', output: result.output.trimEnd() };
}

export function runTcp(host: string, port: number, timeoutMs: number): Promise<ProbeAttempt> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (attempt: ProbeAttempt): void => {
      socket.destroy();
      resolve(attempt);
    };
    socket.setTimeout(timeoutMs, () => finish({ outcome: 'failure', output: `dial tcp ${hostPort(host, port)}: i/o timeout` }));
    socket.once('connect', () => finish({ outcome: 'success', output: '' }));
    socket.once('error', (err) => finish({ outcome: 'failure', output: dialError(host, port, err) }));
  });
}

/**
 * One GET. A probe passes on 200-399; a lifecycle hook (`anyStatus`) on any answer at all —
 * kubelet's runHTTPHandler only reports transport errors.
 */
export async function runHttpGet(target: Extract<ProbeTarget, { type: 'http' }>, timeoutMs: number, how: { userAgent?: string; anyStatus?: boolean } = {}): Promise<ProbeAttempt> {
  const url = `${target.scheme.toLowerCase()}://${hostPort(target.host, target.port)}${target.path}`;
  const options: RequestOptions = {
    host: target.host,
    port: target.port,
    path: target.path,
    method: 'GET',
    headers: { 'User-Agent': how.userAgent ?? PROBE_USER_AGENT, Accept: '*/*', Connection: 'close', ...target.headers },
    timeout: timeoutMs,
  };
  const request = target.scheme === 'HTTPS' ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (attempt: ProbeAttempt): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      resolve(attempt);
    };
    // One deadline for the whole exchange, as Go's http.Client.Timeout.
    const deadline = setTimeout(
      () => finish({ outcome: 'failure', output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` }),
      timeoutMs,
    );
    const req = request({ ...options, ...(target.scheme === 'HTTPS' ? { rejectUnauthorized: false } : {}) }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      res.resume(); // the body is not needed; drain it so the socket closes
      if (how.anyStatus || (status >= 200 && status < 400)) finish({ outcome: 'success', output: '' });
      else finish({ outcome: 'failure', output: `HTTP probe failed with statuscode: ${status}` });
    });
    req.once('error', (err) => finish({ outcome: 'failure', output: `Get "${url}": ${dialError(target.host, target.port, err)}` }));
    req.end();
  });
}

export function runProbe(target: ProbeTarget, timeoutMs: number, exec: ExecInContainer): Promise<ProbeAttempt> {
  switch (target.type) {
    case 'exec':
      return runExec(target.command, timeoutMs, exec);
    case 'http':
      return runHttpGet(target, timeoutMs);
    case 'tcp':
      return runTcp(target.host, target.port, timeoutMs);
  }
}
