/**
 * The per-container block of `describe pod` and of pod templates, ported from kubectl 1.32's
 * describeContainers: identity and image, ports, command and args, state, resources, probes,
 * environment and mounts, each line in kubectl's words and order.
 *
 * Containers are read through loose shapes on purpose: probes, mounts and the like are looked up
 * by their Kubernetes field names whether or not Skiff's schema knows them yet.
 */
import type { ContainerState, ContainerStatus } from '../../../shared/api/status-types.js';
import { byteOrder } from './multiline.js';
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, type PrefixWriter } from './prefix-writer.js';
import { formatQuantity } from '../../../shared/api/quantity-text.js';
import { bytes, cpuMillicores, parseQuantity } from '../../../shared/api/quantity.js';
import { formatTime, type DescribeClock } from './time-format.js';

type IntOrString = number | string;

export interface ProbeLike {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port?: IntOrString; host?: string; scheme?: string };
  tcpSocket?: { port?: IntOrString; host?: string };
  grpc?: { port?: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface ContainerLike {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: ReadonlyArray<{ containerPort?: number; hostPort?: number; protocol?: string }>;
  env?: ReadonlyArray<EnvVarLike>;
  envFrom?: ReadonlyArray<EnvFromLike>;
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
}

interface KeyRefLike {
  name?: string;
  key: string;
  optional?: boolean;
}

export interface EnvVarLike {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { apiVersion?: string; fieldPath: string };
    resourceFieldRef?: { containerName?: string; resource: string; divisor?: string | number };
    configMapKeyRef?: KeyRefLike;
    secretKeyRef?: KeyRefLike;
  };
}

export interface EnvFromLike {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}

/** kubectl's EnvVarResolverFunc: a fieldRef's value for a Pod (absent for templates, which print it empty). */
export type FieldPathResolver = (fieldPath: string) => string;

/** What kubectl reads from a container that Skiff's schema may not declare (yet). */
interface ContainerExtras {
  livenessProbe?: ProbeLike;
  readinessProbe?: ProbeLike;
  startupProbe?: ProbeLike;
  volumeMounts?: ReadonlyArray<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>;
}

const extras = (c: ContainerLike): ContainerExtras => c as ContainerExtras;

/** IntOrString.String(). */
const intOrString = (value: IntOrString | undefined): string => (value === undefined ? '' : String(value));

