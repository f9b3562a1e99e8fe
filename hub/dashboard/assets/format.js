// @ts-check
/**
 * The dashboard's pure view logic: from API objects to the rows and words the page shows
 * (kubectl's columns where kubectl has one), quantities, ages and sparkline geometry. No DOM and
 * no I/O here, so that Node unit tests import it as the browser does (test/unit/hub/dashboard-format.test.ts).
 */

const BINARY_SUFFIXES = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SUFFIXES = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * A Kubernetes quantity ("500m", "2", "1024Ki", "1G") as a number (cores, bytes), or undefined
 * when absent or malformed.
 * @param {string | number | undefined} quantity
 * @returns {number | undefined}
 */
export function parseQuantity(quantity) {
  if (typeof quantity === 'number') return quantity;
  const match = /^([+-]?\d+(?:\.\d+)?)([A-Za-z]*)$/.exec((quantity ?? '').trim());
  if (!match) return undefined;
  const number = /** @type {string} */ (match[1]);
  const suffix = /** @type {string} */ (match[2]);
  const factor = suffix in BINARY_SUFFIXES ? BINARY_SUFFIXES[/** @type {keyof typeof BINARY_SUFFIXES} */ (suffix)] : DECIMAL_SUFFIXES[/** @type {keyof typeof DECIMAL_SUFFIXES} */ (suffix)];
  return factor === undefined ? undefined : Number(number) * factor;
}

/**
 * Bytes in binary units, one decimal below 10 ("512 B", "3.2 MiB", "14 GiB").
 * @param {number | undefined} bytes
 */
