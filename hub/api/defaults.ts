/**
 * Kubernetes' defaulting, applied by the API to every object it stores (and by controllers to the
 * objects they create), so that `get -o yaml` shows what Kubernetes would and the rest of the hub
 * never guesses a default again.
 */
import { DEFAULTS, PROBE_DEFAULTS } from '../../shared/defaults.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { Container, EnvVar, HttpGetAction, LifecycleHandler, PodSpec, Probe } from '../../shared/api/schema/pod.js';
import { computePodQos } from '../../shared/api/qos.js';
import { MEMORY_PRESSURE_TAINT, NOT_READY_TAINT, UNREACHABLE_TAINT } from '../../shared/api/taint-keys.js';
import { nodeLostPolicyOf, type NodeLostPolicy } from '../../shared/api/annotations.js';
import { defaultDaemonSet } from './daemonset-defaults.js';
import { foldStringData } from '../../shared/api/schema/config.js';
import { defaultService } from '../objects/service-defaults.js';

/** Kubernetes: ":latest" or no tag means Always, anything else IfNotPresent. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const lastSlash = image.lastIndexOf('/');
  const nameAndTag = image.slice(lastSlash + 1);
  if (nameAndTag.includes('@')) return 'IfNotPresent'; // pinned by digest
  const colon = nameAndTag.indexOf(':');
  const tag = colon >= 0 ? nameAndTag.slice(colon + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHttpGet(action: HttpGetAction): HttpGetAction {
  return { ...action, path: action.path ?? PROBE_DEFAULTS.httpPath, scheme: action.scheme ?? PROBE_DEFAULTS.httpScheme };
}

function defaultProbe(probe: Probe | undefined): Probe | undefined {
  if (!probe) return undefined;
  return {
    ...probe,
    ...(probe.httpGet ? { httpGet: defaultHttpGet(probe.httpGet) } : {}),
    timeoutSeconds: probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds,
    periodSeconds: probe.periodSeconds ?? PROBE_DEFAULTS.periodSeconds,
    successThreshold: probe.successThreshold ?? PROBE_DEFAULTS.successThreshold,
    failureThreshold: probe.failureThreshold ?? PROBE_DEFAULTS.failureThreshold,
  };
}

function defaultHandler(handler: LifecycleHandler | undefined): LifecycleHandler | undefined {
  return handler?.httpGet ? { ...handler, httpGet: defaultHttpGet(handler.httpGet) } : handler;
}

function defaultContainer(c: Container): Container {
  const probes = {
    livenessProbe: defaultProbe(c.livenessProbe),
    readinessProbe: defaultProbe(c.readinessProbe),
    startupProbe: defaultProbe(c.startupProbe),
    lifecycle: c.lifecycle ? { ...c.lifecycle, preStop: defaultHandler(c.lifecycle.preStop) } : undefined,
  };
  return {
    ...c,
    ...Object.fromEntries(Object.entries(probes).filter(([, v]) => v !== undefined)),
    imagePullPolicy: c.imagePullPolicy ?? defaultPullPolicy(c.image),
    terminationMessagePath: c.terminationMessagePath ?? '/dev/termination-log',
    terminationMessagePolicy: c.terminationMessagePolicy ?? 'File',
    resources: c.resources ?? {},
    ports: c.ports?.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })),
    env: c.env?.map(defaultEnvVar),
  };
}

/** SetDefaults_ObjectFieldSelector: a fieldRef's apiVersion is "v1" (kubectl describe prints it). */
function defaultEnvVar(e: EnvVar): EnvVar {
  const fieldRef = e.valueFrom?.fieldRef;
  if (!fieldRef || fieldRef.apiVersion !== undefined) return e;
  return { ...e, valueFrom: { ...e.valueFrom, fieldRef: { ...fieldRef, apiVersion: 'v1' } } };
}

