/**
 * Drives each Deployment through ReplicaSets, as Kubernetes does: one ReplicaSet per pod template
 * (named `<deployment>-<pod-template-hash>`, labelled with the hash, annotated with its revision).
 * A template change creates a new ReplicaSet and moves replicas to it one rollout step per sync
 * (rollout-math.ts: maxSurge / maxUnavailable, or Recreate); Pods becoming available trigger the
 * next step through the ReplicaSets' status. minReadySeconds is handed to the ReplicaSets (which
 * count availability with it), progressDeadlineSeconds drives the Progressing condition, paused
 * stops new revisions, and scaled-down revisions beyond revisionHistoryLimit are pruned. Every
 * change of a ReplicaSet's size is recorded as a ScalingReplicaSet Event on the Deployment.
 * Resizing a Deployment while several ReplicaSets are live scales them proportionally
 * (proportional-scale.ts), as does any sync while paused. The Deployment's own annotations
 * (kubernetes.io/change-cause among them) are copied to its newest ReplicaSet, which is where
 * `rollout history` reads them.
 */
import type { KubeObject } from '../../shared/api/object.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  TEMPLATE_HASH_LABEL,
  copiedAnnotations,
} from '../../shared/api/annotations.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { ReplicaSetStatus } from '../../shared/api/status-types.js';
import type { Logger } from '../../shared/log.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { mutate } from '../objects/mutate.js';
import { nowTimestamp } from '../objects/deletion.js';
import { podTemplateHash } from '../objects/names.js';
import type { Change, Store } from '../store/store.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { QueueController, key, splitKey } from './controller.js';
import { deploymentStatus, progressDeadlineAtMs } from './deployment-status.js';
import { rolloutStep, type ReplicaSetCounts } from './rollout-math.js';
import {
  isScalingEvent,
  proportionalScale,
  replicasAnnotations,
  type SizedReplicaSet,
} from './proportional-scale.js';
import { isOwnedBy } from './pod-facts.js';

const deployments = resolveResource('deployments')!;
const replicaSets = resolveResource('replicasets')!;
const SOURCE = { component: 'deployment-controller' };

export { REVISION_ANNOTATION, TEMPLATE_HASH_LABEL };

interface DeploymentSpec {
  replicas?: number;
  paused?: boolean;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  strategy?: { type?: 'RollingUpdate' | 'Recreate'; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
  selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  template: { metadata?: KubeObject['metadata']; spec: unknown };
}

function revisionOf(rs: KubeObject): number {
  return Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
}

function replicasOf(rs: KubeObject): number {
  return (rs.spec as { replicas?: number }).replicas ?? 1;
}

/** The Deployment's annotations its ReplicaSets carry (change-cause among them). */
function copiedFrom(deployment: KubeObject): Record<string, string> {
  return copiedAnnotations(deployment.metadata.annotations);
}

function annotationNumber(rs: KubeObject, name: string): number | undefined {
  const value = Number(rs.metadata.annotations?.[name]);
  return rs.metadata.annotations?.[name] !== undefined && Number.isSafeInteger(value) ? value : undefined;
}

function sizedOf(rs: KubeObject): SizedReplicaSet {
  const desiredReplicas = annotationNumber(rs, DESIRED_REPLICAS_ANNOTATION);
  const maxReplicas = annotationNumber(rs, MAX_REPLICAS_ANNOTATION);
  return {
    name: rs.metadata.name!,
    replicas: replicasOf(rs),
    created: String(rs.metadata.creationTimestamp ?? ''),
    available: (rs.status as ReplicaSetStatus | undefined)?.availableReplicas ?? 0,
    ...(desiredReplicas !== undefined ? { desiredReplicas } : {}),
    ...(maxReplicas !== undefined ? { maxReplicas } : {}),
  };
}

function countsOf(rs: KubeObject): ReplicaSetCounts {
  const status = (rs.status as ReplicaSetStatus | undefined) ?? { replicas: 0 };
  return {
    name: rs.metadata.name!,
    replicas: replicasOf(rs),
    available: status.availableReplicas ?? 0,
    existing: status.replicas ?? 0,
    created: String(rs.metadata.creationTimestamp ?? ''),
  };
}

export class DeploymentController extends QueueController {
  constructor(
    store: Store,
    logger: Logger,
    private readonly events: EventRecorder,
  ) {
    super('deployment-controller', store, logger);
  }