export function formatBytes(bytes) {
  if (bytes === undefined || !Number.isFinite(bytes)) return 'n/a';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 || value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/**
 * kubectl's age column (duration.HumanDuration, short form): "45s", "3m", "5h", "12d", "2y".
 * @param {string | undefined} since an RFC 3339 time
 * @param {number} nowMs
 */
export function formatAge(since, nowMs) {
  const at = since === undefined ? NaN : Date.parse(since);
  if (Number.isNaN(at)) return '<unknown>';
  const seconds = Math.max(0, Math.floor((nowMs - at) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  return days < 730 ? `${days}d` : `${Math.floor(days / 365)}y`;
}

/**
 * The SVG path of a sparkline: points [time, value] scaled into width x height (y grows down),
 * the lowest value at the bottom unless `min` is given (0 for usage, so a flat line is not noise).
 * Empty when there are no points; a single point is a flat line across.
 * @param {ReadonlyArray<readonly [number, number]>} points
 * @param {number} width
 * @param {number} height
 * @param {{ min?: number, max?: number }} [range]
 */
export function sparklinePath(points, width, height, range = {}) {
  if (points.length === 0) return '';
  const values = points.map(([, v]) => v);
  const times = points.map(([t]) => t);
  const low = range.min ?? Math.min(...values);
  const high = Math.max(range.max ?? -Infinity, ...values);
  const first = Math.min(...times);
  const span = Math.max(...times) - first;
  const x = (/** @type {number} */ t) => (span === 0 ? 0 : ((t - first) / span) * width);
  const y = (/** @type {number} */ v) => (high === low ? height / 2 : height - ((v - low) / (high - low)) * height);
  const round = (/** @type {number} */ n) => Math.round(n * 10) / 10;
  const coords = points.map(([t, v]) => `${round(x(t))},${round(y(v))}`);
  if (points.length === 1) coords.push(`${width},${coords[0]?.split(',')[1]}`);
  return `M${coords.join(' L')}`;
}

/**
 * @typedef {{ metadata: { name?: string, namespace?: string, uid?: string, creationTimestamp?: string, resourceVersion?: string, generation?: number, deletionTimestamp?: string, labels?: Record<string, string>, annotations?: Record<string, string>, ownerReferences?: Array<{ kind?: string, name?: string }> }, spec?: any, status?: any }} KubeObject
 */

/**
 * A node's row: STATUS as `kubectl get nodes` prints it, arch, capacity, pods on it, last heartbeat.
 * @param {KubeObject} node
 * @param {ReadonlyArray<KubeObject>} pods
 */
export function nodeRow(node, pods) {
  const name = node.metadata.name ?? '';
  const conditions = /** @type {Array<{ type: string, status: string, lastHeartbeatTime?: string }>} */ (node.status?.conditions ?? []);
  const ready = conditions.find((c) => c.type === 'Ready');
  const readiness = ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady';
  const cordoned = node.spec?.unschedulable === true;
  const heartbeats = conditions.map((c) => c.lastHeartbeatTime).filter((t) => t !== undefined).sort();
  return {
    name,
    status: cordoned ? `${readiness},SchedulingDisabled` : readiness,
    ready: readiness === 'Ready',
    cordoned,
    arch: node.status?.nodeInfo?.architecture ?? node.metadata.labels?.['kubernetes.io/arch'] ?? '',
    cpuCores: parseQuantity(node.status?.capacity?.cpu),
    memoryBytes: parseQuantity(node.status?.capacity?.memory),
    pods: pods.filter((p) => p.spec?.nodeName === name).length,
    lastHeartbeat: heartbeats.at(-1),
  };
}

/**
 * A Deployment's row: READY, UP-TO-DATE, AVAILABLE as kubectl prints them, and how far its
 * rollout is (updated and available replicas against the desired count).
 * @param {KubeObject} d
 */
export function deploymentRow(d) {
  const desired = d.spec?.replicas ?? 1;
  const status = d.status ?? {};
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const observed = (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
  const done = observed && updated >= desired && (status.replicas ?? 0) <= updated && available >= updated;
  return {
    namespace: d.metadata.namespace ?? '',
    name: d.metadata.name ?? '',
    desired,
    ready: `${status.readyReplicas ?? 0}/${desired}`,
    upToDate: updated,
    available,
    paused: d.spec?.paused === true,
    progress: desired === 0 ? 1 : Math.min(1, Math.min(updated, available) / desired),
    rollout: d.spec?.paused === true ? 'paused' : done ? 'complete' : 'progressing',
  };
}

/**
 * kubectl's STATUS for a Pod (printers' printPod, short form): Terminating, a waiting or
 * terminated container's reason, else the phase.
 * @param {KubeObject} pod
 */
export function podStatus(pod) {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  const containers = /** @type {Array<any>} */ (pod.status?.containerStatuses ?? []);
  for (const c of containers) {
    const reason = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (reason) return reason;
  }
  return pod.status?.reason ?? pod.status?.phase ?? 'Pending';
}

/**
 * @param {KubeObject} pod
 */
export function podRow(pod) {
  const containers = /** @type {Array<any>} */ (pod.status?.containerStatuses ?? []);
  const total = (pod.spec?.containers ?? []).length;
  return {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    ready: `${containers.filter((c) => c.ready).length}/${total}`,
    status: podStatus(pod),
    restarts: containers.reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
    node: pod.spec?.nodeName ?? '',
    containers: (pod.spec?.containers ?? []).map((/** @type {{ name: string }} */ c) => c.name),
    created: pod.metadata.creationTimestamp,
  };
}

/**
 * An Event's row; the newest time among lastTimestamp, eventTime and creation is when it was last seen.
 * @param {any} e
 */
export function eventRow(e) {
  const seen = [e.lastTimestamp, e.eventTime, e.firstTimestamp, e.metadata?.creationTimestamp].find((t) => typeof t === 'string' && t !== '');
  return {
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    object: `${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`,
    message: e.message ?? '',
    count: e.count ?? 1,
    lastSeen: seen,
  };
}

/**
 * Sorts newest first by a time accessor (undefined last).
 * @template T
 * @param {T[]} items
 * @param {(item: T) => string | undefined} time
 */
export function newestFirst(items, time) {
  return [...items].sort((a, b) => (Date.parse(time(b) ?? '') || 0) - (Date.parse(time(a) ?? '') || 0));
}

/**
 * The newest value of a series, or undefined.
 * @param {ReadonlyArray<readonly [number, number]> | undefined} points
 */
export function latest(points) {
  return points && points.length > 0 ? points[points.length - 1]?.[1] : undefined;
}

/**
 * How a metric's newest value reads next to its sparkline: percent of capacity when it is known.
 * @param {'cpu' | 'memory' | 'disk' | 'temperature'} metric
 * @param {number | undefined} value
 * @param {number | undefined} capacity
 */
export function metricLabel(metric, value, capacity) {
  if (value === undefined) return 'n/a';
  switch (metric) {
    case 'cpu':
      return capacity ? `${Math.round((value / capacity) * 100)}%` : `${value.toFixed(2)} cores`;
    case 'memory':
      return capacity ? `${Math.round((value / capacity) * 100)}%` : formatBytes(value);
    case 'disk':
      return `${formatBytes(value)} free`;
    case 'temperature':
      return `${value.toFixed(1)} °C`;
  }
}
