/**
 * Which Pods `skiff drain` evicts, as kubectl 1.32's drain filters (k8s.io/kubectl/pkg/drain/
 * filters.go): mirror Pods are skipped; DaemonSet Pods need --ignore-daemonsets (and then stay);
 * Pods with emptyDir need --delete-emptydir-data; Pods without a controller need --force. Any
 * refusal aborts the whole drain before a single Pod is touched.
 */
import { SkiffError } from '../../shared/errors.js';

export interface DrainPod {
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }>;
  };
  spec?: { nodeName?: string; volumes?: Array<{ name?: string; emptyDir?: unknown }> };
  status?: { phase?: string };
}

export interface DrainFlags {
  ignoreDaemonSets: boolean;
  deleteEmptyDirData: boolean;
  force: boolean;
}

export interface DrainPlan {
  /** The Pods to evict, in list order. */
  evict: DrainPod[];
  /** kubectl's warning text ("ignoring DaemonSet-managed Pods: ns/a; ..."), or "" when none. */
  warnings: string;
  /** One message per kind of refusal ("cannot delete ...: ns/a, ns/b"); empty when drain may proceed. */
  errors: string[];
}

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
const DAEMONSET_FATAL = 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
const DAEMONSET_WARNING = 'ignoring DaemonSet-managed Pods';
const LOCAL_STORAGE_FATAL = 'Pods with local storage (use --delete-emptydir-data to override)';
const LOCAL_STORAGE_WARNING = 'deleting Pods with local storage';
const UNMANAGED_FATAL = 'Pods declare no controller (use --force to override)';
const UNMANAGED_WARNING = 'deleting Pods that declare no controller';

type Verdict = { delete: true; warning?: string } | { delete: false; warning?: string; error?: string };

function controllerOf(pod: DrainPod): { kind: string } | undefined {
  return pod.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

function finished(pod: DrainPod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** The filters in kubectl's order; the first that does not allow deletion decides. */
const FILTERS: Array<(pod: DrainPod, flags: DrainFlags) => Verdict> = [
  function daemonSet(pod, flags) {
    if (controllerOf(pod)?.kind !== 'DaemonSet' || pod.metadata.deletionTimestamp !== undefined) return { delete: true };
    return flags.ignoreDaemonSets ? { delete: false, warning: DAEMONSET_WARNING } : { delete: false, error: DAEMONSET_FATAL };
  },
  function mirror(pod) {
    return pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined ? { delete: false } : { delete: true };
  },
  function localStorage(pod, flags) {
    const hasEmptyDir = (pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined);
    if (!hasEmptyDir || finished(pod)) return { delete: true };
    return flags.deleteEmptyDirData ? { delete: true, warning: LOCAL_STORAGE_WARNING } : { delete: false, error: LOCAL_STORAGE_FATAL };
  },
  function unreplicated(pod, flags) {
    if (finished(pod) || controllerOf(pod) !== undefined) return { delete: true };
    return flags.force ? { delete: true, warning: UNMANAGED_WARNING } : { delete: false, error: UNMANAGED_FATAL };
  },
];

function podKey(pod: DrainPod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/** GetPodsForDeletion for the Pods bound to one node. */
export function planDrain(pods: readonly DrainPod[], flags: DrainFlags): DrainPlan {
  const evict: DrainPod[] = [];
  const warnings = new Map<string, string[]>();
  const errors = new Map<string, string[]>();
  const note = (into: Map<string, string[]>, message: string, pod: DrainPod): void => {
    into.set(message, [...(into.get(message) ?? []), podKey(pod)]);
  };
  for (const pod of pods) {
    let verdict: Verdict = { delete: true };
    for (const filter of FILTERS) {
      verdict = filter(pod, flags);
      if (!verdict.delete) break;
    }
    if (!verdict.delete && verdict.error !== undefined) note(errors, verdict.error, pod);
    else if (verdict.warning !== undefined) note(warnings, verdict.warning, pod);
    if (verdict.delete) evict.push(pod);
  }
  return {
    evict,
    warnings: [...warnings].map(([message, keys]) => `${message}: ${keys.join(', ')}`).join('; '),
    errors: [...errors].map(([message, keys]) => `cannot delete ${message}: ${keys.join(', ')}`),
  };
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several in brackets. */
export function aggregateMessage(messages: readonly string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}

/** --grace-period: an integer; negative (the default -1) means each Pod's own grace period. */
export function parseGracePeriod(text: string): number {
  if (!/^[+-]?\d+$/.test(text.trim())) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid argument "${text}" for "--grace-period" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
  }
  return Number(text);
}

/** Go's time.Duration.String() for whole milliseconds: "500ms", "5s", "2m0s", "1h0m0s", "1m30.5s". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}
