/**
 * The pure parts of `skiff scale`, `skiff set image` and `skiff rollout ...`: what kubectl 1.32
 * computes from a Deployment and its ReplicaSets, or from a DaemonSet's status and ControllerRevisions
 * (k8s.io/kubectl/pkg/polymorphichelpers: rollout_status.go, history.go, rollback.go), without any
 * I/O so that tables test them.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { DaemonSetStatus } from '../../shared/api/schema/workloads.js';
import type { DeploymentStatus } from '../../shared/api/status-types.js';
import { SkiffError } from '../../shared/errors.js';
import { parsePullProgressMessage } from '../../shared/pull-progress-message.js';

/** The Deployment controller's annotations and labels (hub/controllers/deployment-controller.ts). */
import { CHANGE_CAUSE_ANNOTATION, RESTARTED_AT_ANNOTATION, REVISION_ANNOTATION, TEMPLATE_HASH_LABEL } from '../../shared/api/annotations.js';

export { CHANGE_CAUSE_ANNOTATION, RESTARTED_AT_ANNOTATION, REVISION_ANNOTATION, TEMPLATE_HASH_LABEL };

export interface ContainerLike {
  name: string;
  image?: string;
  ports?: Array<{ containerPort?: number; protocol?: string; hostPort?: number }>;
  env?: Array<{ name: string; value?: string }>;
  [field: string]: unknown;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [field: string]: unknown };
  spec?: { containers?: ContainerLike[]; initContainers?: ContainerLike[]; [field: string]: unknown };
}

export interface DeploymentLike extends KubeObject {
  spec?: { replicas?: number; paused?: boolean; template?: PodTemplate; [field: string]: unknown };
  status?: DeploymentStatus;
}

export interface ReplicaSetLike extends KubeObject {
  spec?: { replicas?: number; template?: PodTemplate; [field: string]: unknown };
}

// ---- rollout status -------------------------------------------------------------------------

export interface RolloutStatus {
  message: string;
  done: boolean;
}

/**
 * kubectl's DeploymentStatusViewer.Status: one progress line, or done. Throws when the
 * Deployment's Progressing condition says it exceeded its progress deadline.
 */
