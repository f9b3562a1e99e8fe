/** Which containers the prober should watch after a pass: the running ones of desired pods that have probes. Pure. */
import type { DesiredState } from '../../shared/mqtt/messages.js';
import { identityOf } from '../runtime/labels.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { isRunningState } from '../reconcile/termination.js';
import type { ProbedContainer } from './prober.js';

export function probedContainers(desired: DesiredState | undefined, observed: readonly ObservedContainer[]): ProbedContainer[] {
  const pods = new Map((desired?.pods ?? []).map((pod) => [pod.metadata.uid, pod]));
  const out: ProbedContainer[] = [];
  for (const c of observed) {
    if (!isRunningState(c.state)) continue;
    const id = identityOf(c.labels);
    const pod = id ? pods.get(id.podUid) : undefined;
    const spec = pod?.spec.containers.find((s) => s.name === id?.container);
    if (!pod || !spec || !(spec.livenessProbe || spec.readinessProbe || spec.startupProbe)) continue;
    const startedAtMs = c.startedAt ? Date.parse(c.startedAt) : c.createdMs;
    out.push({ id: c.id, pod, spec, ...(c.ip ? { ip: c.ip } : {}), startedAtMs });
  }
  return out;
}
