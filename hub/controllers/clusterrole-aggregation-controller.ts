/**
 * Keeps the rules of every aggregated ClusterRole (one with an `aggregationRule`) equal to what
 * its selectors gather, as kube-controller-manager's clusterrole-aggregation controller
 * (pkg/controller/clusterroleaggregation). The maths is hub/auth/clusterrole-aggregation.ts. As
 * there, any ClusterRole change enqueues every aggregated ClusterRole: the set is small and which
 * role feeds which is only known by evaluating the selectors, so it is cheaper to re-check all
 * (a change of an aggregated role's rules then reaches the roles that aggregate it in turn).
 * Keys are ClusterRole names.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import { RBAC_GROUP, type ClusterRole } from '../../shared/api/schema/rbac.js';
import { SkiffError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { aggregationUpdate, isAggregated } from '../auth/clusterrole-aggregation.js';
import type { Change, Store } from '../store/store.js';
import { QueueController } from './controller.js';

const clusterRoles = resolveResource(`clusterroles.${RBAC_GROUP}`)!;

const asClusterRole = (object: KubeObject): ClusterRole => object as unknown as ClusterRole;

export class ClusterRoleAggregationController extends QueueController {
  /** Names of the aggregated ClusterRoles, kept from change events and rebuilt by every resync. */
  private readonly aggregated = new Set<string>();

  constructor(store: Store, logger: Logger) {
    super('clusterrole-aggregation-controller', store, logger);
  }

  onChange(change: Change): void {
    if (change.resource !== clusterRoles) return;
    const name = change.object.metadata.name!;
    if (change.type !== 'DELETED' && isAggregated(asClusterRole(change.object))) this.aggregated.add(name);
    else this.aggregated.delete(name);
    for (const role of this.aggregated) this.queue.add(role);
  }

  async resync(): Promise<void> {
    this.aggregated.clear();
    for (const role of await this.store.list(clusterRoles)) {
      if (isAggregated(asClusterRole(role))) this.aggregated.add(role.metadata.name!);
    }
    for (const role of this.aggregated) this.queue.add(role);
  }

  protected async sync(name: string): Promise<void> {
    const stored = await this.store.get(clusterRoles, undefined, name);
    if (!stored) return;
    const all = (await this.store.list(clusterRoles)).map(asClusterRole);
    const update = aggregationUpdate(asClusterRole(stored), all);
    if (!update) return;
    if (!update.ok) {
      // An invalid selector is the role author's to fix; requeued with backoff, as Kubernetes does.
      throw new SkiffError('SKIFF_ERR_INVALID', `clusterroles.${RBAC_GROUP} "${name}": aggregationRule: ${update.error}`);
    }
    // resourceVersion set: a write that raced this one makes the update fail and the key retry.
    await this.store.update(clusterRoles, { ...stored, rules: update.rules } as KubeObject);
    this.logger.info({ clusterRole: name, rules: update.rules.length }, 'aggregated ClusterRole rules');
  }
}
