/**
 * The desired Pods that have a running sandbox with an IP, paired with it: whose hosts files are
 * kept up to date (pod-hosts.ts). Pure. hostNetwork Pods are left out (they keep the node's
 * /etc/hosts); of several sandboxes of one Pod the newest attempt counts, as plan-sandbox.ts keeps it.
 */
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import { identityOf } from '../runtime/labels.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { isRunningState } from '../reconcile/termination.js';

export function runningPodAddresses(pods: readonly DesiredPod[], sandboxes: readonly ObservedContainer[]): Array<{ pod: DesiredPod; podIp: string }> {
  const newest = new Map<string, { attempt: number; ip: string }>();
  for (const sandbox of sandboxes) {
    const id = identityOf(sandbox.labels);
    if (!id || !sandbox.ip || !isRunningState(sandbox.state)) continue;
    const seen = newest.get(id.podUid);
    if (!seen || id.attempt > seen.attempt) newest.set(id.podUid, { attempt: id.attempt, ip: sandbox.ip });
  }
  const out: Array<{ pod: DesiredPod; podIp: string }> = [];
  for (const pod of pods) {
    const found = newest.get(pod.metadata.uid);
    if (found && pod.spec.hostNetwork !== true) out.push({ pod, podIp: found.ip });
  }
  return out;
}
