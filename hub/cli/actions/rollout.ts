/**
 * `skiff scale`, `skiff set image` and `skiff rollout status|history|undo|restart|pause|resume`
 * on Deployments (and `rollout status|history|undo|restart` on DaemonSets, whose history is their
 * ControllerRevisions), in kubectl 1.32's words. The decisions live in ../rollout-logic.ts; this file
 * only reads and writes the hub.
 */
import type { KubeList } from '../../../shared/api/object.js';
import { rollbackAnnotations } from '../../../shared/api/annotations.js';
import { groupResource, qualifiedKind, resolveResource, resourcePath, type ResourceType } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError } from '../../../shared/errors.js';
import type { CliContext } from '../context.js';
import { parseDurationMs } from '../../../shared/duration.js';
import type { HubClient } from '../hub-client.js';
import { resolveType } from '../resource-args.js';
import {
  RESTARTED_AT_ANNOTATION,
  daemonSetHistoryOf,
  daemonSetMatchesRevision,
  daemonSetRollbackTarget,
  daemonSetRolloutStatus,
  deploymentRolloutStatus,
  ownedRevisions,
  templateOfRevision,
  historyOf,
  historyRevision,
  historyTable,
  ownedReplicaSets,
  parseImageArgs,
  parseReplicas,
  parseRevisionFlag,
  newPullProgressLines,
  pullProgressLines,
  type PodLike,
  revisionOf,
  rfc3339,
  rollbackTarget,
  setImages,
  templateWithoutHash,
  templatesEqualIgnoreHash,
  type ControllerRevisionLike,
  type DaemonSetLike,
  type DeploymentLike,
  type ReplicaSetLike,
} from '../rollout-logic.js';
import { updateObject } from '../update-object.js';
import { pollUntil, type PollOptions } from '../wait-for.js';
import { isApiStatusError } from '../api-errors.js';
import { formatSelector, type LabelSelector } from '../../../shared/api/labels.js';

const deployments = resolveResource('deployments')!;
const replicaSets = resolveResource('replicasets')!;
const daemonSets = resolveResource('daemonsets')!;
const controllerRevisions = resolveResource('controllerrevisions')!;
const pods = resolveResource('pods')!;

export interface NamespaceOption {
  namespace?: string;
}

interface Target {
  name: string;
  namespace: string;
  path: string;
  /** "deployment.apps/web", how kubectl names it in success lines. */
  display: string;
}

/**
 * `deployment/NAME` or `deployment NAME` (any spelling of the type): exactly one Deployment.
 * `rest` receives the arguments after the target (set image's CONTAINER=IMAGE pairs).
 */
export function parseDeploymentTarget(args: readonly string[], verb: string, namespace: string | undefined): { target: Target; rest: string[] } {
  return parseTarget(args, verb, namespace, [deployments]);
}

/** As parseDeploymentTarget, for a verb that takes any of the `allowed` kinds (rollout status and restart also take DaemonSets). */
function parseTarget(args: readonly string[], verb: string, namespace: string | undefined, allowed: readonly ResourceType[]): { target: Target & { resource: ResourceType }; rest: string[] } {
  const [first, ...others] = args;
  if (first === undefined) throw new SkiffError('SKIFF_ERR_CONFIG', `required resource not specified: skiff ${verb} deployment/NAME`);
  let resource: ResourceType;
  let name: string;
  let rest: string[];
  if (first.includes('/')) {
    const slash = first.indexOf('/');
    if (slash <= 0 || slash === first.length - 1) throw new SkiffError('SKIFF_ERR_CONFIG', `arguments in resource/name form must have a single resource and name, got "${first}"`);
    resource = resolveType(first.slice(0, slash));
    name = first.slice(slash + 1);
    rest = others;
  } else {
    resource = resolveType(first);
    const [second, ...after] = others;
    if (second === undefined || second.includes('=')) throw new SkiffError('SKIFF_ERR_CONFIG', `resource(s) were provided, but no name was specified (e.g. skiff ${verb} deployment/web)`);
    name = second;
    rest = after;
  }
  if (!allowed.includes(resource)) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `skiff ${verb} supports ${allowed.map((r) => r.plural).join(' and ')} only, not ${groupResource(resource)}`);
  }
  const ns = namespace ?? DEFAULTS.namespace;
  return { target: { name, namespace: ns, path: resourcePath(resource, ns, name), display: `${qualifiedKind(resource)}/${name}`, resource }, rest };
}

