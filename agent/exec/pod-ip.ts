/**
 * A Pod's IP on this node, from its running sandbox (the newest attempt): where port-forward
 * connects. A hostNetwork Pod's sandbox has none of its own; the node's address is the Pod's then.
 */
import { identityOf } from '../runtime/labels.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { isRunningState } from '../reconcile/termination.js';

export function podIpOf(sandboxes: readonly ObservedContainer[], uid: string, nodeIp: string | undefined): string | undefined {
  const running = sandboxes
    .filter((s) => identityOf(s.labels)?.podUid === uid && isRunningState(s.state))
    .sort((a, b) => identityOf(b.labels)!.attempt - identityOf(a.labels)!.attempt)[0];
  if (!running) return undefined;
  return running.networkMode === 'host' ? (nodeIp ?? '127.0.0.1') : running.ip;
}
