/**
 * A DaemonSet's revision history, as Kubernetes' daemon controller keeps it
 * (pkg/controller/daemon/update.go: constructHistory, dedupCurHistories, snapshot,
 * cleanupHistory): one ControllerRevision per distinct pod template, named `<ds>-<hash>`, whose
 * `data` is the patch `{spec:{template:{..., $patch: replace}}}` that restores it and whose
 * `revision` grows monotonically; the current template's revision is bumped to max+1 when it
 * becomes current again (a rollback), and old revisions beyond revisionHistoryLimit go, oldest
 * first, unless a live Pod still carries their hash. Pure: revisions and Pods come in as facts.
 */
import { canonicalJson } from '../../shared/canonical-json.js';
import type { KubeObject } from '../../shared/api/object.js';
import { REVISION_HASH_LABEL } from './daemonset-plan.js';

/** The strategic-merge directive that makes the patch replace the whole template. */
const PATCH_DIRECTIVE = '$patch';

export interface RevisionFacts {
  name: string;
  revision: number;
  /** The controller-revision-hash label (Kubernetes compares Pods' labels with it, not the name). */
  hash: string | undefined;
  /** The pod template the revision restores. */
  template: unknown;
}

export interface HistoryInput {
  dsName: string;
  /** The DaemonSet's spec.template as stored. */
  template: unknown;
  /** podTemplateHash of that template, the suffix of a new revision's name. */
  hash: string;
  /** The ControllerRevisions the DaemonSet controls. */
  revisions: readonly RevisionFacts[];
  /** controller-revision-hash labels of the DaemonSet's Pods that are not yet gone. */
  liveHashes: ReadonlySet<string>;
  revisionHistoryLimit: number;
}

export interface HistoryPlan {
  /** A revision to create for the current template (none matches it yet). */
  create?: { name: string; revision: number };
  /** The current template's revision, renumbered to be the newest (after a rollback). */
  renumber?: { name: string; revision: number };
  /** Other revisions of the current template (dedupCurHistories keeps the newest). */
  duplicates: string[];
  /** Old revisions beyond revisionHistoryLimit that no live Pod uses, oldest first. */
  prune: string[];
  /**
   * A revision already has the new revision's name but holds another template (a hash collision).
   * Kubernetes retries with status.collisionCount; Skiff keeps the Pods rolling and records none.
   */
  collision?: string;
}

/** getPatch: the ControllerRevision data that restores `template` onto the DaemonSet. */
export function revisionData(template: unknown): Record<string, unknown> {
  return { spec: { template: { ...(structuredClone(template) as Record<string, unknown>), [PATCH_DIRECTIVE]: 'replace' } } };
}

/** The pod template a ControllerRevision's data restores (without the patch directive). */
export function templateOfRevision(revision: Pick<KubeObject, 'metadata'> & { data?: unknown }): Record<string, unknown> | undefined {
  const template = (revision.data as { spec?: { template?: unknown } } | undefined)?.spec?.template;
  if (template === null || typeof template !== 'object' || Array.isArray(template)) return undefined;
  const { [PATCH_DIRECTIVE]: _directive, ...rest } = template as Record<string, unknown>;
  return rest;
}

/** Kubernetes' match(): the revision restores exactly this template (key order aside). */
export function templatesMatch(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export function revisionFactsOf(object: KubeObject & { revision?: number; data?: unknown }): RevisionFacts {
  return { name: object.metadata.name ?? '', revision: object.revision ?? 0, hash: object.metadata.labels?.[REVISION_HASH_LABEL], template: templateOfRevision(object) };
}

const byRevision = (a: RevisionFacts, b: RevisionFacts) => a.revision - b.revision || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function planDaemonSetHistory(input: HistoryInput): HistoryPlan {
  const current = input.revisions.filter((r) => templatesMatch(r.template, input.template)).sort(byRevision);
  const old = input.revisions.filter((r) => !templatesMatch(r.template, input.template)).sort(byRevision);
  const nextRevision = Math.max(0, ...old.map((r) => r.revision)) + 1;
  const plan: HistoryPlan = { duplicates: [], prune: [] };

  if (current.length === 0) {
    const name = `${input.dsName}-${input.hash}`;
    if (old.some((r) => r.name === name)) plan.collision = name;
    else plan.create = { name, revision: nextRevision };
  } else {
    const keep = current.at(-1)!;
    plan.duplicates = current.slice(0, -1).map((r) => r.name);
    if (keep.revision < nextRevision) plan.renumber = { name: keep.name, revision: nextRevision };
  }

  // cleanupHistory: only old revisions count against the limit, and one a Pod runs is kept.
  let excess = old.length - input.revisionHistoryLimit;
  for (const r of old) {
    if (excess <= 0) break;
    if (r.hash !== undefined && input.liveHashes.has(r.hash)) continue;
    plan.prune.push(r.name);
    excess--;
  }
  return plan;
}

/** The ControllerRevision `snapshot` creates: template labels plus the hash, the DaemonSet's annotations, owned by it. */
export function newControllerRevision(ds: KubeObject, template: { metadata?: { labels?: Record<string, string> } }, hash: string, name: string, revision: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: ds.metadata.namespace,
      labels: { ...template.metadata?.labels, [REVISION_HASH_LABEL]: hash },
      // The DaemonSet's annotations (kubernetes.io/change-cause among them) become the revision's,
      // which is where `rollout history` reads CHANGE-CAUSE.
      ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name!, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    data: revisionData(template),
    revision,
  } as KubeObject;
}
