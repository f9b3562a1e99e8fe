/**
 * A container's environment as kubelet builds it (pkg/kubelet/kubelet_pods.go,
 * makeEnvironmentVariables), pure: envFrom sources first, in order, then `env` entries, which
 * override them; `value`s expand `$(VAR)` over what is defined before them (valueFrom values are
 * taken literally); a name defined twice keeps its first position and its last value.
 *
 * Errors are kubelet's, word for word, since they surface as the container's waiting message
 * (CreateContainerConfigError) and in its `Failed` event: `configmap "x" not found`,
 * `couldn't find key k in ConfigMap ns/x` (and the same for Secrets). `optional: true` skips a
 * missing object or key silently. envFrom keys that are not valid variable names are skipped with
 * a Warning event (InvalidEnvironmentVariableNames), as kubelet records.
 *
 * Service variables (agent/services/service-env.ts, passed in as facts.serviceEnv) join as in
 * kubelet: a `$(VAR)` in a value may name one (the container's own variables defined before it
 * come first), and each is added after the container's variables unless the container defines a
 * variable of that name itself (envFrom or env: the container wins).
 *
 * Resolved once, when a container is created: a later ConfigMap or Service change does not touch
 * a running container (Kubernetes restarts nothing either), so none of this enters the spec hash.
 */
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import { bytes, cpuMillicores, parseQuantity } from '../../shared/api/quantity.js';
import { expandReferences } from '../runtime/container-spec.js';
import { decodedValue, type ConfigKind, type ConfigLookup } from './config-lookup.js';

/** core/v1 shapes the resolution reads (structural: the Pod schema's types fit them). */
export interface KeySelector {
  name?: string;
  key: string;
  optional?: boolean;
}
export interface EnvVarSource {
  configMapKeyRef?: KeySelector;
  secretKeyRef?: KeySelector;
  fieldRef?: { fieldPath: string; apiVersion?: string };
  resourceFieldRef?: { containerName?: string; resource: string; divisor?: string | number };
}
export interface EnvVarSpec {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
}
export interface EnvFromSpec {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}
export interface EnvConsumer {
  env?: readonly EnvVarSpec[];
  envFrom?: readonly EnvFromSpec[];
}

/** What only the node knows. podIP is undefined when it cannot be known before the container starts. */
export interface NodeFieldFacts {
  nodeName: string;
  hostIP: string;
  podIP?: string;
  /** The node's allocatable quantities (cpu, memory, ephemeral-storage): a limit left unset reads these. */
  allocatable?: Readonly<Record<string, string>>;
  /**
   * The Pod's Service variables (serviceEnvironment in agent/services/service-env.ts, which
   * applies spec.enableServiceLinks). Absent: none, as for a node that has no Services view yet.
   */
  serviceEnv?: ReadonlyMap<string, string>;
}

export interface EnvWarning {
  reason: 'InvalidEnvironmentVariableNames';
  message: string;
}

export type EnvResolution =
  | { env: Map<string, string>; warnings: EnvWarning[] }
  | { error: { reason: 'CreateContainerConfigError'; message: string } };

/** k8s.io/apimachinery validation IsEnvVarName. */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** kubelet's NotFound text for the object (the resource is singular in the kubelet's managers). */
function notFound(kind: ConfigKind, name: string): string {
  return `${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${name}" not found`;
}

class ResolutionError extends Error {}

/** metadata.labels['key'] -> ['labels', 'key'] */
function subscripted(path: string): [string, string] | undefined {
  const match = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  return match ? [match[1]!, match[2]!] : undefined;
}

/** kubelet's podFieldSelectorRuntimeValue for the fields Skiff knows. */
export function fieldValue(pod: DesiredPod, fieldPath: string, facts: NodeFieldFacts): string {
  const spec = pod.spec as DesiredPod['spec'] & { serviceAccountName?: string };
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'spec.nodeName':
      return facts.nodeName;
    case 'spec.serviceAccountName':
      // Kubernetes' ServiceAccount admission fills in "default" when a Pod names none.
      return spec.serviceAccountName ?? 'default';
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return facts.podIP ?? '';
  }
  const sub = subscripted(fieldPath);
  if (sub) return (sub[0] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[sub[1]] ?? '';
  throw new ResolutionError(`unsupported fieldPath: ${fieldPath}`);
}

