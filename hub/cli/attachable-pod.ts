/**
 * kubectl's attachablePodForObject, for `logs`, `exec` and `port-forward`: a bare NAME or
 * `pod/NAME` is that Pod; `deployment/NAME`, `replicaset/NAME` or `daemonset/NAME` is one of the
 * workload's Pods, picked as kubectl picks it (Ready first, then Running, then the oldest). Only
 * `logs` says which one on stderr when there are several, as kubectl's logsForObject does.
 */
import { resolveResource, resourcePath } from '../../shared/api/resources.js';
import { formatSelector, type LabelSelector } from '../../shared/api/labels.js';
import { SkiffError } from '../../shared/errors.js';
import type { CliContext } from './context.js';
import type { HubClient } from './hub-client.js';

interface PodLike {
  metadata: { name: string; creationTimestamp?: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

/** The command asking, for its messages. */
export type AttachPurpose = 'logs' | 'exec' | 'port-forward';

const PURPOSE_VERBS: Record<AttachPurpose, string> = { logs: 'get the logs from', exec: 'exec into', 'port-forward': 'port-forward to' };

/** Workload kinds whose Pods a TYPE/NAME argument picks from. */
const WORKLOADS = new Set(['deployments', 'replicasets', 'daemonsets']);

/** kubectl's ordering for picking a Pod: Ready before not, Running before others, then oldest. */
function byAttachability(a: PodLike, b: PodLike): number {
  const ready = (p: PodLike): number => (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 0 : 1);
  const running = (p: PodLike): number => (p.status?.phase === 'Running' ? 0 : 1);
  return ready(a) - ready(b) || running(a) - running(b) || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name);
}

export async function podNameFor(target: string, namespace: string, client: HubClient, ctx: CliContext, purpose: AttachPurpose): Promise<string> {
  const slash = target.indexOf('/');
  if (slash < 0) return target;
  const type = resolveResource(target.slice(0, slash));
  const name = target.slice(slash + 1);
  if (!type || name === '') throw new SkiffError('SKIFF_ERR_CONFIG', `arguments in resource/name form must have a single resource and name: ${JSON.stringify(target)}`);
  if (type.plural === 'pods') return name;
  if (!WORKLOADS.has(type.plural)) throw new SkiffError('SKIFF_ERR_CONFIG', `cannot ${PURPOSE_VERBS[purpose]} ${type.plural}: only pods, deployments, replicasets and daemonsets`);
  const workload = await client.get<{ spec?: { selector?: LabelSelector } }>(resourcePath(type, namespace, name));
  const selector = formatSelector(workload.spec?.selector);
  if (selector === '<none>') throw new SkiffError('SKIFF_ERR_CONFIG', `${type.singular}/${name} has no selector`);
  const pods = (await client.get<{ items: PodLike[] }>(resourcePath(resolveResource('pods')!, namespace), { query: { labelSelector: selector } })).items;
  if (pods.length === 0) throw new SkiffError('SKIFF_ERR_NOT_FOUND', `timed out waiting for the condition: no pods of ${type.singular}/${name} found`);
  const chosen = [...pods].sort(byAttachability)[0]!;
  if (pods.length > 1 && purpose === 'logs') ctx.io.stderr(`Found ${pods.length} pods, using pod/${chosen.metadata.name}\n`);
  return chosen.metadata.name;
}
