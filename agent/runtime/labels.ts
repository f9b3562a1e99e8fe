/**
 * Identity lives on the container (style.md lesson 3): these Docker labels say which node, pod,
 * container, spec hash and attempt a container belongs to, so the agent can rebuild everything it
 * needs to know from `docker ps` alone, after a crash, a restart or a lost database.
 */
export const LABELS = {
  node: 'skiff.node',
  namespace: 'skiff.pod.namespace',
  podName: 'skiff.pod.name',
  podUid: 'skiff.pod.uid',
  container: 'skiff.container.name',
  hash: 'skiff.container.hash',
  attempt: 'skiff.container.attempt',
  /** The pod's terminationGracePeriodSeconds, so a container whose pod is gone still stops gracefully. */
  graceSeconds: 'skiff.pod.grace-seconds',
  /** The container's preStop hook, resolved (PreStopHandler as JSON), for the same reason. */
  preStop: 'skiff.container.pre-stop',
} as const;

/** A preStop hook with its port resolved to a number, as the label carries it. */
export type PreStopHandler =
  | { exec: { command: string[] } }
  | { httpGet: { scheme: 'HTTP' | 'HTTPS'; host?: string; port: number; path: string; headers?: Record<string, string> } }
  | { sleep: { seconds: number } };

/** The preStop hook a container's labels carry; undefined when none (or unreadable: the stop goes on without it). */
export function preStopOf(labels: Readonly<Record<string, string>>): PreStopHandler | undefined {
  const text = labels[LABELS.preStop];
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as PreStopHandler;
    return typeof value === 'object' && value !== null && ('exec' in value || 'httpGet' in value || 'sleep' in value) ? value : undefined;
  } catch {
    return undefined; // written by Skiff itself; only a hand-made container could carry garbage
  }
}

/**
 * The container name a pod sandbox carries in its identity (dockershim's "POD"): upper case, so
 * no Kubernetes container name (a DNS label) can be mistaken for it.
 */
export const SANDBOX_CONTAINER = 'POD';

/** True for a pod sandbox (the container holding the pod's network namespace), false for a pod container. */
export function isSandbox(labels: Readonly<Record<string, string>>): boolean {
  return labels[LABELS.container] === SANDBOX_CONTAINER;
}

export interface ContainerIdentity {
  namespace: string;
  podName: string;
  podUid: string;
  container: string;
  hash: string;
  attempt: number;
}

/** The identity a container's labels carry, or undefined when any of them is missing or malformed. */
export function identityOf(labels: Readonly<Record<string, string>>): ContainerIdentity | undefined {
  const namespace = labels[LABELS.namespace];
  const podName = labels[LABELS.podName];
  const podUid = labels[LABELS.podUid];
  const container = labels[LABELS.container];
  const hash = labels[LABELS.hash];
  const attempt = Number(labels[LABELS.attempt]);
  if (!namespace || !podName || !podUid || !container || !hash || !Number.isSafeInteger(attempt) || attempt < 1) return undefined;
  return { namespace, podName, podUid, container, hash, attempt };
}

export function labelsFor(node: string, id: ContainerIdentity, graceSeconds: number, preStop?: PreStopHandler): Record<string, string> {
  return {
    ...(preStop ? { [LABELS.preStop]: JSON.stringify(preStop) } : {}),
    [LABELS.node]: node,
    [LABELS.namespace]: id.namespace,
    [LABELS.podName]: id.podName,
    [LABELS.podUid]: id.podUid,
    [LABELS.container]: id.container,
    [LABELS.hash]: id.hash,
    [LABELS.attempt]: String(id.attempt),
    [LABELS.graceSeconds]: String(graceSeconds),
  };
}

/** skiff_<container>_<pod>_<namespace>_<node>_<uid first 8>_<attempt>: readable in `docker ps`, unique per attempt. */
export function containerName(node: string, id: ContainerIdentity): string {
  return `skiff_${id.container}_${id.podName}_${id.namespace}_${node}_${id.podUid.slice(0, 8)}_${id.attempt}`;
}

/** The label filter that selects this node's containers and nothing else (several agents may share an engine). */
export function nodeFilter(node: string): string {
  return `${LABELS.node}=${node}`;
}
