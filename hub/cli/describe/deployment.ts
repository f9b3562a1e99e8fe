/**
 * `describe deployment`, ported from kubectl 1.32's describeDeployment, with the ReplicaSet
 * bookkeeping of k8s.io/kubectl/pkg/util/deployment (which ReplicaSet is new, which are old).
 */
import type { Event } from '../../../shared/api/schema/event.js';
import type { LabelSelector } from '../../../shared/api/labels.js';
import type { Deployment, ReplicaSet } from '../../../shared/api/schema/workloads.js';
import { templatesEqualIgnoreHash, type PodTemplate } from '../rollout-logic.js';
import { describeEvents } from './events.js';
import { byteOrder, printAnnotationsMultiline, printLabelsMultiline } from './multiline.js';
import { describePodTemplate } from './pod-template.js';
import { LEVEL_0, LEVEL_1, tabbedString } from './prefix-writer.js';
import { formatTime, type DescribeClock } from './time-format.js';

/**
 * metav1.LabelSelectorAsSelector(s).String(): matchLabels as key=value, expressions as
 * "key in (a,b)", "key notin (a,b)", "key" and "!key", all sorted by key; '' selects everything.
 */
export function selectorString(selector: LabelSelector | undefined): string {
  const terms: Array<[string, string]> = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => [k, `${k}=${v}`]);
  for (const e of selector?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort(byteOrder).join(',');
    const text =
      e.operator === 'In' ? `${e.key} in (${values})` : e.operator === 'NotIn' ? `${e.key} notin (${values})` : e.operator === 'Exists' ? e.key : `!${e.key}`;
    terms.push([e.key, text]);
  }
  return terms
    .sort(([a], [b]) => byteOrder(a, b))
    .map(([, text]) => text)
    .join(',');
}

export interface ReplicaSetsOfDeployment {
  /** Every other ReplicaSet the Deployment controls, scaled down or not, oldest first. */
  old: ReplicaSet[];
  /** The one whose template is the Deployment's (ignoring pod-template-hash), if it exists yet. */
  current: ReplicaSet | undefined;
}

/** GetAllReplicaSetsInChunks' answer as describe uses it: all old ReplicaSets and the new one. */
export function replicaSetsOf(deployment: Deployment, replicaSets: readonly ReplicaSet[]): ReplicaSetsOfDeployment {
  const uid = deployment.metadata.uid;
  const owned = replicaSets
    .filter((rs) => uid !== undefined && (rs.metadata.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === uid))
    .sort((a, b) => {
      const [x, y] = [Date.parse(a.metadata.creationTimestamp ?? ''), Date.parse(b.metadata.creationTimestamp ?? '')];
      return x === y || (Number.isNaN(x) && Number.isNaN(y)) ? byteOrder(a.metadata.name ?? '', b.metadata.name ?? '') : x - y;
    });
  const current = owned.find((rs) => templatesEqualIgnoreHash(rs.spec.template as PodTemplate, deployment.spec.template as PodTemplate));
  return { old: owned.filter((rs) => rs !== current), current };
}

/** printReplicaSetsByLabels: "web-5d8c7b9f4d (3/3 replicas created)", comma-separated, or <none>. */
function replicaSetList(replicaSets: readonly ReplicaSet[]): string {
  const text = replicaSets.map((rs) => `${rs.metadata.name ?? ''} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 1} replicas created)`).join(', ');
  return text || '<none>';
}

export function describeDeployment(
  deployment: Deployment,
  replicaSets: ReplicaSetsOfDeployment,
  events: readonly Event[] | undefined,
  clock: DescribeClock,
): string {
  const { metadata, spec } = deployment;
  const status = deployment.status ?? {};
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${metadata.namespace ?? ''}\n`);
    w.write(LEVEL_0, `CreationTimestamp:\t${formatTime(metadata.creationTimestamp, clock)}\n`);
    printLabelsMultiline(w, 'Labels', metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', metadata.annotations);
    w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector)}\n`);
    w.write(
      LEVEL_0,
      `Replicas:\t${spec.replicas ?? 1} desired | ${status.updatedReplicas ?? 0} updated | ${status.replicas ?? 0} total | ` +
        `${status.availableReplicas ?? 0} available | ${status.unavailableReplicas ?? 0} unavailable\n`,
    );
    w.write(LEVEL_0, `StrategyType:\t${spec.strategy?.type ?? ''}\n`);
    w.write(LEVEL_0, `MinReadySeconds:\t${spec.minReadySeconds ?? 0}\n`);
    const rolling = spec.strategy?.rollingUpdate;
    if (rolling) w.write(LEVEL_0, `RollingUpdateStrategy:\t${rolling.maxUnavailable ?? ''} max unavailable, ${rolling.maxSurge ?? ''} max surge\n`);
    describePodTemplate(spec.template, w, clock);
    const conditions = status.conditions ?? [];
    if (conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tReason\n');
      w.write(LEVEL_1, '----\t------\t------\n');
      for (const c of conditions) w.write(LEVEL_1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
    }
    if (replicaSets.old.length > 0 || replicaSets.current) {
      w.write(LEVEL_0, `OldReplicaSets:\t${replicaSetList(replicaSets.old)}\n`);
      w.write(LEVEL_0, `NewReplicaSet:\t${replicaSetList(replicaSets.current ? [replicaSets.current] : [])}\n`);
    }
    if (events) describeEvents(events, w, clock);
  });
}
