/**
 * Keeps one Pod of each DaemonSet on every node that should run it (daemonset-plan.ts decides,
 * as Kubernetes' daemon controller): Pods appear on nodes that join or start matching, leave nodes
 * that stop matching or are gone, and a template change rolls out node by node within
 * maxUnavailable, or with maxSurge by starting the new Pod next to the old one, which goes once
 * the new one is available (or, with OnDelete, as old Pods are deleted). Pods are named
 * `<daemonset>-<5 random>`, labelled with `controller-revision-hash` and `pod-template-generation`,
 * and each creation and deletion is recorded as an Event on the DaemonSet.
 *
 * Before the Pods, each sync brings the DaemonSet's ControllerRevisions up to date
 * (daemonset-history.ts decides): one per distinct template, named `<daemonset>-<hash>` with the
 * same hash the Pods carry, pruned to revisionHistoryLimit; `rollout history|undo ds/NAME` read
 * them. The hash is Skiff's pod-template-hash of the template (same form as Kubernetes', different
 * values), and a hash collision is logged rather than resolved with status.collisionCount.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { PodSpec } from '../../shared/api/schema/pod.js';
import type { DaemonSetStatus } from '../../shared/api/schema/workloads.js';
import { isSkiffError } from '../../shared/errors.js';
import { DEFAULTS } from '../../shared/defaults.js';
import type { Logger } from '../../shared/log.js';
import { applyDefaults } from '../api/defaults.js';
import { deleteObject } from '../objects/deletion.js';
import { mutate } from '../objects/mutate.js';
import { podTemplateHash, randomSuffix } from '../objects/names.js';
import type { Change, Store } from '../store/store.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { QueueController, key, splitKey } from './controller.js';
import { isOwnedBy } from './pod-facts.js';
import { PodIndex } from '../objects/pods-by-node.js';
import { newControllerRevision, planDaemonSetHistory, revisionFactsOf } from './daemonset-history.js';
import {
  REVISION_HASH_LABEL,
  TEMPLATE_GENERATION_LABEL,
  daemonNodeOf,
  daemonPodOf,
  daemonTemplateOf,
  planDaemonSet,
  type DaemonPod,
  type DaemonTemplate,
  type RollingUpdate,
} from './daemonset-plan.js';

const daemonSets = resolveResource('daemonsets')!;
const pods = resolveResource('pods')!;
const nodes = resolveResource('nodes')!;
const controllerRevisions = resolveResource('controllerrevisions')!;
const SOURCE = { component: 'daemonset-controller' };

/**
 * A sync plans over every node, and every status change of a daemon Pod asks for one: with 2,000
 * nodes rolling, syncs ran back to back (58% of the hub's CPU), each retiring one old Pod, and the
 * dispatcher could publish new desired states only in the gaps. So one DaemonSet is synced at
 * most every 250 ms, and never more than a third of the time; what changed meanwhile is taken
 * together by the next sync.
 */
const SYNC_THROTTLE = { minIntervalMs: 250, durationFactor: 2 };

