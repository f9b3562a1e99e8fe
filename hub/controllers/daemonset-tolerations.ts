/**
 * Tolerations as the daemon controller needs them: the ones every daemon Pod gets
 * (pkg/controller/daemon/util AddOrUpdateDaemonPodTolerations), so daemons keep running on nodes
 * that are not ready, unreachable, under pressure or cordoned; matching is the scheduler's
 * (hub/scheduler/taints.ts). The not-ready and unreachable ones carry no tolerationSeconds: every
 * daemon Pod has the node-lost policy `keep` (shared/api/annotations.ts), whatever its template
 * says. Pure.
 */

import { tolerates, type Taint, type Toleration } from '../scheduler/taints.js';

export { tolerates };
export type { Toleration };
export type NodeTaint = Taint;

const exists = (key: string, effect: 'NoSchedule' | 'NoExecute'): Toleration => ({ key, operator: 'Exists', effect });

/** In Kubernetes' order; network-unavailable only for hostNetwork Pods. */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  return [
    exists('node.kubernetes.io/not-ready', 'NoExecute'),
    exists('node.kubernetes.io/unreachable', 'NoExecute'),
    exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(hostNetwork ? [exists('node.kubernetes.io/network-unavailable', 'NoSchedule')] : []),
  ];
}

/** Toleration.MatchToleration: the same key, operator, value and effect. */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

function isToleration(value: unknown): value is Toleration {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The template's tolerations (read defensively: anything but an array of objects is none) with the
 * daemon tolerations added; one equal to a daemon toleration is replaced in place, as
 * AddOrUpdateTolerationInPodSpec does.
 */
export function daemonPodTolerations(templateTolerations: unknown, hostNetwork: boolean): Toleration[] {
  const own = Array.isArray(templateTolerations) ? templateTolerations.filter(isToleration) : [];
  const out = [...own];
  for (const daemon of daemonTolerations(hostNetwork)) {
    const at = out.findIndex((t) => sameToleration(t, daemon));
    if (at >= 0) out[at] = daemon;
    else out.push(daemon);
  }
  return out;
}

export function toleratesAll(tolerations: readonly Toleration[], taints: readonly NodeTaint[]): boolean {
  return taints.every((taint) => tolerations.some((tol) => tolerates(tol, taint)));
}
