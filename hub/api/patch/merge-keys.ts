/**
 * How strategic merge patch and server-side apply treat each list (and the few retainKeys maps)
 * of the kinds Skiff serves, copied from Kubernetes' Go struct tags (k8s.io/api, v1.32):
 * `patchStrategy:"merge" patchMergeKey:"name"` is a keyed list, `patchStrategy:"merge"` on a list
 * of strings a set, `retainKeys` a map whose patch may say which keys survive. A list with no
 * entry here is atomic: a patch replaces it whole (tolerations, Node taints, envFrom, command,
 * Ingress rules, RBAC rules and subjects, Endpoints subsets: none has a patch strategy).
 *
 * Paths are field names joined by dots; list items are transparent (`containers.env` is the env
 * of every container). A PodSpec is described once and mounted where each kind holds one.
 *
 * Simplification: server-side apply uses the same single key; Kubernetes keys container and
 * Service ports by (port, protocol), which only matters for two ports that differ by protocol,
 * and Skiff serves TCP only.
 */

export type FieldStrategy =
  /** A list of objects merged item by item on `key`; `retainKeys` also applies to each item. */
  | { list: 'map'; key: string; retainKeys?: boolean }
  /** A list of scalars merged as a set (finalizers). */
  | { list: 'set' }
  /** A map whose patch may carry `$retainKeys` (Deployment strategy). */
  | { retainKeys: true };

type Table = Record<string, FieldStrategy>;

const byName: FieldStrategy = { list: 'map', key: 'name' };
const byType: FieldStrategy = { list: 'map', key: 'type' };
const byIp: FieldStrategy = { list: 'map', key: 'ip' };

/** Prefixes every path of `table` with `at`. */
function mount(at: string, table: Table): Table {
  return Object.fromEntries(Object.entries(table).map(([path, strategy]) => [`${at}.${path}`, strategy]));
}

const OBJECT_META: Table = {
  finalizers: { list: 'set' },
  ownerReferences: { list: 'map', key: 'uid' },
};

const CONTAINER: Table = {
  env: byName,
  ports: { list: 'map', key: 'containerPort' },
  volumeMounts: { list: 'map', key: 'mountPath' },
  volumeDevices: { list: 'map', key: 'devicePath' },
};

const POD_SPEC: Table = {
  containers: byName,
  ...mount('containers', CONTAINER),
  initContainers: byName,
  ...mount('initContainers', CONTAINER),
  ephemeralContainers: byName,
  ...mount('ephemeralContainers', CONTAINER),
  volumes: { list: 'map', key: 'name', retainKeys: true },
  imagePullSecrets: byName,
  hostAliases: byIp,
};

const POD_TEMPLATE: Table = { ...mount('metadata', OBJECT_META), ...mount('spec', POD_SPEC) };

const CONDITIONS: Table = { conditions: byType };

const KINDS: Record<string, Table> = {
  Pod: { ...mount('spec', POD_SPEC), ...mount('status', { ...CONDITIONS, podIPs: byIp, hostIPs: byIp }) },
  Deployment: { ...mount('spec.template', POD_TEMPLATE), 'spec.strategy': { retainKeys: true }, ...mount('status', CONDITIONS) },
  ReplicaSet: { ...mount('spec.template', POD_TEMPLATE), ...mount('status', CONDITIONS) },
  DaemonSet: { ...mount('spec.template', POD_TEMPLATE), ...mount('status', CONDITIONS) },
  Service: { 'spec.ports': { list: 'map', key: 'port' }, ...mount('status', CONDITIONS) },
  Node: { 'spec.podCIDRs': { list: 'set' }, ...mount('status', { ...CONDITIONS, addresses: byType }) },
  Namespace: mount('status', CONDITIONS),
  ServiceAccount: { secrets: byName },
  HorizontalPodAutoscaler: mount('status', CONDITIONS),
};

const TABLES: Record<string, Table> = Object.fromEntries(
  Object.entries(KINDS).map(([kind, table]) => [kind, { ...mount('metadata', OBJECT_META), ...table }]),
);
const METADATA_ONLY: Table = mount('metadata', OBJECT_META);

/** The strategy of the field at `path` (field names, outermost first) in an object of `kind`. */
export function strategyAt(kind: string, path: readonly string[]): FieldStrategy | undefined {
  const table = TABLES[kind] ?? METADATA_ONLY;
  return table[path.join('.')];
}