function singleTarget(args: readonly string[], verb: string, namespace: string | undefined): Target {
  const { target, rest } = parseDeploymentTarget(args, verb, namespace);
  if (rest.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `skiff ${verb} takes one deployment, got extra arguments: ${rest.join(' ')}`);
  return target;
}

async function replicaSetsOf(client: HubClient, deployment: DeploymentLike): Promise<ReplicaSetLike[]> {
  const list = await client.get<KubeList>(resourcePath(replicaSets, deployment.metadata.namespace));
  return ownedReplicaSets(list.items ?? [], deployment.metadata.uid);
}

async function revisionsOf(client: HubClient, ds: DaemonSetLike): Promise<ControllerRevisionLike[]> {
  const list = await client.get<KubeList>(resourcePath(controllerRevisions, ds.metadata.namespace));
  return ownedRevisions(list.items ?? [], ds.metadata.uid);
}

/** The target of `rollout history` or `undo`: one Deployment or DaemonSet, nothing after it. */
function historyTarget(args: readonly string[], verb: string, namespace: string | undefined): Target & { resource: ResourceType } {
  const { target, rest } = parseTarget(args, verb, namespace, [deployments, daemonSets]);
  if (rest.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `skiff ${verb} takes one deployment or daemonset, got extra arguments: ${rest.join(' ')}`);
  return target;
}

function ensureTemplate(d: DeploymentLike): NonNullable<NonNullable<DeploymentLike['spec']>['template']> {
  d.spec ??= {};
  d.spec.template ??= {};
  return d.spec.template;
}

// ---- scale, set image -----------------------------------------------------------------------

export interface ScaleOptions extends NamespaceOption {
  replicas?: string;
}

export async function runScale(args: string[], options: ScaleOptions, ctx: CliContext): Promise<void> {
  const replicas = parseReplicas(options.replicas);
  const target = singleTarget(args, 'scale', options.namespace);
  const client = await ctx.connect();
  await updateObject<DeploymentLike>(client, target.path, (d) => {
    d.spec = { ...d.spec, replicas };
    return d;
  });
  ctx.io.stdout(`${target.display} scaled\n`);
}

export async function runSetImage(args: string[], options: NamespaceOption, ctx: CliContext): Promise<void> {
  // Both kinds keep their Pod template at spec.template, which is all set image touches.
  const { target, rest } = parseTarget(args, 'set image', options.namespace, [deployments, daemonSets]);
  const updates = parseImageArgs(rest);
  const client = await ctx.connect();
  const { changed } = await updateObject<DeploymentLike>(client, target.path, (d) => {
    const template = setImages(d.spec?.template, updates);
    if (templatesEqualIgnoreHash(template, d.spec?.template)) return undefined;
    d.spec = { ...d.spec, template };
    return d;
  });
  // kubectl prints nothing for an object whose images were already those.
  if (changed) ctx.io.stdout(`${target.display} image updated\n`);
}

// ---- rollout status -------------------------------------------------------------------------

export interface StatusOptions extends NamespaceOption {
  timeout: string;
}

export async function runRolloutStatus(args: string[], options: StatusOptions, ctx: CliContext): Promise<void> {
  const timeoutMs = parseDurationMs(options.timeout, '--timeout');
  const { target, rest } = parseTarget(args, 'rollout status', options.namespace, [deployments, daemonSets]);
  if (rest.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `skiff rollout status takes one deployment or daemonset, got extra arguments: ${rest.join(' ')}`);
  await waitForRollout(await ctx.connect(), target, timeoutMs, ctx);
}

/** What `waitForRollout` waits on: a Deployment or a DaemonSet. */
export interface RolloutTarget {
  name: string;
  namespace: string;
  path: string;
  resource: ResourceType;
}