interface DaemonSetSpec {
  template: { metadata?: KubeObject['metadata']; spec: PodSpec };
  updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

function rollingUpdateOf(spec: DaemonSetSpec): RollingUpdate | undefined {
  if ((spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return undefined;
  const rolling = spec.updateStrategy?.rollingUpdate;
  return { maxUnavailable: rolling?.maxUnavailable ?? 1, maxSurge: rolling?.maxSurge ?? 0 };
}

/**
 * A write of status (or labels) alone: the sync reads the spec and its generation, so this
 * changes nothing it would do. The controller's own status write is such a change: enqueueing on
 * it doubled the syncs, each a plan over every node.
 */
function specUnchanged(change: Change): boolean {
  const { previous, object } = change;
  return change.type === 'MODIFIED' && previous !== undefined && previous.metadata.generation === object.metadata.generation && previous.metadata.deletionTimestamp === object.metadata.deletionTimestamp;
}

function placementMayChange(change: Change): boolean {
  if (change.type !== 'MODIFIED' || !change.previous) return true;
  const facts = (node: KubeObject) => JSON.stringify([node.metadata.labels ?? {}, node.spec ?? {}]);
  return facts(change.previous) !== facts(change.object);
}

/** The uid of the DaemonSet that controls a Pod. */
function controllingDaemonSetUid(pod: KubeObject): string | undefined {
  return pod.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === 'DaemonSet')?.uid;
}

export class DaemonSetController extends QueueController {
  /**
   * Each DaemonSet's Pods, and every Node, from change events: a sync reads its own Pods and the
   * node list from memory. Listing (parsing) every Pod of the namespace and every Node per sync,
   * and a sync per daemon Pod status change, kept the hub's event loop busy for seconds at a time
   * with a DaemonSet over 10,000 nodes (test/bench/hub-capacity.ts).
   */
  private readonly owned: PodIndex;
  private readonly nodes = new Map<string, KubeObject>();
  private nodesLoaded = false;
  private readonly factsByPod = new WeakMap<KubeObject, { hash: string; generation: number | undefined; minReadySeconds: number; facts: DaemonPod }>();

  constructor(
    store: Store,
    logger: Logger,
    private readonly events: EventRecorder,
  ) {
    super('daemonset-controller', store, logger, { throttle: SYNC_THROTTLE });
    this.owned = new PodIndex(store, controllingDaemonSetUid);
  }

  onChange(change: Change): void {
    this.owned.onChange(change);
    if (change.resource === nodes) {
      if (change.type === 'DELETED') this.nodes.delete(change.object.metadata.name!);
      else this.nodes.set(change.object.metadata.name!, change.object);
    }
    if (change.resource === daemonSets && !specUnchanged(change)) this.enqueue(change.object);
    if (change.resource === pods) this.enqueueOwner(change.object, 'DaemonSet');
    // As Kubernetes' addHistory/updateHistory/deleteHistory: a revision changed or deleted by
    // someone else is put right by the next sync of its DaemonSet.
    if (change.resource === controllerRevisions) this.enqueueOwner(change.object, 'DaemonSet');
    // A node joining, leaving, relabelled or (un)tainted may change where every DaemonSet runs;
    // its heartbeats (status only) do not, as Kubernetes' shouldIgnoreNodeUpdate. The caches
    // already hold the change: only the DaemonSets are listed (reloading every Node and Pod per
    // join was 43% of the hub's CPU with 6,000 nodes joining).
    if (change.resource === nodes && placementMayChange(change)) {
      this.enqueueEveryDaemonSet().catch((err: unknown) => this.logger.error({ component: this.name, err }, 'enqueueing the DaemonSets after a node change failed'));
    }
  }

  async resync(): Promise<void> {
    await this.loadCaches();
    await this.enqueueEveryDaemonSet();
  }

  private async enqueueEveryDaemonSet(): Promise<void> {
    for (const ds of await this.store.list(daemonSets)) this.enqueue(ds);
  }

  /** The safety net (every resync) and the first sync: both caches from full listings. */
  private async loadCaches(): Promise<void> {
    await this.owned.load();
    const all = await this.store.list(nodes);
    this.nodes.clear();
    for (const node of all) this.nodes.set(node.metadata.name!, node);
    this.nodesLoaded = true;
  }

  protected async sync(k: string): Promise<void> {
    const { namespace, name } = splitKey(k);
    const ds = await this.store.get(daemonSets, namespace, name);
    if (!ds || ds.metadata.deletionTimestamp) return; // its Pods go with it (garbage collector)
    const spec = ds.spec as DaemonSetSpec;
    const hash = podTemplateHash(spec.template);
    const generation = ds.metadata.generation;
    const nowMs = Date.now();
    if (!this.owned.ready || !this.nodesLoaded) await this.loadCaches();
    const owned = this.owned.podsFor(ds.metadata.uid!).filter((p) => isOwnedBy(p, ds.metadata.uid!));
    await this.syncHistory(ds, spec, hash, owned);
    const template = daemonTemplateOf(spec.template.spec as unknown as Record<string, unknown>);
    const plan = planDaemonSet(
      [...this.nodes.values()].map(daemonNodeOf),
      owned.map((p) => this.podFacts(p, hash, generation, spec.minReadySeconds ?? 0, nowMs)),
      template,
      rollingUpdateOf(spec),
    );

    for (const nodeName of plan.create) await this.createPod(ds, spec, template, nodeName, hash);
    for (const deletion of plan.delete) {
      const pod = owned.find((p) => p.metadata.name === deletion.pod)!;
      if (deletion.reason === 'failed') {
        this.events.record(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${namespace}/${deletion.pod} on node ${deletion.node}, will try to kill it`, SOURCE);
      }
      await deleteObject(this.store, pods, pod);
      this.events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${deletion.pod}`, SOURCE);
    }
    if (plan.create.length > 0 || plan.delete.length > 0) {
      this.logger.info(
        { component: this.name, daemonset: k, created: plan.create, deleted: plan.delete.map((d) => `${d.pod} (${d.reason})`) },
        'synced daemon pods',
      );
    }
    if (plan.nextAvailableAtMs !== undefined) this.queue.addAfter(key(namespace, name), plan.nextAvailableAtMs - nowMs + 50);

    const status: DaemonSetStatus = { ...plan.counts, observedGeneration: generation };
    await mutate(this.store, daemonSets, namespace, name, (current) => {
      if (current.metadata.uid !== ds.metadata.uid || JSON.stringify(current.status) === JSON.stringify(status)) return undefined;
      return { ...current, status };
    });
  }

  /**
   * daemonPodOf, remembered per stored Pod object (a change replaces the object) while the
   * template and minReadySeconds stay: reading every Pod's conditions again on every sync was 15%
   * of the hub's CPU in a 2,000-node roll-out. Facts that change with time alone (ready, not yet
   * available for minReadySeconds) are read again each time.
   */
  private podFacts(pod: KubeObject, hash: string, generation: number | undefined, minReadySeconds: number, nowMs: number): DaemonPod {
    const cached = this.factsByPod.get(pod);
    if (cached && cached.hash === hash && cached.generation === generation && cached.minReadySeconds === minReadySeconds) return cached.facts;
    const facts = daemonPodOf(pod, hash, generation, minReadySeconds, nowMs);
    if (facts.availableAtMs === undefined) this.factsByPod.set(pod, { hash, generation, minReadySeconds, facts });
    return facts;
  }

  /** Creates, renumbers, de-duplicates and prunes the DaemonSet's ControllerRevisions. */
  private async syncHistory(ds: KubeObject, spec: DaemonSetSpec, hash: string, owned: readonly KubeObject[]): Promise<void> {
    const namespace = ds.metadata.namespace;
    const revisions = (await this.store.list(controllerRevisions, namespace)).filter((r) => isOwnedBy(r, ds.metadata.uid!) && !r.metadata.deletionTimestamp);
    const liveHashes = new Set(owned.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL]).filter((h): h is string => h !== undefined));
    const plan = planDaemonSetHistory({
      dsName: ds.metadata.name!,
      template: spec.template,
      hash,
      revisions: revisions.map(revisionFactsOf),
      liveHashes,
      revisionHistoryLimit: spec.revisionHistoryLimit ?? DEFAULTS.revisionHistoryLimit,
    });
    const context = { component: this.name, daemonset: key(namespace, ds.metadata.name!) };
    if (plan.create) {
      try {
        await this.store.create(controllerRevisions, newControllerRevision(ds, spec.template, hash, plan.create.name, plan.create.revision));
        this.logger.info({ ...context, revision: plan.create.revision, name: plan.create.name }, 'created controller revision');
      } catch (err) {
        // Another DaemonSet's revision by that name (one deleted and recreated, not yet collected):
        // the Pods must not wait for it, and the garbage collector's deletion brings us back here.
        if (!isSkiffError(err, 'SKIFF_ERR_ALREADY_EXISTS')) throw err;
        this.logger.warn({ ...context, name: plan.create.name }, 'a controller revision by that name exists and is not ours; will retry');
      }
    }
    if (plan.collision) this.logger.error({ ...context, name: plan.collision }, 'hash collision: a revision of another template has this name; no revision recorded for the current template');
    if (plan.renumber) {
      const { name, revision } = plan.renumber;
      await mutate(this.store, controllerRevisions, namespace, name, (current) => ({ ...current, revision }));
      this.logger.info({ ...context, name, revision }, 'renumbered controller revision');
    }
    for (const name of [...plan.duplicates, ...plan.prune]) {
      const revision = revisions.find((r) => r.metadata.name === name)!;
      await deleteObject(this.store, controllerRevisions, revision);
    }
    if (plan.duplicates.length > 0 || plan.prune.length > 0) this.logger.info({ ...context, duplicates: plan.duplicates, pruned: plan.prune }, 'deleted controller revisions');
  }

  private async createPod(ds: KubeObject, spec: DaemonSetSpec, template: DaemonTemplate, nodeName: string, hash: string): Promise<void> {
    const labels: Record<string, string> = { ...spec.template.metadata?.labels, [REVISION_HASH_LABEL]: hash };
    if (ds.metadata.generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = String(ds.metadata.generation);
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${ds.metadata.name}-${randomSuffix()}`,
        namespace: ds.metadata.namespace,
        labels,
        ...(spec.template.metadata?.annotations ? { annotations: { ...spec.template.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name!, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        ...structuredClone(spec.template.spec),
        tolerations: template.tolerations,
        // Kubernetes >= 1.12 leaves daemon Pods unbound with a required node affinity for this node
        // (matchFields metadata.name) and lets the default scheduler bind them. Skiff binds them
        // here: its scheduler refuses unschedulable (cordoned) nodes, where daemon Pods must still
        // run, and this node was already judged by the same rules the scheduler would apply.
        nodeName,
      },
      status: { phase: 'Pending' },
    };
    await this.store.create(pods, applyDefaults(pod));
    this.events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, SOURCE);
  }
}
