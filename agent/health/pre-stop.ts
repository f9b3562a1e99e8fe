/**
 * The preStop hook (Kubernetes' container lifecycle): resolved when the container is created —
 * kept on a label, because when the pod is deleted the agent no longer has its spec — and run
 * before the container is sent SIGTERM, within the grace period.
 */
import type { Container } from '../../shared/api/schema/pod.js';
import { PROBE_DEFAULTS } from '../../shared/defaults.js';
import type { PreStopHandler } from '../runtime/labels.js';
import { resolvePort } from './probe-spec.js';
import { LIFECYCLE_USER_AGENT, runExec, runHttpGet, type ExecInContainer } from './probe-runners.js';

/** The container's preStop hook in label form; undefined without one or with an unknown named port. */
export function resolvePreStop(container: Container): PreStopHandler | undefined {
  const hook = container.lifecycle?.preStop;
  if (!hook) return undefined;
  if (hook.exec) return { exec: { command: hook.exec.command } };
  if (hook.sleep) return { sleep: { seconds: hook.sleep.seconds } };
  if (hook.httpGet) {
    const port = resolvePort(hook.httpGet.port, container);
    if (typeof port === 'string') return undefined; // validation names the ports; a stale name is skipped
    const headers = Object.fromEntries((hook.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
    const path = hook.httpGet.path ?? PROBE_DEFAULTS.httpPath;
    return {
      httpGet: {
        scheme: hook.httpGet.scheme ?? PROBE_DEFAULTS.httpScheme,
        ...(hook.httpGet.host ? { host: hook.httpGet.host } : {}),
        port,
        path: path.startsWith('/') ? path : `/${path}`,
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
      },
    };
  }
  return undefined;
}

/** kubelet: after the hook, the container still gets at least this long to handle SIGTERM. */
export const MIN_GRACE_AFTER_HOOK_SECONDS = 2;

/** The grace left for SIGTERM once the hook took `hookMs` (kubelet's killContainer arithmetic). */
export function graceAfterHook(graceSeconds: number, hookMs: number): number {
  return Math.max(MIN_GRACE_AFTER_HOOK_SECONDS, graceSeconds - Math.floor(hookMs / 1000));
}

/** Runs the hook for at most timeoutMs; resolves with why it failed, or undefined when it succeeded. */
export async function runPreStop(handler: PreStopHandler, exec: ExecInContainer, podIp: string | undefined, timeoutMs: number): Promise<string | undefined> {
  if ('sleep' in handler) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(handler.sleep.seconds * 1000, timeoutMs)));
    return undefined;
  }
  if ('exec' in handler) {
    const attempt = await runExec(handler.exec.command, timeoutMs, exec);
    return attempt.outcome === 'success' ? undefined : `command ${JSON.stringify(handler.exec.command.join(' '))} failed: ${attempt.output}`;
  }
  const host = handler.httpGet.host ?? podIp;
  if (!host) return 'the pod has no IP address';
  const attempt = await runHttpGet({ type: 'http', ...handler.httpGet, host, headers: handler.httpGet.headers ?? {} }, timeoutMs, { userAgent: LIFECYCLE_USER_AGENT, anyStatus: true });
  return attempt.outcome === 'success' ? undefined : attempt.output;
}
