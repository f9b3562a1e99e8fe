/**
 * Drives each Deployment through ReplicaSets, as Kubernetes does: one ReplicaSet per pod template
 * (named `<deployment>-<pod-template-hash>`, labelled with the hash, annotated with its revision).
 * A template change creates a new ReplicaSet and moves replicas to it one rollout step per sync
 * (rollout-math.ts: maxSurge / maxUnavailable, or Recreate); Pods becoming available trigger the
 * next step through the ReplicaSets' status. minReadySeconds is handed to the ReplicaSets (which
 * count availability with it), progressDeadlineSeconds drives the Progressing condition, paused
 * stops new revisions, and scaled-down revisions beyond revisionHistoryLimit are pruned.
 * TODO(#3): proportional scaling when replicas change while several ReplicaSets are live.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { ReplicaSetStatus } from '../../shared/api/status-types.js';
import type { Logger } from '../../shared/log.js';
import { DEFAULTS } from '../../shared/defaults.js';
import { mutate } from '../objects/mutate.js';
import { nowTimestamp } from '../objects/deletion.js';
import { podTemplateHash } from '../objects/names.js';
import type { Change, Store } from '../store/store.js';
import { QueueController, key, splitKey } from './controller.js';
import { deploymentStatus, progressDeadlineAtMs } from './deployment-status.js';
import { rolloutStep, type ReplicaSetCounts } from './rollout-math.js';
import { isOwnedBy } from './pod-facts.js';

const deployments = resolveResource('deployments')!;
const replicaSets = resolveResource('replicasets')!;

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const TEMPLATE_HASH_LABEL = 'pod-template-hash';

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
  constructor(store: Store, logger: Logger) {
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
      // Paused (as Kubernetes): no new revision starts; the current ReplicaSet still follows scaling.
      await this.syncPaused(deployment, owned, newRs);
      return;
    }
    const oldRs = owned.filter((rs) => rs !== newRs);
    if (!newRs) {
      // With old Pods still running, the new ReplicaSet starts empty and grows step by step.
      const initial = oldRs.some((rs) => replicasOf(rs) > 0) ? 0 : (spec.replicas ?? 1);
      newRs = await this.store.create(replicaSets, this.replicaSetFor(deployment, spec, hash, maxRevision + 1, initial));
      this.logger.info({ component: this.name, deployment: k, replicaset: newRs.metadata.name }, 'created replicaset');
    } else if (revisionOf(newRs) !== maxRevision) {
      // Rolling back to an older template makes its ReplicaSet the newest revision again.
      newRs = (await this.scale(newRs, replicasOf(newRs), maxRevision + 1)) ?? newRs;
    }
    if ((newRs.spec as { minReadySeconds?: number }).minReadySeconds !== spec.minReadySeconds) {
      newRs = (await this.syncMinReadySeconds(newRs, spec.minReadySeconds)) ?? newRs;
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
      await this.scale(rs, replicas, revisionOf(rs));
      this.logger.info({ component: this.name, deployment: k, replicaset: rs.metadata.name, from: replicasOf(rs), to: replicas }, 'scaled replicaset');
    }

    await this.pruneHistory(deployment, spec, newRs);
    await this.writeStatus(deployment, newRs);
  }

  /** While paused only scaling applies, and only when one ReplicaSet is live (no rollout half-way). */
  private async syncPaused(deployment: KubeObject, owned: KubeObject[], templateRs: KubeObject | undefined): Promise<void> {
    const live = owned.filter((rs) => replicasOf(rs) > 0);
    const current = templateRs ?? [...owned].sort((a, b) => revisionOf(b) - revisionOf(a))[0];
    const replicas = (deployment.spec as DeploymentSpec).replicas ?? 1;
    if (current && live.every((rs) => rs === current) && replicasOf(current) !== replicas) {
      await this.scale(current, replicas, revisionOf(current));
    }
    await this.writeStatus(deployment, current);
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
    await mutate(this.store, deployments, namespace, name, (d) => {
      if (d.metadata.uid !== deployment.metadata.uid) return undefined;
      const withoutTimes = (s: unknown) => JSON.stringify(s, (f, v: unknown) => (f === 'lastUpdateTime' || f === 'lastTransitionTime' ? undefined : v));
      if (withoutTimes(d.status) === withoutTimes(status) && (d.status as { observedGeneration?: number } | undefined)?.observedGeneration === d.metadata.generation) return undefined;
      return { ...d, status: { ...status, observedGeneration: d.metadata.generation } };
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

  private replicaSetFor(deployment: KubeObject, spec: DeploymentSpec, hash: string, revision: number, replicas: number): KubeObject {
    const labels = { ...spec.template.metadata?.labels, [TEMPLATE_HASH_LABEL]: hash };
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${deployment.metadata.name}-${hash}`,
        namespace: deployment.metadata.namespace,
        labels,
        annotations: { [REVISION_ANNOTATION]: String(revision) },
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

  private async scale(rs: KubeObject, replicas: number, revision: number): Promise<KubeObject | undefined> {
    return mutate(this.store, replicaSets, rs.metadata.namespace, rs.metadata.name!, (current) => {
      const spec = current.spec as { replicas?: number };
      if (spec.replicas === replicas && revisionOf(current) === revision) return undefined;
      spec.replicas = replicas;
      current.metadata.annotations = { ...current.metadata.annotations, [REVISION_ANNOTATION]: String(revision) };
      return current;
    });
  }
}
