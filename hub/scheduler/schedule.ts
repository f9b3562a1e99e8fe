/**
 * The scheduler's pure core: filter the nodes a Pod may run on (filters.ts), then rank the rest
 * (scoring.ts). When none fits, the message says why in kube-scheduler's words (fit-error.ts).
 * The result depends only on the inputs, never on the order nodes or Pods are listed in.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { failingReasons } from './filters.js';
import { fitErrorMessage } from './fit-error.js';
import { buildNodeInfos, type NodeInfo } from './node-info.js';
import { compareScores, scoreNode, type NodeScore } from './scoring.js';

export type ScheduleResult = { node: string } | { node?: undefined; message: string };

export function schedule(pod: KubeObject, nodes: KubeObject[], pods: KubeObject[]): ScheduleResult {
  return scheduleOnto(pod, buildNodeInfos(nodes, pods));
}

/** The same decision on node infos kept up to date elsewhere (node-info.ts NodeInfoSet). */
export function scheduleOnto(pod: KubeObject, infos: readonly NodeInfo[]): ScheduleResult {
  const failures: string[][] = [];
  let best: NodeScore | undefined;
  for (const info of infos) {
    const reasons = failingReasons(pod, info);
    if (reasons.length > 0) {
      failures.push(reasons);
      continue;
    }
    const score = scoreNode(pod, info);
    if (!best || compareScores(score, best) < 0) best = score;
  }
  return best ? { node: best.name } : { message: fitErrorMessage(infos.length, failures) };
}