export function resolveEnv(pod: DesiredPod, container: EnvConsumer & { name?: string }, lookup: ConfigLookup, facts: NodeFieldFacts): EnvResolution {
  const namespace = pod.metadata.namespace;
  const env = new Map<string, string>();
  // What `$(VAR)` sees: kubelet's MappingFuncFor(tmpEnv, serviceEnv), the container's variables
  // so far first, then the Service variables. One overlay map kept in step with env.
  const serviceEnv = facts.serviceEnv;
  const scope = serviceEnv && serviceEnv.size > 0 ? new Map(serviceEnv) : env;
  const define = (name: string, value: string): void => {
    env.set(name, value);
    if (scope !== env) scope.set(name, value);
  };
  const warnings: EnvWarning[] = [];
  try {
    for (const source of container.envFrom ?? []) {
      const ref = source.configMapRef ?? source.secretRef;
      if (!ref) continue;
      const kind: ConfigKind = source.configMapRef ? 'ConfigMap' : 'Secret';
      const name = ref.name ?? '';
      const object = lookup(kind, namespace, name);
      if (!object) {
        if (ref.optional) continue;
        throw new ResolutionError(notFound(kind, name));
      }
      const invalid: string[] = [];
      for (const key of Object.keys(object.data)) {
        const variable = (source.prefix ?? '') + key;
        if (!ENV_VAR_NAME.test(variable)) {
          invalid.push(variable);
          continue;
        }
        define(variable, decodedValue(object, key)!);
      }
      if (invalid.length > 0) {
        invalid.sort();
        const what = kind === 'ConfigMap' ? 'configMap' : 'secret';
        warnings.push({
          reason: 'InvalidEnvironmentVariableNames',
          message: `Keys [${invalid.join(', ')}] from the EnvFrom ${what} ${namespace}/${name} were skipped since they are considered invalid environment variable names.`,
        });
      }
    }
    for (const entry of container.env ?? []) {
      const from = entry.valueFrom;
      if (!from) {
        define(entry.name, entry.value ? expandReferences(entry.value, scope) : '');
        continue;
      }
      const value = valueFrom(pod, container, from, lookup, facts);
      if (value !== undefined) define(entry.name, value);
    }
  } catch (err) {
    if (err instanceof ResolutionError) return { error: { reason: 'CreateContainerConfigError', message: err.message } };
    throw err;
  }
  // kubelet's "Append remaining service env vars": those the container did not define itself.
  for (const [name, value] of serviceEnv ?? []) {
    if (!env.has(name)) env.set(name, value);
  }
  return { env, warnings };
}

/** undefined: an optional reference that is missing (the variable is left out). */
function valueFrom(pod: DesiredPod, container: EnvConsumer & { name?: string }, from: EnvVarSource, lookup: ConfigLookup, facts: NodeFieldFacts): string | undefined {
  if (from.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath, facts);
  if (from.resourceFieldRef) return resourceValue(pod, container, from.resourceFieldRef, facts);
  const ref = from.configMapKeyRef ?? from.secretKeyRef;
  if (!ref) throw new ResolutionError('env valueFrom names no source');
  const kind: ConfigKind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
  const name = ref.name ?? '';
  const object = lookup(kind, pod.metadata.namespace, name);
  if (!object) {
    if (ref.optional) return undefined;
    throw new ResolutionError(notFound(kind, name));
  }
  const value = decodedValue(object, ref.key);
  if (value === undefined) {
    if (ref.optional) return undefined;
    throw new ResolutionError(`couldn't find key ${ref.key} in ${kind} ${pod.metadata.namespace}/${name}`);
  }
  return value;
}

type Resources = { limits?: Record<string, string | number>; requests?: Record<string, string | number> };

/**
 * kubelet's containerResourceRuntimeValue (pkg/api/v1/resource ExtractResourceValueByContainerName
 * with node allocatable merged in): the quantity divided by the divisor, rounded up. A limit left
 * unset is the node's allocatable; a request left unset is the limit (API defaulting), else 0.
 */
export function resourceValue(
  pod: DesiredPod,
  container: { name?: string },
  ref: NonNullable<EnvVarSource['resourceFieldRef']>,
  facts: NodeFieldFacts,
): string {
  const name = ref.containerName || container.name;
  const target = pod.spec.containers.find((c) => c.name === name) as { resources?: Resources } | undefined;
  if (!target) throw new ResolutionError(`container ${name ?? ''} not found in pod ${pod.metadata.namespace}/${pod.metadata.name}`);
  const [kind, resource] = ref.resource.split('.') as ['limits' | 'requests', string];
  const limit = target.resources?.limits?.[resource];
  const request = target.resources?.requests?.[resource];
  const quantity = kind === 'limits' ? (limit ?? facts.allocatable?.[resource]) : (request ?? limit ?? 0);
  if (quantity === undefined) throw new ResolutionError(`the node's allocatable ${resource} is not known yet`);
  if (parseQuantity(quantity) === undefined) throw new ResolutionError(`invalid quantity ${JSON.stringify(quantity)} for ${ref.resource}`);
  if (resource === 'cpu') {
    const divisor = cpuMillicores(ref.divisor ?? '1');
    return String(Math.ceil(cpuMillicores(quantity) / divisor));
  }
  return String(Math.ceil(bytes(quantity) / bytes(ref.divisor ?? '1')));
}

/** Whether a container reads anything from ConfigMaps, Secrets or the node (Service variables aside, which every container gets). */
export function needsResolution(container: EnvConsumer): boolean {
  return (container.envFrom?.length ?? 0) > 0 || (container.env ?? []).some((e) => e.valueFrom !== undefined);
}