/** net.JoinHostPort: IPv6 hosts go in brackets. */
const joinHostPort = (host: string, port: string): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** url.URL.EscapedPath for a plain path: everything but unreserved and path-safe bytes is %-escaped. */
function escapePath(path: string): string {
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** url.URL{Scheme, Host, Path}.String() as DescribeProbe builds it. */
function probeUrl(scheme: string, host: string, path: string): string {
  let text = scheme ? `${scheme}:` : '';
  if (scheme || host) text += host || path ? `//${host}` : '';
  const escaped = escapePath(path);
  if (escaped !== '' && !escaped.startsWith('/') && host !== '') text += '/';
  return text + escaped;
}

/** kubectl's DescribeProbe. Unset numbers print as 0, as Go's zero values would. */
export function describeProbe(probe: ProbeLike): string {
  const attrs =
    `delay=${probe.initialDelaySeconds ?? 0}s timeout=${probe.timeoutSeconds ?? 0}s period=${probe.periodSeconds ?? 0}s ` +
    `#success=${probe.successThreshold ?? 0} #failure=${probe.failureThreshold ?? 0}`;
  if (probe.exec) return `exec [${(probe.exec.command ?? []).join(' ')}] ${attrs}`;
  if (probe.httpGet) {
    const { host = '', path = '', scheme = '' } = probe.httpGet;
    const port = intOrString(probe.httpGet.port);
    return `http-get ${probeUrl(scheme.toLowerCase(), port ? joinHostPort(host, port) : host, path)} ${attrs}`;
  }
  if (probe.tcpSocket) return `tcp-socket ${probe.tcpSocket.host ?? ''}:${intOrString(probe.tcpSocket.port)} ${attrs}`;
  if (probe.grpc) return `grpc <pod>:${probe.grpc.port ?? 0} ${probe.grpc.service ?? ''} ${attrs}`;
  return `unknown ${attrs}`;
}

function describeStatus(stateName: string, state: ContainerState | undefined, w: PrefixWriter, clock: DescribeClock): void {
  if (state?.running) {
    w.write(LEVEL_2, `${stateName}:\tRunning\n`);
    w.write(LEVEL_3, `Started:\t${formatTime(state.running.startedAt, clock)}\n`);
  } else if (state?.waiting) {
    w.write(LEVEL_2, `${stateName}:\tWaiting\n`);
    if (state.waiting.reason) w.write(LEVEL_3, `Reason:\t${state.waiting.reason}\n`);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(LEVEL_2, `${stateName}:\tTerminated\n`);
    if (t.reason) w.write(LEVEL_3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(LEVEL_3, `Message:\t${t.message}\n`);
    w.write(LEVEL_3, `Exit Code:\t${t.exitCode}\n`);
    if ((t.signal ?? 0) > 0) w.write(LEVEL_3, `Signal:\t${t.signal}\n`);
    w.write(LEVEL_3, `Started:\t${formatTime(t.startedAt, clock)}\n`);
    w.write(LEVEL_3, `Finished:\t${formatTime(t.finishedAt, clock)}\n`);
  } else {
    w.write(LEVEL_2, `${stateName}:\tWaiting\n`);
  }
}

/** describeResources: Limits then Requests, each resource sorted by name. */
export function describeResources(resources: ContainerLike['resources'], w: PrefixWriter, level: number): void {
  for (const [title, list] of [['Limits', resources?.limits], ['Requests', resources?.requests]] as const) {
    const names = Object.keys(list ?? {}).sort(byteOrder);
    if (names.length > 0) w.write(level, `${title}:\n`);
    for (const name of names) w.write(level + 1, `${name}:\t${formatQuantity(list![name]!)}\n`);
  }
}

function describeBasicInfo(c: ContainerLike, status: ContainerStatus | undefined, space: string, w: PrefixWriter): void {
  w.write(LEVEL_1, `${space ? ' ' : ''}${c.name}:\n`);
  if (status) w.write(LEVEL_2, `Container ID:\t${status.containerID ?? ''}\n`);
  w.write(LEVEL_2, `Image:\t${c.image ?? ''}\n`);
  if (status) w.write(LEVEL_2, `Image ID:\t${status.imageID ?? ''}\n`);
  const ports = (c.ports ?? []).map((p) => `${p.containerPort ?? 0}/${p.protocol ?? ''}`).join(', ');
  w.write(LEVEL_2, ports.includes(',') ? `Ports:\t${ports}\n` : `Port:\t${ports || '<none>'}\n`);
  const hostPorts = (c.ports ?? []).map((p) => `${p.hostPort ?? 0}/${p.protocol ?? ''}`).join(', ');
  w.write(LEVEL_2, hostPorts.includes(',') ? `Host Ports:\t${hostPorts}\n` : `Host Port:\t${hostPorts || '<none>'}\n`);
}

function describeCommand(c: ContainerLike, w: PrefixWriter): void {
  for (const [title, list] of [['Command', c.command], ['Args', c.args]] as const) {
    if (!list || list.length === 0) continue;
    w.write(LEVEL_2, `${title}:\n`);
    for (const item of list) for (const line of item.split('\n')) w.write(LEVEL_3, `${line}\n`);
  }
}

function describeState(status: ContainerStatus, w: PrefixWriter, clock: DescribeClock): void {
  describeStatus('State', status.state, w, clock);
  if (status.lastState?.terminated) describeStatus('Last State', status.lastState, w, clock);
  w.write(LEVEL_2, `Ready:\t${status.ready ? 'True' : 'False'}\n`);
  w.write(LEVEL_2, `Restart Count:\t${status.restartCount ?? 0}\n`);
}

function describeProbes(c: ContainerLike, w: PrefixWriter): void {
  const { livenessProbe, readinessProbe, startupProbe } = extras(c);
  if (livenessProbe) w.write(LEVEL_2, `Liveness:\t${describeProbe(livenessProbe)}\n`);
  if (readinessProbe) w.write(LEVEL_2, `Readiness:\t${describeProbe(readinessProbe)}\n`);
  if (startupProbe) w.write(LEVEL_2, `Startup:\t${describeProbe(startupProbe)}\n`);
}

/** describeContainerEnvFrom: printed only when the container has envFrom sources. */
function describeEnvFrom(c: ContainerLike, w: PrefixWriter): void {
  w.write(LEVEL_2, 'Environment Variables from:\n');
  for (const source of c.envFrom ?? []) {
    const [from, ref] = source.configMapRef ? ['ConfigMap', source.configMapRef] : source.secretRef ? ['Secret', source.secretRef] : ['', undefined];
    const optional = ref?.optional === true;
    const prefixed = source.prefix ? `${from} with prefix '${source.prefix}'` : from;
    w.write(LEVEL_3, `${ref?.name ?? ''}\t${prefixed}\tOptional: ${optional}\n`);
  }
}

/**
 * kubectl's ExtractContainerResourceValue: the container's own limit or request divided by the
 * divisor, rounded up; kubectl reads the container being described (its TODO says so), and an
 * unset limit is "0", printed as "node allocatable".
 */
function resourceFieldValue(c: ContainerLike, ref: { resource: string; divisor?: string | number }): string {
  const [kind, resource] = ref.resource.split('.') as ['limits' | 'requests', string];
  const quantity = (kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[resource] ?? 0;
  const divisor = ref.divisor === undefined || parseQuantity(ref.divisor) === 0 ? '1' : ref.divisor;
  if (resource === 'cpu') return String(Math.ceil(cpuMillicores(quantity) / cpuMillicores(divisor)));
  if (resource === 'memory' || resource === 'ephemeral-storage') return String(Math.ceil(bytes(quantity) / bytes(divisor)));
  return '';
}

/** describeContainerEnvVars: literal values line by line, and where each valueFrom comes from. */
function describeEnv(c: ContainerLike, w: PrefixWriter, resolve: FieldPathResolver | undefined): void {
  const env = c.env ?? [];
  w.write(LEVEL_2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`);
  for (const e of env) {
    const from = e.valueFrom;
    if (!from) {
      (e.value ?? '').split('\n').forEach((line, i) => w.write(LEVEL_3, i === 0 ? `${e.name}:\t${line}\n` : `\t${line}\n`));
    } else if (from.fieldRef) {
      const apiVersion = from.fieldRef.apiVersion ?? 'v1';
      w.write(LEVEL_3, `${e.name}:\t${resolve?.(from.fieldRef.fieldPath) ?? ''} (${apiVersion}:${from.fieldRef.fieldPath})\n`);
    } else if (from.resourceFieldRef) {
      const { resource } = from.resourceFieldRef;
      let value = resourceFieldValue(c, from.resourceFieldRef);
      if (value === '0' && (resource === 'limits.cpu' || resource === 'limits.memory')) value = 'node allocatable';
      w.write(LEVEL_3, `${e.name}:\t${value} (${resource})\n`);
    } else if (from.secretKeyRef) {
      const ref = from.secretKeyRef;
      w.write(LEVEL_3, `${e.name}:\t<set to the key '${ref.key}' in secret '${ref.name ?? ''}'>\tOptional: ${ref.optional === true}\n`);
    } else if (from.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      w.write(LEVEL_3, `${e.name}:\t<set to the key '${ref.key}' of config map '${ref.name ?? ''}'>\tOptional: ${ref.optional === true}\n`);
    }
  }
}

function describeMounts(c: ContainerLike, w: PrefixWriter): void {
  const mounts = [...(extras(c).volumeMounts ?? [])].sort((a, b) => byteOrder(a.mountPath, b.mountPath));
  w.write(LEVEL_2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}\n`);
  for (const m of mounts) {
    const flags = [m.readOnly ? 'ro' : 'rw', ...(m.subPath ? [`path=${JSON.stringify(m.subPath)}`] : [])];
    w.write(LEVEL_3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
  }
}

/**
 * "Containers:" and one block per container. `statuses` is undefined for pod templates, whose
 * containers have no ID, state or restart count; `space` is the template's extra indent.
 */
export function describeContainers(
  label: string,
  containers: readonly ContainerLike[],
  statuses: readonly ContainerStatus[] | undefined,
  w: PrefixWriter,
  space: string,
  clock: DescribeClock,
  resolve?: FieldPathResolver,
): void {
  w.write(LEVEL_0, `${space}${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  for (const c of containers) {
    const status = statuses?.find((s) => s.name === c.name);
    describeBasicInfo(c, status, space, w);
    describeCommand(c, w);
    if (status) describeState(status, w, clock);
    describeResources(c.resources, w, LEVEL_2);
    describeProbes(c, w);
    if ((c.envFrom ?? []).length > 0) describeEnvFrom(c, w);
    describeEnv(c, w, resolve);
    describeMounts(c, w);
  }
}
