/**
 * Binds each unbound, live Pod to a node chosen by the pure `schedule`, and records
 * PodScheduled=False with Kubernetes' "0/N nodes are available" message when none fits. A Pod
 * left unbound is retried when nodes change and on every resync. As kube-scheduler, it records a
 * `Scheduled` Event for each binding and a `FailedScheduling` one for each failed attempt (the
 * recorder folds and rate-limits the repeats).
 */
import type { KubeObject } from '../../shared/api/object.js';
import { resolveResource } from '../../shared/api/resources.js';
import type { PodCondition, PodStatus } from '../../shared/api/status-types.js';
import type { Logger } from '../../shared/log.js';
import { nowTimestamp } from '../objects/deletion.js';
import { mutate } from '../objects/mutate.js';
import type { Change, Store } from '../store/store.js';
import type { EventRecorder } from '../events/event-recorder.js';
import { QueueController, splitKey } from '../controllers/controller.js';
import { isPodActive, nodeNameOf } from '../controllers/pod-facts.js';
import { schedule } from './schedule.js';

const pods = resolveResource('pods')!;
const nodes = resolveResource('nodes')!;
const SOURCE = { component: 'default-scheduler' };

function setCondition(status: PodStatus, next: PodCondition): PodStatus {
  const others = (status.conditions ?? []).filter((c) => c.type !== next.type);
  const before = status.conditions?.find((c) => c.type === next.type);
  const lastTransitionTime = before && before.status === next.status ? before.lastTransitionTime : next.lastTransitionTime;
  return { ...status, conditions: [...others, { ...next, lastTransitionTime }] };
}

export class SchedulerController extends QueueController {
  constructor(
    store: Store,
    logger: Logger,
    private readonly events: EventRecorder,
  ) {
    super('scheduler', store, logger);
  }

  onChange(change: Change): void {
    if (change.resource === pods && change.type !== 'DELETED' && !nodeNameOf(change.object)) this.enqueue(change.object);
    // As kube-scheduler on AssignedPodDelete: a bound Pod going away frees room that a Pending
    // Pod may have been waiting for.
    const freesRoom = change.resource === pods && change.type === 'DELETED' && nodeNameOf(change.object) !== undefined;
    if (change.resource === nodes || freesRoom) {
      this.resync().catch((err: unknown) => this.logger.error({ component: this.name, err }, 'resync after a node or bound pod change failed'));
    }
  }

  async resync(): Promise<void> {
    for (const pod of await this.store.list(pods)) {
      if (!nodeNameOf(pod) && isPodActive(pod)) this.enqueue(pod);
    }
  }

  protected async sync(k: string): Promise<void> {
    const { namespace, name } = splitKey(k);
    const pod = await this.store.get(pods, namespace, name);
    if (!pod || nodeNameOf(pod) || !isPodActive(pod)) return;
    const result = schedule(pod, await this.store.list(nodes), await this.store.list(pods));
    const now = nowTimestamp();
    let changed = false;
    let attempted = false;
    const written = await mutate(this.store, pods, namespace, name, (current: KubeObject) => {
      if (nodeNameOf(current) || current.metadata.uid !== pod.metadata.uid) return undefined;
      attempted = true;
      const status = current.status as PodStatus;
      if (result.node !== undefined) {
        (current.spec as { nodeName?: string }).nodeName = result.node;
        current.status = setCondition(status, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
        changed = true;
        return current;
      }
      const unschedulable: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: result.message, lastProbeTime: null, lastTransitionTime: now };
      if (status.conditions?.some((c) => c.type === 'PodScheduled' && c.message === result.message)) return undefined;
      current.status = setCondition(status, unschedulable);
      changed = true;
      return current;
    });
    if (attempted && result.node === undefined) this.events.record(written ?? pod, 'Warning', 'FailedScheduling', result.message, SOURCE);
    if (!changed) return;
    if (result.node === undefined) {
      this.logger.info({ component: this.name, pod: k, reason: result.message }, 'pod unschedulable');
      return;
    }
    this.events.record(written ?? pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${result.node}`, SOURCE);
    this.logger.info({ component: this.name, pod: k, node: result.node }, 'bound pod');
  }
}