  onChange(change: Change): void {
    if (change.resource === deployments) this.enqueue(change.object);
    if (change.resource === replicaSets) this.enqueueOwner(change.object, 'Deployment');
  }

  async resync(): Promise<void> {
    for (const d of await this.store.list(deployments)) this.enqueue(d);
  }

  protected async sync(k: string): Promise<void> {
    const { namespace, name } = splitKey(k);
    const deployment = await this.store.get(deployments, namespace, name);
    if (!deployment || deployment.metadata.deletionTimestamp) return;
    const spec = deployment.spec as DeploymentSpec;
    const hash = podTemplateHash(spec.template);
    const owned = (await this.store.list(replicaSets, namespace)).filter((rs) => isOwnedBy(rs, deployment.metadata.uid!));
    let newRs = owned.find((rs) => rs.metadata.labels?.[TEMPLATE_HASH_LABEL] === hash);
    const maxRevision = Math.max(0, ...owned.map(revisionOf));

    if (spec.paused) {
      // Paused (as Kubernetes): no new revision starts; the ReplicaSets still follow scaling.
      await this.syncSizes(deployment, newRs, owned.filter((rs) => rs !== newRs));
      return;
    }
    const oldRs = owned.filter((rs) => rs !== newRs);
    if (!newRs) {
      // With old Pods still running, the new ReplicaSet starts empty and grows step by step.
      const initial = oldRs.some((rs) => replicasOf(rs) > 0) ? 0 : (spec.replicas ?? 1);
      newRs = await this.store.create(replicaSets, this.replicaSetFor(deployment, spec, hash, maxRevision + 1, initial));
      this.logger.info({ component: this.name, deployment: k, replicaset: newRs.metadata.name }, 'created replicaset');
      if (initial > 0) this.recordScaling(deployment, newRs.metadata.name!, 0, initial);
    } else if (revisionOf(newRs) !== maxRevision) {
      // Rolling back to an older template makes its ReplicaSet the newest revision again.
      newRs = (await this.scale(deployment, newRs, replicasOf(newRs), maxRevision + 1)) ?? newRs;
    }
    if ((newRs.spec as { minReadySeconds?: number }).minReadySeconds !== spec.minReadySeconds) {
      newRs = (await this.syncMinReadySeconds(newRs, spec.minReadySeconds)) ?? newRs;
    }
    newRs = (await this.syncCopiedAnnotations(deployment, newRs)) ?? newRs;
    if (isScalingEvent({ replicas: spec.replicas ?? 1, newRs: sizedOf(newRs), oldRs: oldRs.map(sizedOf) })) {
      await this.syncSizes(deployment, newRs, oldRs);
      return;
    }

    const decision = rolloutStep({
      strategy: spec.strategy?.type ?? 'RollingUpdate',
      replicas: spec.replicas ?? 1,
      maxSurge: spec.strategy?.rollingUpdate?.maxSurge,
      maxUnavailable: spec.strategy?.rollingUpdate?.maxUnavailable,
      newRs: countsOf(newRs),
      oldRs: oldRs.map(countsOf),
    });
    for (const rs of [newRs, ...oldRs]) {
      const replicas = decision.get(rs.metadata.name!);
      if (replicas === undefined) continue;
      await this.scale(deployment, rs, replicas, revisionOf(rs));
      this.logger.info({ component: this.name, deployment: k, replicaset: rs.metadata.name, from: replicasOf(rs), to: replicas }, 'scaled replicaset');
    }

    await this.pruneHistory(deployment, spec, newRs);
    await this.writeStatus(deployment, newRs);
  }