export function deploymentRolloutStatus(d: DeploymentLike): RolloutStatus {
  const name = d.metadata.name ?? '';
  const status = d.status ?? {};
  const generation = d.metadata.generation ?? 0;
  if (generation > (status.observedGeneration ?? 0)) {
    return { message: 'Waiting for deployment spec update to be observed...', done: false };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    throw new SkiffError('SKIFF_ERR_INTERNAL', `deployment "${name}" exceeded its progress deadline`);
  }
  const replicas = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < replicas) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`, done: false };
  }
  if (total > updated) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination...`, done: false };
  }
  if (available < updated) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`, done: false };
  }
  return { message: `deployment "${name}" successfully rolled out`, done: true };
}

export interface DaemonSetLike extends KubeObject {
  spec?: { updateStrategy?: { type?: string }; template?: PodTemplate; [field: string]: unknown };
  status?: Partial<DaemonSetStatus>;
}

/**
 * kubectl's DaemonSetStatusViewer.Status: one progress line, or done. Throws for OnDelete, whose
 * Pods change only when someone deletes them.
 */
export function daemonSetRolloutStatus(ds: DaemonSetLike): RolloutStatus {
  if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    throw new SkiffError('SKIFF_ERR_CONFIG', 'rollout status is only available for RollingUpdate strategy type');
  }
  const name = ds.metadata.name ?? '';
  const status = ds.status ?? {};
  if ((ds.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { message: 'Waiting for daemon set spec update to be observed...', done: false };
  }
  const desired = status.desiredNumberScheduled ?? 0;
  const updated = status.updatedNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  if (updated < desired) {
    return { message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`, done: false };
  }
  if (available < desired) {
    return { message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`, done: false };
  }
  return { message: `daemon set "${name}" successfully rolled out`, done: true };
}

// ---- image pull progress while waiting (issue #9) -------------------------------------------

/** The parts of a Pod the pull progress lines read. */
export interface PodLike {
  metadata: { name?: string; namespace?: string; [field: string]: unknown };
  spec?: { nodeName?: string; [field: string]: unknown };
  status?: { containerStatuses?: Array<{ image?: string; state?: { waiting?: { reason?: string; message?: string } } }>; [field: string]: unknown };
}

/** A pull in progress on a node, as one line of `rollout status` names it. */
export interface PullProgressLine {
  /** The node and image: one pull serves every Pod of the node waiting for that image. */
  key: string;
  line: string;
}

/**
 * What the Pods of a rollout say about image pulls (the agent's waiting message,
 * shared/pull-progress-message.ts), as `rollout status` prints it while waiting:
 *   Waiting for deployment "web" rollout to finish: pulling image "reg/x:2" on node pi-1: 12.3 MB of 45.6 MB, 3 of 7 layers
 * One line per node and image, sorted; none when nothing is being pulled.
 */
export function pullProgressLines(kind: 'deployment' | 'daemon set', name: string, pods: readonly PodLike[]): PullProgressLine[] {
  const lines = new Map<string, string>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName ?? '';
    for (const cs of pod.status?.containerStatuses ?? []) {
      const pull = parsePullProgressMessage(cs.state?.waiting?.message);
      if (!pull) continue;
      const key = `${node}\u0000${pull.image}`;
      const where = node === '' ? '' : ` on node ${node}`;
      lines.set(key, `Waiting for ${kind} "${name}" rollout to finish: pulling image "${pull.image}"${where}${pull.detail ? `: ${pull.detail}` : ''}`);
    }
  }
  return [...lines].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, line]) => ({ key, line }));
}

/**
 * The progress lines to print now: those that changed since the last poll (`printed`: the
 * line last printed per key, updated in place). A pull that ended is forgotten, so a later
 * pull of the same image on that node prints again.
 */
export function newPullProgressLines(current: readonly PullProgressLine[], printed: Map<string, string>): string[] {
  const out: string[] = [];
  const keys = new Set(current.map((c) => c.key));
  for (const key of [...printed.keys()]) if (!keys.has(key)) printed.delete(key);
  for (const { key, line } of current) {
    if (printed.get(key) === line) continue;
    printed.set(key, line);
    out.push(line);
  }
  return out;
}

// ---- revisions ----------------------------------------------------------------------------

export function revisionOf(rs: KubeObject): number {
  const n = Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** The ReplicaSets a Deployment owns (ownerReferences uid), by ascending revision. */
export function ownedReplicaSets(items: readonly KubeObject[], deploymentUid: string | undefined): ReplicaSetLike[] {
  return items
    .filter((rs) => deploymentUid !== undefined && (rs.metadata.ownerReferences ?? []).some((ref) => ref.uid === deploymentUid))
    .sort((a, b) => revisionOf(a) - revisionOf(b)) as ReplicaSetLike[];
}

export interface HistoryEntry {
  revision: number;
  changeCause: string | undefined;
  template: PodTemplate;
}

/** kubectl's DeploymentHistoryViewer: one entry per revision (the last ReplicaSet wins a tie). */
export function historyOf(replicaSets: readonly ReplicaSetLike[]): HistoryEntry[] {
  const byRevision = new Map<number, HistoryEntry>();
  for (const rs of replicaSets) {
    const revision = revisionOf(rs);
    const template = structuredClone(rs.spec?.template ?? {});
    const changeCause = rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    if (changeCause) template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [CHANGE_CAUSE_ANNOTATION]: changeCause } };
    byRevision.set(revision, { revision, changeCause, template });
  }
  return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
}

/** Go's text/tabwriter (minwidth 0, padding 2, spaces) for text whose lines have at most one tab. */
export function alignTabs(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    if (!lines[i]!.includes('\t')) {
      out.push(lines[i]!);
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j]!.includes('\t')) j++;
    const block = lines.slice(i, j).map((l) => [l.slice(0, l.indexOf('\t')), l.slice(l.indexOf('\t') + 1)] as const);
    const width = Math.max(...block.map(([cell]) => cell.length)) + 2;
    for (const [cell, rest] of block) out.push(cell.padEnd(width) + rest);
    i = j;
  }
  return out.join('\n');
}

/** `rollout history` without --revision: the REVISION / CHANGE-CAUSE table. */
export function historyTable(history: readonly HistoryEntry[]): string {
  if (history.length === 0) return 'No rollout history found.\n';
  const rows = ['REVISION\tCHANGE-CAUSE', ...history.map((h) => `${h.revision}\t${h.changeCause || '<none>'}`)];
  return `${alignTabs(rows.join('\n'))}\n`;
}

function mapLines(title: string, map: Record<string, string> | undefined, indent: string, sep: string): string[] {
  const entries = Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return [`${indent}${title}:\t<none>`];
  return entries.map(([k, v], i) => (i === 0 ? `${indent}${title}:\t${k}${sep}${v}` : `\t${k}${sep}${v}`));
}

/** A short form of kubectl's DescribePodTemplate, as `rollout history --revision=N` prints it. */
export function describePodTemplate(template: PodTemplate): string {
  const lines = ['Pod Template:'];
  lines.push(...mapLines('Labels', template.metadata?.labels, '  ', '='));
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0) lines.push(...mapLines('Annotations', template.metadata?.annotations, '  ', ': '));
  const containers = template.spec?.containers ?? [];
  if (containers.length === 0) lines.push('  Containers:\t<none>');
  else {
    lines.push('  Containers:');
    for (const c of containers) {
      lines.push(`   ${c.name}:`);
      lines.push(`    Image:\t${c.image ?? ''}`);
      const ports = (c.ports ?? []).map((p) => `${p.containerPort ?? 0}/${p.protocol ?? 'TCP'}`);
      lines.push(`    Port${ports.length > 1 ? 's' : ''}:\t${ports.length > 0 ? ports.join(', ') : '<none>'}`);
      const env = c.env ?? [];
      if (env.length === 0) lines.push('    Environment:\t<none>');
      else {
        lines.push('    Environment:');
        for (const e of env) lines.push(`      ${e.name}:\t${e.value ?? ''}`);
      }
    }
  }
  return `${alignTabs(lines.join('\n'))}\n`;
}

/** `rollout history --revision=N`: the header suffix and body, or the kubectl error. */
export function historyRevision(history: readonly HistoryEntry[], revision: number): string {
  const entry = history.find((h) => h.revision === revision);
  if (!entry) throw new SkiffError('SKIFF_ERR_NOT_FOUND', 'unable to find the specified revision');
  return describePodTemplate(entry.template);
}

// ---- undo ---------------------------------------------------------------------------------

/**
 * kubectl's deploymentRevision: --to-revision=N picks that revision; 0 picks the previous one
 * (the second highest revision among the owned ReplicaSets).
 */
export function rollbackTarget(replicaSets: readonly ReplicaSetLike[], toRevision: number, deploymentName: string): ReplicaSetLike {
  if (toRevision > 0) {
    const found = replicaSets.find((rs) => revisionOf(rs) === toRevision);
    if (!found) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `unable to find specified revision ${toRevision} in history`);
    return found;
  }
  let latest: ReplicaSetLike | undefined;
  let previous: ReplicaSetLike | undefined;
  for (const rs of replicaSets) {
    const v = revisionOf(rs);
    if (latest === undefined || revisionOf(latest) < v) {
      previous = latest;
      latest = rs;
    } else if (previous === undefined || revisionOf(previous) < v) {
      previous = rs;
    }
  }
  if (!previous) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `no rollout history found for deployment "${deploymentName}"`);
  return previous;
}

/** A ReplicaSet's template without the controller's pod-template-hash label. */
export function templateWithoutHash(template: PodTemplate | undefined): PodTemplate {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[TEMPLATE_HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return copy;
}

/** Deep equality where key order does not matter. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** kubectl's equalIgnoreHash: templates equal once pod-template-hash is dropped from both. */
export function templatesEqualIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return JSON.stringify(canonical(templateWithoutHash(a))) === JSON.stringify(canonical(templateWithoutHash(b)));
}

// ---- DaemonSet history (ControllerRevisions) -----------------------------------------------

/** An apps/v1 ControllerRevision as the DaemonSet controller writes it (hub/controllers/daemonset-history.ts). */
export interface ControllerRevisionLike extends KubeObject {
  revision?: number;
  data?: unknown;
}

/** kubectl's controlledHistories: the revisions the DaemonSet controls (ownerReferences uid), by ascending revision. */
export function ownedRevisions(items: readonly KubeObject[], daemonSetUid: string | undefined): ControllerRevisionLike[] {
  return (items as ControllerRevisionLike[])
    .filter((r) => daemonSetUid !== undefined && (r.metadata.ownerReferences ?? []).some((ref) => ref.uid === daemonSetUid && ref.controller === true))
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
}

/**
 * The pod template a revision restores: its data is the patch `{spec:{template:{..., $patch:
 * replace}}}`, so applying it (applyDaemonSetHistory) leaves exactly this template.
 */
export function templateOfRevision(revision: ControllerRevisionLike): PodTemplate {
  const template = (revision.data as { spec?: { template?: unknown } } | undefined)?.spec?.template;
  if (template === null || typeof template !== 'object' || Array.isArray(template)) {
    throw new SkiffError('SKIFF_ERR_INTERNAL', `unable to parse history ${revision.metadata.name ?? ''}`);
  }
  const { $patch: _directive, ...rest } = template as Record<string, unknown>;
  return structuredClone(rest) as PodTemplate;
}

/** kubectl's DaemonSetHistoryViewer: one entry per revision (the last one wins a tie), CHANGE-CAUSE from the revision's annotations. */
export function daemonSetHistoryOf(revisions: readonly ControllerRevisionLike[]): HistoryEntry[] {
  const byRevision = new Map<number, HistoryEntry>();
  for (const r of revisions) {
    const revision = r.revision ?? 0;
    byRevision.set(revision, { revision, changeCause: r.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION], template: templateOfRevision(r) });
  }
  return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
}

/**
 * kubectl's findHistory as DaemonSetRollbacker uses it: --to-revision=N picks that revision; 0
 * picks the second highest, and needs at least two.
 */
export function daemonSetRollbackTarget(revisions: readonly ControllerRevisionLike[], toRevision: number): ControllerRevisionLike {
  if (toRevision === 0) {
    if (revisions.length <= 1) throw new SkiffError('SKIFF_ERR_NOT_FOUND', 'no last revision to roll back to');
    return [...revisions].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0)).at(-2)!;
  }
  const found = revisions.find((r) => (r.revision ?? 0) === toRevision);
  if (!found) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `unable to find specified revision ${toRevision} in history`);
  return found;
}

/** kubectl's daemonSetMatch: the DaemonSet's template is the one the revision restores (key order aside). */
export function daemonSetMatchesRevision(template: PodTemplate | undefined, revision: ControllerRevisionLike): boolean {
  return JSON.stringify(canonical(template ?? {})) === JSON.stringify(canonical(templateOfRevision(revision)));
}

// ---- set image, scale -----------------------------------------------------------------------

/** `CONTAINER=IMAGE` arguments, in order. */
export function parseImageArgs(args: readonly string[]): Array<{ container: string; image: string }> {
  const pairs = args.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq <= 0 || eq === arg.length - 1) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid image argument "${arg}": expected CONTAINER=IMAGE`);
    return { container: arg.slice(0, eq), image: arg.slice(eq + 1) };
  });
  if (pairs.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', 'at least one image update is required');
  return pairs;
}

