/**
 * `skiff drain NODE...`: cordon, then evict every Pod the drain filters allow (./drain-plan.ts)
 * and wait until they are gone, in kubectl 1.32's words (k8s.io/kubectl/pkg/cmd/drain RunDrain).
 *
 * Each Pod is evicted as kubectl evicts it: a policy/v1 Eviction POSTed to its `eviction`
 * subresource, carrying --grace-period in its deleteOptions. Skiff has no PodDisruptionBudgets
 * yet, so nothing refuses an eviction (no 429 to retry); the Pod is deleted gracefully.
 */
import type { KubeList } from '../../../shared/api/object.js';
import { resolveResource, resourcePath } from '../../../shared/api/resources.js';
import { SkiffError } from '../../../shared/errors.js';
import { isApiStatusError } from '../api-errors.js';
import type { CliContext } from '../context.js';
import { aggregateMessage, formatGoDuration, parseGracePeriod, planDrain, type DrainFlags, type DrainPod } from '../drain-plan.js';
import { parseDurationMs } from '../../../shared/duration.js';
import type { HubClient } from '../hub-client.js';
import { parseNodeNames } from '../node-args.js';
import { pollUntil } from '../wait-for.js';
import { setUnschedulable } from './cordon.js';

const pods = resolveResource('pods')!;

export interface DrainOptions {
  ignoreDaemonsets: boolean;
  deleteEmptydirData: boolean;
  force: boolean;
  timeout: string;
  gracePeriod: string;
}

export async function runDrain(args: string[], options: DrainOptions, ctx: CliContext): Promise<void> {
  // Every flag is checked before anything is written.
  const timeoutMs = parseDurationMs(options.timeout, '--timeout');
  const gracePeriod = parseGracePeriod(options.gracePeriod);
  const names = parseNodeNames(args, 'drain');
  const flags: DrainFlags = { ignoreDaemonSets: options.ignoreDaemonsets, deleteEmptyDirData: options.deleteEmptydirData, force: options.force };
  const client = await ctx.connect();
  for (const name of names) await setUnschedulable(client, name, true, ctx);

  const failures: string[] = [];
  const remaining: string[] = [];
  for (const name of names) {
    try {
      await drainNode(client, name, flags, gracePeriod, timeoutMs, ctx);
      ctx.io.stdout(`node/${name} drained\n`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ctx.io.stderr(`error: unable to drain node "${name}" due to error: ${message}, continuing command...\n`);
      failures.push(message);
      remaining.push(name);
    }
  }
  if (remaining.length > 0) ctx.io.stderr(`There are pending nodes to be drained:\n${remaining.map((n) => ` ${n}\n`).join('')}`);
  if (failures.length > 0) throw new SkiffError('SKIFF_ERR_INTERNAL', failures.join('\n'));
}

/** The Pods bound to a node (filtered here too: a server may ignore the field selector). */
async function podsOn(client: HubClient, node: string): Promise<DrainPod[]> {
  const list = await client.get<KubeList<DrainPod>>(resourcePath(pods), { query: { fieldSelector: `spec.nodeName=${node}` } });
  return (list.items ?? []).filter((p) => p.spec?.nodeName === node);
}

function podPath(pod: DrainPod): string {
  return resourcePath(pods, pod.metadata.namespace, pod.metadata.name);
}

async function drainNode(client: HubClient, node: string, flags: DrainFlags, gracePeriod: number, timeoutMs: number, ctx: CliContext): Promise<void> {
  const plan = planDrain(await podsOn(client, node), flags);
  if (plan.errors.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', aggregateMessage(plan.errors));
  if (plan.warnings !== '') ctx.io.stderr(`${ctx.colours.stderr.label(`Warning: ${plan.warnings}`)}\n`);

  for (const pod of plan.evict) {
    try {
      // A negative --grace-period (the default, -1) keeps the Pod's own, as kubectl leaves it out.
      await client.request('POST', `${podPath(pod)}/eviction`, {
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace },
          ...(gracePeriod >= 0 ? { deleteOptions: { gracePeriodSeconds: gracePeriod } } : {}),
        },
      });
    } catch (err) {
      // Already gone is what we wanted.
      if (!isApiStatusError(err, 'NotFound')) throw err;
    }
    ctx.io.stdout(`evicting pod ${pod.metadata.namespace}/${pod.metadata.name}\n`);
  }

  let waiting = [...plan.evict];
  const done = await pollUntil(
    async () => {
      const still: DrainPod[] = [];
      for (const pod of waiting) {
        const live = await client.getIfExists<DrainPod>(podPath(pod));
        // A Pod of the same name but another uid is a new Pod: the evicted one is gone.
        if (live !== undefined && live.metadata.uid === pod.metadata.uid) still.push(pod);
        else ctx.io.stdout(`pod/${pod.metadata.name} evicted\n`);
      }
      waiting = still;
      return waiting.length === 0;
    },
    // --timeout=0 (the default) waits as long as it takes, as kubectl.
    { timeoutMs: timeoutMs === 0 ? Infinity : timeoutMs, intervalMs: 500 },
  );
  if (done) return;
  const message = `drain did not complete within ${formatGoDuration(timeoutMs)}`;
  const pending = planDrain(await podsOn(client, node), flags).evict;
  if (pending.length > 0) {
    ctx.io.stderr(`There are pending pods in node "${node}" when an error occurred: ${message}\n${pending.map((p) => `pod/${p.metadata.name}\n`).join('')}`);
  }
  throw new SkiffError('SKIFF_ERR_INTERNAL', message);
}