/** Whether `resource` is a kind whose rollout `waitForRollout` can follow (apply --wait). */
export function hasRollout(resource: ResourceType): boolean {
  return resource === deployments || resource === daemonSets;
}

/**
 * `rollout status`'s wait, also `apply --wait`'s: kubectl's progress lines, each once, and while
 * Pods of the rollout pull images, their pull progress (issue #9), one line per change.
 * timeoutMs 0 waits forever.
 */
export async function waitForRollout(client: HubClient, target: RolloutTarget, timeoutMs: number, ctx: CliContext, pollOptions: Omit<PollOptions, 'timeoutMs'> = {}): Promise<void> {
  const isDaemonSet = target.resource === daemonSets;
  const viewer = isDaemonSet ? (o: unknown) => daemonSetRolloutStatus(o as DaemonSetLike) : (o: unknown) => deploymentRolloutStatus(o as DeploymentLike);
  const pulls = new PodPulls(client, isDaemonSet ? 'daemon set' : 'deployment', target);
  let last: string | undefined;
  const done = await pollUntil(
    async () => {
      const object = await client.get<DeploymentLike | DaemonSetLike>(target.path);
      const status = viewer(object);
      if (status.message !== last) ctx.io.stdout(`${status.message}\n`);
      last = status.message;
      if (!status.done) for (const line of await pulls.newLines(object)) ctx.io.stdout(`${line}\n`);
      return status.done;
    },
    { intervalMs: 500, ...pollOptions, timeoutMs: timeoutMs === 0 ? Infinity : timeoutMs },
  );
  if (!done) throw new SkiffError('SKIFF_ERR_INTERNAL', 'timed out waiting for the condition');
}

/** The pull progress lines of a rollout's Pods (those its selector matches) that changed since the last look. */
class PodPulls {
  private readonly printed = new Map<string, string>();
  private forbidden = false;

  constructor(
    private readonly client: HubClient,
    private readonly kind: 'deployment' | 'daemon set',
    private readonly target: RolloutTarget,
  ) {}

  async newLines(object: DeploymentLike | DaemonSetLike): Promise<string[]> {
    const selector = formatSelector(object.spec?.selector as LabelSelector | undefined);
    if (this.forbidden || selector === '<none>') return [];
    let list: KubeList;
    try {
      list = await this.client.get<KubeList>(resourcePath(pods, this.target.namespace), { query: { labelSelector: selector } });
    } catch (err) {
      // A user who may read the Deployment but not list Pods still gets kubectl's own lines.
      if (!isApiStatusError(err, 'Forbidden')) throw err;
      this.forbidden = true;
      return [];
    }
    return newPullProgressLines(pullProgressLines(this.kind, this.target.name, (list.items ?? []) as PodLike[]), this.printed);
  }
}

// ---- rollout history, undo ------------------------------------------------------------------

export interface HistoryOptions extends NamespaceOption {
  revision?: string;
}

export async function runRolloutHistory(args: string[], options: HistoryOptions, ctx: CliContext): Promise<void> {
  const revision = parseRevisionFlag(options.revision, '--revision');
  const target = historyTarget(args, 'rollout history', options.namespace);
  const client = await ctx.connect();
  const object = await client.get<DeploymentLike | DaemonSetLike>(target.path);
  const history = target.resource === daemonSets ? daemonSetHistoryOf(await revisionsOf(client, object)) : historyOf(await replicaSetsOf(client, object));
  if (revision > 0) {
    const body = historyRevision(history, revision);
    ctx.io.stdout(`${target.display} with revision #${revision}\n${body}\n`);
  } else {
    ctx.io.stdout(`${target.display} \n${historyTable(history)}\n`);
  }
}

export interface UndoOptions extends NamespaceOption {
  toRevision?: string;
}

