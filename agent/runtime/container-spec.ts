/**
 * A pod container as a Docker create body (pure, unit-tested). Kubernetes semantics mapped onto
 * Docker's: `command` replaces the image's ENTRYPOINT and `args` its CMD (Docker ignores the
 * image's CMD when Entrypoint is set, as Kubernetes ignores it when command is set); Docker never
 * restarts a container itself (RestartPolicy "no"): Skiff does, with Kubernetes' backoff.
 *
 * Variables: `$(VAR)` references in env values, command and args are expanded as kubelet does
 * (see expandReferences); Docker itself never expands anything in Env, Entrypoint or Cmd.
 *
 * Networking: the container joins its pod's sandbox (sandbox-spec.ts), as kubelet's containers
 * join the pause container: one IP, localhost, ports and hostname for the whole pod.
 */
import type { Container } from '../../shared/api/schema/pod.js';
import { bytes, cpuMillicores } from '../../shared/api/quantity.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import type { CreateContainerBody } from './docker-api.js';
import { resolvePreStop } from '../health/pre-stop.js';
import { containerName, labelsFor, type ContainerIdentity } from './labels.js';

export interface ContainerSpecInput {
  node: string;
  pod: DesiredPod;
  /** The running pod sandbox whose network namespace (and hostname) the container joins. */
  sandboxId: string;
  container: Container;
  attempt: number;
  hash: string;
  graceSeconds: number;
  /** --pod-max-pids: the most processes (threads) the container may have; undefined: unlimited. */
  pidsLimit?: number;
  /**
   * The environment already resolved (agent/config/env-resolution.ts: envFrom, valueFrom, `$(VAR)`);
   * undefined: built from the container's literal `env` alone.
   */
  environment?: ReadonlyArray<readonly [string, string]>;
  /** Host paths of the pod's volumes, bound into the container (agent/volumes). */
  mounts?: ReadonlyArray<{ source: string; target: string; readOnly: boolean }>;
}

/** Docker's CpuShares from a CPU request, as kubelet computes it (MilliCPUToShares: min 2). */
export function cpuShares(millicores: number): number {
  return Math.max(2, Math.floor((millicores * 1024) / 1000));
}

/**
 * Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion, Expand): `$(NAME)` becomes
 * the value of NAME when `vars` has it and stays as written when it does not; `$$` is an escaped
 * `$` (so `$$(NAME)` yields the literal `$(NAME)`); any other `$`, an unterminated `$(` and a `$`
 * at the end pass through unchanged. Values are not expanded again (no recursion).
 */
export function expandReferences(input: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length - 1; cursor++) {
    if (input[cursor] !== '$') continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1]!;
    const close = next === '(' ? input.indexOf(')', cursor + 2) : -1;
    if (close !== -1) {
      const name = input.slice(cursor + 2, close);
      out += vars.get(name) ?? `$(${name})`;
      cursor = close;
    } else {
      // "$$" -> "$"; "$(" without a closer and "$x" are kept as they are.
      out += next === '$' ? '$' : `$${next}`;
      cursor += 1;
    }
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/**
 * A container's environment as kubelet builds it (makeEnvironmentVariables): each value may refer
 * to variables declared BEFORE it (not to later ones, nor to the image's ENV); a name declared
 * twice keeps its first position and its last value. Returned in declaration order.
 */
export function containerEnvironment(env: Container['env']): Map<string, string> {
  const vars = new Map<string, string>();
  for (const e of env ?? []) vars.set(e.name, e.value ? expandReferences(e.value, vars) : '');
  return vars;
}

export function containerCreateBody(input: ContainerSpecInput): CreateContainerBody {
  const { pod, container } = input;
  const identity: ContainerIdentity = {
    namespace: pod.metadata.namespace,
    podName: pod.metadata.name,
    podUid: pod.metadata.uid,
    container: container.name,
    hash: input.hash,
    attempt: input.attempt,
  };
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  // An invalid quantity throws here: the create fails and shows as CreateContainerError.
  const memory = limits.memory !== undefined ? bytes(limits.memory) : undefined;
  const cpuLimit = limits.cpu !== undefined ? cpuMillicores(limits.cpu) : undefined;
  const cpuRequest = requests.cpu !== undefined ? cpuMillicores(requests.cpu) : undefined;
  // command and args see the container's final environment (kubelet: ExpandContainerCommandAndArgs).
  const env = input.environment ? new Map(input.environment) : containerEnvironment(container.env);
  const expand = (list: readonly string[]): string[] => list.map((item) => expandReferences(item, env));
  return {
    name: containerName(input.node, identity),
    Image: container.image,
    ...(container.command?.length ? { Entrypoint: expand(container.command) } : {}),
    ...(container.args?.length ? { Cmd: expand(container.args) } : {}),
    ...(env.size > 0 ? { Env: [...env].map(([name, value]) => `${name}=${value}`) } : {}),
    ...(container.workingDir ? { WorkingDir: container.workingDir } : {}),
    // No Hostname and no ports: both belong to the sandbox's namespaces, which this container joins.
    Labels: labelsFor(input.node, identity, input.graceSeconds, resolvePreStop(container)),
    HostConfig: {
      RestartPolicy: { Name: 'no' },
      NetworkMode: `container:${input.sandboxId}`,
      // MemorySwap equal to Memory: no swap beyond the limit, as Kubernetes (cgroup v1 and v2).
      ...(memory !== undefined ? { Memory: memory, MemorySwap: memory } : {}),
      ...(cpuLimit !== undefined ? { NanoCpus: cpuLimit * 1_000_000 } : {}),
      ...(cpuRequest !== undefined ? { CpuShares: cpuShares(cpuRequest) } : {}),
      // A fork bomb in one Pod must not take the device's PIDs (Skiff has no pod cgroup: per container).
      ...(input.pidsLimit !== undefined ? { PidsLimit: input.pidsLimit } : {}),
      ...(input.mounts?.length ? { Mounts: input.mounts.map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly })) } : {}),
    },
  };
}