export function defaultPodSpec(spec: PodSpec): PodSpec {
  return {
    ...spec,
    containers: spec.containers.map(defaultContainer),
    restartPolicy: spec.restartPolicy ?? 'Always',
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds,
    dnsPolicy: spec.dnsPolicy ?? 'ClusterFirst',
    schedulerName: spec.schedulerName ?? 'default-scheduler',
  };
}

/**
 * SetDefaults_Pod: a container that limits a resource without requesting it requests its limit.
 * Pods only, as in Kubernetes (a template keeps what its author wrote, so its hash is stable).
 */
export function withRequestsFromLimits(spec: PodSpec): PodSpec {
  const withRequests = (c: Container): Container => {
    const limits = c.resources?.limits;
    if (!limits || Object.keys(limits).length === 0) return c;
    return { ...c, resources: { ...c.resources, requests: { ...limits, ...c.resources?.requests } } };
  };
  return { ...spec, containers: spec.containers.map(withRequests) };
}

type TolerationLike = { key?: string; operator?: string; effect?: string; tolerationSeconds?: number };

/**
 * Admission's tolerations for every new Pod:
 * - DefaultTolerationSeconds: it tolerates a not-ready or unreachable node for 300 s before
 *   taint-based eviction moves it, unless it says otherwise for that taint; with Skiff's node-lost
 *   policy `keep` (shared/api/annotations.ts) it tolerates them without a time limit instead, so
 *   it stays on its node however long the node is gone, as a DaemonSet Pod does;
 * - a Pod that is not BestEffort tolerates `memory-pressure` (NoSchedule), as Kubernetes
 *   documents: Guaranteed and Burstable Pods are deemed able to cope, new BestEffort Pods are
 *   kept off a node short of memory.
 */
export function withDefaultTolerations(spec: PodSpec, nodeLost: NodeLostPolicy = 'replace'): PodSpec {
  const tolerations: TolerationLike[] = ((spec as { tolerations?: TolerationLike[] }).tolerations ?? []).slice();
  for (const key of [NOT_READY_TAINT, UNREACHABLE_TAINT]) {
    const covered = tolerations.some((t) => t.key === key && (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute'));
    if (covered) continue;
    tolerations.push(nodeLost === 'keep' ? { key, operator: 'Exists', effect: 'NoExecute' } : { key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULTS.defaultTolerationSeconds });
  }
  const memoryCovered = tolerations.some((t) => t.key === MEMORY_PRESSURE_TAINT && t.operator === 'Exists' && (t.effect === undefined || t.effect === '' || t.effect === 'NoSchedule'));
  if (!memoryCovered && computePodQos({ spec }) !== 'BestEffort') tolerations.push({ key: MEMORY_PRESSURE_TAINT, operator: 'Exists', effect: 'NoSchedule' });
  return { ...spec, tolerations } as PodSpec;
}

/**
 * SetDefaults_HorizontalPodAutoscaler (autoscaling/v2): minReplicas 1, no metrics means CPU at
 * 80% of request, and a behavior that is given has every unset rule filled in (Pods 4 and 100% per
 * 15 s up, 100% per 15 s down, selectPolicy Max, no scale-up stabilization). An absent behavior
 * stays absent, and so does scaleDown.stabilizationWindowSeconds: the controller's
 * --horizontal-pod-autoscaler-downscale-stabilization applies then, as in Kubernetes.
 */
function defaultHorizontalPodAutoscaler(object: KubeObject): KubeObject {
  const d = DEFAULTS.autoscaling;
  type Rules = { stabilizationWindowSeconds?: number; selectPolicy?: string; policies?: unknown[] };
  const spec = object.spec as { minReplicas?: number; metrics?: unknown[]; behavior?: { scaleUp?: Rules; scaleDown?: Rules } };
  const behavior = spec.behavior && {
    scaleUp: {
      stabilizationWindowSeconds: spec.behavior.scaleUp?.stabilizationWindowSeconds ?? d.scaleUp.stabilizationWindowSeconds,
      selectPolicy: spec.behavior.scaleUp?.selectPolicy ?? d.scaleUp.selectPolicy,
      policies: spec.behavior.scaleUp?.policies ?? [
        { type: 'Pods', value: d.scaleUp.podsValue, periodSeconds: d.scaleUp.periodSeconds },
        { type: 'Percent', value: d.scaleUp.percentValue, periodSeconds: d.scaleUp.periodSeconds },
      ],
    },
    scaleDown: {
      ...(spec.behavior.scaleDown?.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: spec.behavior.scaleDown.stabilizationWindowSeconds } : {}),
      selectPolicy: spec.behavior.scaleDown?.selectPolicy ?? d.scaleDown.selectPolicy,
      policies: spec.behavior.scaleDown?.policies ?? [{ type: 'Percent', value: d.scaleDown.percentValue, periodSeconds: d.scaleDown.periodSeconds }],
    },
  };
  return {
    ...object,
    spec: {
      ...spec,
      minReplicas: spec.minReplicas ?? d.minReplicas,
      metrics:
        spec.metrics && spec.metrics.length > 0
          ? spec.metrics
          : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: d.cpuUtilizationPercent } } }],
      ...(behavior ? { behavior } : {}),
    },
  };
}