  /**
   * A resize, or any sync while paused (Kubernetes' sync()): no rollout step, only sizes —
   * proportionally across the live ReplicaSets.
   */
  private async syncSizes(deployment: KubeObject, newRs: KubeObject | undefined, oldRs: KubeObject[]): Promise<void> {
    const spec = deployment.spec as DeploymentSpec;
    const decision = proportionalScale({
      replicas: spec.replicas ?? 1,
      strategy: spec.strategy?.type ?? 'RollingUpdate',
      maxSurge: spec.strategy?.rollingUpdate?.maxSurge,
      maxUnavailable: spec.strategy?.rollingUpdate?.maxUnavailable,
      newRs: newRs ? sizedOf(newRs) : undefined,
      oldRs: oldRs.map(sizedOf),
      statusReplicas: (deployment.status as { replicas?: number } | undefined)?.replicas ?? 0,
    });
    for (const rs of [...(newRs ? [newRs] : []), ...oldRs]) {
      const replicas = decision.get(rs.metadata.name!);
      if (replicas !== undefined) await this.scale(deployment, rs, replicas, revisionOf(rs));
    }
    await this.writeStatus(deployment, newRs);
  }

  /** Keeps at most revisionHistoryLimit old, scaled-down ReplicaSets; the oldest go first. */
  private async pruneHistory(deployment: KubeObject, spec: DeploymentSpec, newRs: KubeObject): Promise<void> {
    const limit = spec.revisionHistoryLimit ?? DEFAULTS.revisionHistoryLimit;
    const owned = (await this.store.list(replicaSets, deployment.metadata.namespace)).filter((rs) => isOwnedBy(rs, deployment.metadata.uid!));
    const idle = owned
      .filter((rs) => rs.metadata.uid !== newRs.metadata.uid && replicasOf(rs) === 0 && ((rs.status as ReplicaSetStatus | undefined)?.replicas ?? 0) === 0)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      await this.store.delete(replicaSets, rs.metadata.namespace, rs.metadata.name!);
      this.logger.info({ component: this.name, replicaset: rs.metadata.name, revision: revisionOf(rs) }, 'pruned old revision');
    }
  }

  private async writeStatus(deployment: KubeObject, newRs: KubeObject | undefined): Promise<void> {
    const { namespace, name } = { namespace: deployment.metadata.namespace, name: deployment.metadata.name! };
    const all = (await this.store.list(replicaSets, namespace)).filter((rs) => isOwnedBy(rs, deployment.metadata.uid!));
    const current = newRs ? all.find((rs) => rs.metadata.uid === newRs.metadata.uid) : undefined;
    const status = deploymentStatus(deployment, current, all, nowTimestamp());
    // A rollout that stops making progress must turn ProgressDeadlineExceeded without any event.
    const deadlineMs = progressDeadlineAtMs(deployment, status);
    if (deadlineMs !== undefined) this.queue.addAfter(key(namespace, name), Math.max(0, deadlineMs - Date.now()) + 100);
    // The Deployment carries its current revision too (SetDeploymentRevision), as kubectl shows it.
    const revision = newRs ? String(revisionOf(newRs)) : undefined;
    await mutate(this.store, deployments, namespace, name, (d) => {
      if (d.metadata.uid !== deployment.metadata.uid) return undefined;
      const withoutTimes = (s: unknown) => JSON.stringify(s, (f, v: unknown) => (f === 'lastUpdateTime' || f === 'lastTransitionTime' ? undefined : v));
      const revisionKept = revision === undefined || d.metadata.annotations?.[REVISION_ANNOTATION] === revision;
      if (revisionKept && withoutTimes(d.status) === withoutTimes(status) && (d.status as { observedGeneration?: number } | undefined)?.observedGeneration === d.metadata.generation) return undefined;
      const metadata = revisionKept ? d.metadata : { ...d.metadata, annotations: { ...d.metadata.annotations, [REVISION_ANNOTATION]: revision } };
      return { ...d, metadata, status: { ...status, observedGeneration: d.metadata.generation } };
    });
  }

