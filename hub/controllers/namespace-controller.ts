/**
 * Empties Terminating namespaces and then removes them, as Kubernetes' namespace controller
 * (pkg/controller/namespace): deleting a Namespace only marks it (hub/objects/deletion.ts); this
 * controller deletes every namespaced object in it through the API's own deletion path (so Pods
 * on nodes are stopped gracefully by their agents), reports what is left in the
 * NamespaceDeletionContentFailure / NamespaceContentRemaining conditions, and once nothing is left
 * drops the "kubernetes" finalizer and removes the Namespace (when no other finalizer remains).
 * Level-triggered: each sync re-reads the namespace and its content, so any pass converges.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { RESOURCES, resolveResource, type ResourceType } from '../../shared/api/resources.js';
import type { Logger } from '../../shared/log.js';
import { deleteObject, isTerminating, nowTimestamp } from '../objects/deletion.js';
import { mutate } from '../objects/mutate.js';
import type { Change, Store } from '../store/store.js';
import { QueueController } from './controller.js';
import { nextNamespaceConditions, type ContentTotals, type NamespaceCondition } from './namespace-conditions.js';

const namespaces = resolveResource('namespaces')!;

/** The finalizer the API server puts on every namespace and this controller alone removes. */
export const KUBERNETES_FINALIZER = 'kubernetes';

/**
 * When content remains (Pods waiting for their node), look again after this long even if no
 * change arrives; the DELETED change of the last object normally wakes the namespace first.
 */
const CONTENT_REMAINING_RECHECK_MS = 1_000;

/**
 * Owners before what they own, Pods before Events: deleting a Deployment before its ReplicaSets
 * and those before their Pods means no controller recreates what was just removed; Events come
 * last because stopping Pods still records some.
 */
const DELETION_ORDER: readonly ResourceType[] = RESOURCES.filter((rt) => rt.namespaced).sort((a, b) => rank(a) - rank(b));

function rank(rt: ResourceType): number {
  if (rt.kind === 'Pod') return 2;
  if (rt.kind === 'Event') return 3;
  return rt.kind === 'ReplicaSet' || rt.kind === 'ControllerRevision' ? 1 : 0;
}

interface NamespaceSpec {
  finalizers?: string[];
}

interface NamespaceStatus {
  phase?: string;
  conditions?: NamespaceCondition[];
}

export class NamespaceController extends QueueController {
  constructor(
    store: Store,
    logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super('namespace-controller', store, logger);
  }

  onChange(change: Change): void {
    if (change.resource === namespaces) {
      if (isTerminating(change.object) && change.type !== 'DELETED') this.queue.add(change.object.metadata.name!);
      return;
    }
    // An object appearing in or leaving a namespace may matter to that namespace's termination.
    if (change.resource.namespaced && change.type !== 'MODIFIED' && change.object.metadata.namespace) {
      this.queue.add(change.object.metadata.namespace);
    }
  }

  async resync(): Promise<void> {
    for (const ns of await this.store.list(namespaces)) {
      if (isTerminating(ns)) this.queue.add(ns.metadata.name!);
    }
  }

  protected async sync(name: string): Promise<void> {
    const namespace = await this.store.get(namespaces, undefined, name);
    if (!namespace || !isTerminating(namespace)) return;
    const totals = await this.deleteContent(name);
    const stillThere = [...totals.remaining.values()].some((n) => n > 0);
    await this.updateStatus(name, totals);
    if (stillThere || totals.deleteErrors.length > 0) {
      this.queue.addAfter(name, CONTENT_REMAINING_RECHECK_MS);
      return;
    }
    await this.finalize(name);
  }

  /** Deletes every object in the namespace, then counts what is still there. */
  private async deleteContent(namespace: string): Promise<ContentTotals> {
    const deleteErrors: string[] = [];
    for (const rt of DELETION_ORDER) {
      for (const object of await this.store.list(rt, namespace)) {
        if (isTerminating(object)) continue; // already on its way out (a Pod its node is stopping)
        try {
          await deleteObject(this.store, rt, object, this.clock());
        } catch (err) {
          // Reported in NamespaceDeletionContentFailure and retried on the next pass.
          this.logger.warn({ component: this.name, namespace, kind: rt.kind, name: object.metadata.name, err }, 'could not delete namespace content');
          deleteErrors.push(`${rt.plural}.${rt.group} "${object.metadata.name}": ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    const remaining = new Map<string, number>();
    for (const rt of DELETION_ORDER) {
      const left = (await this.store.list(rt, namespace)).length;
      if (left > 0) remaining.set(`${rt.plural}.${rt.group}`, left);
    }
    return { remaining, deleteErrors };
  }

  private async updateStatus(name: string, totals: ContentTotals): Promise<void> {
    await mutate<KubeObject>(this.store, namespaces, undefined, name, (current) => {
      const status = (current.status ?? {}) as NamespaceStatus;
      const next = nextNamespaceConditions(status.conditions, totals, nowTimestamp(this.clock()));
      if (!next.changed && status.phase === 'Terminating') return undefined;
      current.status = { ...status, phase: 'Terminating', conditions: next.conditions };
      return current;
    });
  }

  /**
   * Drops the "kubernetes" finalizer (Kubernetes' /finalize), and removes the Namespace once
   * no finalizer is left, as the API server does when the last one goes.
   */
  private async finalize(name: string): Promise<void> {
    const finalized = await mutate<KubeObject>(this.store, namespaces, undefined, name, (current) => {
      const spec = (current.spec ?? {}) as NamespaceSpec;
      if (!spec.finalizers?.includes(KUBERNETES_FINALIZER)) return undefined;
      current.spec = { ...spec, finalizers: spec.finalizers.filter((f) => f !== KUBERNETES_FINALIZER) };
      return current;
    });
    if (!finalized) return;
    const left = ((finalized.spec ?? {}) as NamespaceSpec).finalizers ?? [];
    if (left.length > 0) {
      this.logger.info({ component: this.name, namespace: name, finalizers: left }, 'namespace emptied; waiting for its other finalizers');
      return;
    }
    await this.store.delete(namespaces, undefined, name);
    this.logger.info({ component: this.name, namespace: name }, 'namespace removed');
  }
}