export async function runRolloutUndo(args: string[], options: UndoOptions, ctx: CliContext): Promise<void> {
  const toRevision = parseRevisionFlag(options.toRevision, '--to-revision');
  const target = historyTarget(args, 'rollout undo', options.namespace);
  const client = await ctx.connect();
  if (target.resource === daemonSets) return undoDaemonSet(target, toRevision, client, ctx);
  let skipped: number | undefined;
  await updateObject<DeploymentLike>(client, target.path, async (d) => {
    skipped = undefined;
    const rs = rollbackTarget(await replicaSetsOf(client, d), toRevision, target.name);
    if (d.spec?.paused) {
      throw new SkiffError('SKIFF_ERR_CONFIG', `you cannot rollback a paused deployment; resume it first with 'skiff rollout resume deployment/${target.name}' and try again`);
    }
    if (templatesEqualIgnoreHash(rs.spec?.template, d.spec?.template)) {
      skipped = revisionOf(rs);
      return undefined;
    }
    d.spec = { ...d.spec, template: templateWithoutHash(rs.spec?.template) };
    // The revision's annotations (its change-cause) come back with its template, as kubectl does.
    const annotations = rollbackAnnotations(d.metadata.annotations, rs.metadata.annotations);
    if (Object.keys(annotations).length > 0) d.metadata.annotations = annotations;
    else delete d.metadata.annotations;
    return d;
  });
  ctx.io.stdout(skipped !== undefined ? `${target.display} skipped rollback (current template already matches revision ${skipped})\n` : `${target.display} rolled back\n`);
}

/**
 * kubectl's DaemonSetRollbacker: the revision's template replaces the DaemonSet's (its own
 * annotations stay), unless it already is the current one.
 */
async function undoDaemonSet(target: Target, toRevision: number, client: HubClient, ctx: CliContext): Promise<void> {
  let skipped = false;
  await updateObject<DaemonSetLike>(client, target.path, async (ds) => {
    const revision = daemonSetRollbackTarget(await revisionsOf(client, ds), toRevision);
    skipped = daemonSetMatchesRevision(ds.spec?.template, revision);
    if (skipped) return undefined;
    ds.spec = { ...ds.spec, template: templateOfRevision(revision) };
    return ds;
  });
  // kubectl names the revision as it was asked for (0 when --to-revision was not given).
  ctx.io.stdout(skipped ? `${target.display} skipped rollback (current template already matches revision ${toRevision})\n` : `${target.display} rolled back\n`);
}

// ---- restart, pause, resume -----------------------------------------------------------------

export async function runRolloutRestart(args: string[], options: NamespaceOption, ctx: CliContext, now: () => Date = () => new Date()): Promise<void> {
  // kubectl's ObjectRestarter: a DaemonSet restarts the same way, through its template (it has no pause).
  const { target, rest } = parseTarget(args, 'rollout restart', options.namespace, [deployments, daemonSets]);
  if (rest.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `skiff rollout restart takes one deployment or daemonset, got extra arguments: ${rest.join(' ')}`);
  const client = await ctx.connect();
  await updateObject<DeploymentLike>(client, target.path, (d) => {
    if (d.spec?.paused) throw new SkiffError('SKIFF_ERR_CONFIG', `${groupResource(deployments)} "${target.name}" can't restart paused deployment (run rollout resume first)`);
    const template = ensureTemplate(d);
    template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [RESTARTED_AT_ANNOTATION]: rfc3339(now()) } };
    return d;
  });
  ctx.io.stdout(`${target.display} restarted\n`);
}

export async function runRolloutPause(args: string[], options: NamespaceOption, ctx: CliContext, paused: boolean): Promise<void> {
  const verb = paused ? 'rollout pause' : 'rollout resume';
  const target = singleTarget(args, verb, options.namespace);
  const client = await ctx.connect();
  await updateObject<DeploymentLike>(client, target.path, (d) => {
    if (Boolean(d.spec?.paused) === paused) {
      // kubectl's ObjectPauserFn / ObjectResumerFn errors, reported as `error: deployments.apps "web" ...`
      throw new SkiffError('SKIFF_ERR_CONFIG', `${groupResource(deployments)} "${target.name}" ${paused ? 'is already paused' : 'is not paused'}`);
    }
    d.spec = { ...d.spec, paused };
    if (!paused) delete d.spec.paused;
    return d;
  });
  ctx.io.stdout(`${target.display} ${paused ? 'paused' : 'resumed'}\n`);
}