  private async syncMinReadySeconds(rs: KubeObject, minReadySeconds: number | undefined): Promise<KubeObject | undefined> {
    return mutate(this.store, replicaSets, rs.metadata.namespace, rs.metadata.name!, (current) => {
      const spec = current.spec as { minReadySeconds?: number };
      if (spec.minReadySeconds === minReadySeconds) return undefined;
      if (minReadySeconds === undefined) delete spec.minReadySeconds;
      else spec.minReadySeconds = minReadySeconds;
      return current;
    });
  }

  /** SetNewReplicaSetAnnotations: the newest ReplicaSet follows the Deployment's annotations (change-cause). */
  private async syncCopiedAnnotations(deployment: KubeObject, rs: KubeObject): Promise<KubeObject | undefined> {
    const wanted = copiedFrom(deployment);
    return mutate(this.store, replicaSets, rs.metadata.namespace, rs.metadata.name!, (current) => {
      const annotations = current.metadata.annotations ?? {};
      if (Object.entries(wanted).every(([k, v]) => annotations[k] === v)) return undefined;
      current.metadata.annotations = { ...annotations, ...wanted };
      return current;
    });
  }

  private replicaSetFor(deployment: KubeObject, spec: DeploymentSpec, hash: string, revision: number, replicas: number): KubeObject {
    const labels = { ...spec.template.metadata?.labels, [TEMPLATE_HASH_LABEL]: hash };
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${deployment.metadata.name}-${hash}`,
        namespace: deployment.metadata.namespace,
        labels,
        annotations: {
          ...copiedFrom(deployment),
          ...replicasAnnotations(spec.replicas ?? 1, spec.strategy?.rollingUpdate?.maxSurge, spec.strategy?.rollingUpdate?.maxUnavailable, spec.strategy?.type ?? 'RollingUpdate'),
          [REVISION_ANNOTATION]: String(revision),
        },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name!, uid: deployment.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        replicas,
        ...(spec.minReadySeconds !== undefined ? { minReadySeconds: spec.minReadySeconds } : {}),
        selector: { ...spec.selector, matchLabels: { ...spec.selector.matchLabels, [TEMPLATE_HASH_LABEL]: hash } },
        template: { ...spec.template, metadata: { ...spec.template.metadata, labels } },
      },
      status: { replicas: 0 },
    };
  }

  private async scale(deployment: KubeObject, rs: KubeObject, replicas: number, revision: number): Promise<KubeObject | undefined> {
    let from = replicas;
    const scaled = await mutate(this.store, replicaSets, rs.metadata.namespace, rs.metadata.name!, (current) => {
      from = replicasOf(current);
      const spec = current.spec as { replicas?: number };
      const d = deployment.spec as DeploymentSpec;
      // Every sizing remembers the Deployment size it was for (SetReplicasAnnotations): a later resize is then a scaling event.
      const sizing = replicasAnnotations(d.replicas ?? 1, d.strategy?.rollingUpdate?.maxSurge, d.strategy?.rollingUpdate?.maxUnavailable, d.strategy?.type ?? 'RollingUpdate');
      const annotations = current.metadata.annotations ?? {};
      const unchanged = Object.entries(sizing).every(([k, v]) => annotations[k] === v);
      if (spec.replicas === replicas && revisionOf(current) === revision && unchanged) return undefined;
      spec.replicas = replicas;
      current.metadata.annotations = { ...annotations, ...sizing, [REVISION_ANNOTATION]: String(revision) };
      return current;
    });
    if (from !== replicas) this.recordScaling(deployment, rs.metadata.name!, from, replicas);
    return scaled;
  }

  /** sync.go's scaleReplicaSet (and getNewReplicaSet, for a new ReplicaSet: "from 0"). */
  private recordScaling(deployment: KubeObject, rs: string, from: number, to: number): void {
    this.events.record(deployment, 'Normal', 'ScalingReplicaSet', `Scaled ${from < to ? 'up' : 'down'} replica set ${rs} from ${from} to ${to}`, SOURCE);
  }
}