/**
 * kubectl set image's update function: sets each named container's image (`*` means all of
 * them) in containers and initContainers. Returns the changed template, or throws naming the
 * first container that does not exist.
 */
export function setImages(template: PodTemplate | undefined, updates: ReadonlyArray<{ container: string; image: string }>): PodTemplate {
  const copy = structuredClone(template ?? {});
  const all = [...(copy.spec?.initContainers ?? []), ...(copy.spec?.containers ?? [])];
  for (const { container, image } of updates) {
    const targets = container === '*' ? all : all.filter((c) => c.name === container);
    if (targets.length === 0) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `unable to find container named "${container}"`);
    for (const c of targets) c.image = image;
  }
  return copy;
}

/** `--replicas=N` as kubectl checks it: a non-negative integer. */
export function parseReplicas(text: string | undefined): number {
  if (text === undefined) throw new SkiffError('SKIFF_ERR_CONFIG', 'The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  if (!/^[+-]?\d+$/.test(text.trim())) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `invalid argument "${text}" for "--replicas" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
  }
  const n = Number(text);
  if (n < 0) throw new SkiffError('SKIFF_ERR_CONFIG', 'The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  if (!Number.isSafeInteger(n)) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid argument "${text}" for "--replicas" flag: value out of range`);
  return n;
}

/** `--revision` / `--to-revision`: a non-negative integer (0 means the default). */
export function parseRevisionFlag(text: string | undefined, flag: string): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text.trim())) throw new SkiffError('SKIFF_ERR_CONFIG', `invalid argument "${text}" for "${flag}" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
  return Number(text);
}

/** Go's time.RFC3339 of the current second, as kubectl writes restartedAt (UTC here). */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