interface WorkloadSpec {
  replicas?: number;
  template: { metadata?: KubeObject['metadata']; spec: PodSpec };
  [key: string]: unknown;
}

export function applyDefaults(object: KubeObject): KubeObject {
  switch (object.kind) {
    case 'Pod': {
      const spec = withDefaultTolerations(withRequestsFromLimits(defaultPodSpec(object.spec as PodSpec)), nodeLostPolicyOf(object.metadata.annotations));
      // As the API server's PrepareForCreate: the QoS class is fixed from the defaulted spec.
      return { ...object, spec, status: { ...(object.status as object | undefined), qosClass: computePodQos({ spec }) } };
    }
    case 'Deployment': {
      const spec = object.spec as WorkloadSpec & { strategy?: { type?: string; rollingUpdate?: object } };
      const strategyType = spec.strategy?.type ?? 'RollingUpdate';
      return {
        ...object,
        spec: {
          ...spec,
          replicas: spec.replicas ?? 1,
          revisionHistoryLimit: spec.revisionHistoryLimit ?? DEFAULTS.revisionHistoryLimit,
          progressDeadlineSeconds: spec.progressDeadlineSeconds ?? DEFAULTS.progressDeadlineSeconds,
          strategy:
            strategyType === 'RollingUpdate'
              ? { type: strategyType, rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%', ...spec.strategy?.rollingUpdate } }
              : { type: strategyType },
          template: { ...spec.template, spec: defaultPodSpec(spec.template.spec) },
        },
      };
    }
    case 'ReplicaSet': {
      const spec = object.spec as WorkloadSpec;
      return { ...object, spec: { ...spec, replicas: spec.replicas ?? 1, template: { ...spec.template, spec: defaultPodSpec(spec.template.spec) } } };
    }
    case 'DaemonSet':
      return defaultDaemonSet(object);
    case 'HorizontalPodAutoscaler':
      return defaultHorizontalPodAutoscaler(object);
    case 'Namespace':
      return defaultNamespace(object);
    case 'Service':
      return defaultService(object);
    case 'Secret':
      // As kube-apiserver: stringData is write-only, folded into data (base64) and never stored.
      return foldStringData(object as KubeObject & { data?: Record<string, string>; stringData?: Record<string, string>; type?: string }) as KubeObject;
    default:
      return object;
  }
}

/**
 * As the API server's namespace strategy (PrepareForCreate): status Active, and the "kubernetes"
 * finalizer always present (appended to any the client set), so the namespace controller
 * (hub/controllers/namespace-controller.ts) empties a deleted namespace before it goes.
 */
function defaultNamespace(object: KubeObject): KubeObject {
  const spec = (object.spec ?? {}) as { finalizers?: string[] };
  const finalizers = spec.finalizers ?? [];
  return { ...object, spec: { ...spec, finalizers: finalizers.includes('kubernetes') ? finalizers : [...finalizers, 'kubernetes'] }, status: { phase: 'Active' } };
}
