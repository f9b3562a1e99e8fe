/**
 * kubectl's client-side apply, as a pure decision: what to send for one manifest given the live
 * object (or none). The manifest as applied is remembered in the last-applied annotation, so the
 * next apply can tell "unchanged" from "configured" and which labels and annotations it owns.
 */
import { canonicalJson } from '../../shared/canonical-json.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';

import { LAST_APPLIED_ANNOTATION } from '../../shared/api/annotations.js';

export { LAST_APPLIED_ANNOTATION };

export type ApplyDecision =
  | { action: 'create'; body: KubeObject }
  | { action: 'unchanged' }
  | { action: 'configure'; body: KubeObject };

type StringMap = Record<string, string>;

/**
 * The object apply sends, before any merge: the manifest with its namespace resolved
 * (document, else -n, else default; none for cluster-scoped kinds) and without a stale
 * last-applied annotation (a manifest saved from `get -o yaml` carries one).
 */
export function normalizeManifest(object: KubeObject, resource: ResourceType, namespace: string): KubeObject {
  const copy = structuredClone(object);
  if (resource.namespaced) copy.metadata.namespace = copy.metadata.namespace ?? namespace;
  else delete copy.metadata.namespace;
  const annotations = withoutKey(copy.metadata.annotations, LAST_APPLIED_ANNOTATION);
  if (annotations) copy.metadata.annotations = annotations;
  else delete copy.metadata.annotations;
  return copy;
}

/** The annotation's value: the manifest as JSON, as kubectl writes it (with a trailing newline). */
export function lastAppliedConfiguration(manifest: KubeObject): string {
  return `${JSON.stringify(manifest)}\n`;
}

export function decideApply(manifest: KubeObject, live: KubeObject | undefined): ApplyDecision {
  const applied = lastAppliedConfiguration(manifest);
  if (!live) {
    const body = withLastApplied(structuredClone(manifest), applied);
    // A resourceVersion copied from some earlier `get` means nothing for a new object.
    delete body.metadata.resourceVersion;
    return { action: 'create', body };
  }
  const previous = parsePrevious(live.metadata.annotations?.[LAST_APPLIED_ANNOTATION]);
  if (previous !== undefined && canonicalJson(previous) === canonicalJson(manifest)) return { action: 'unchanged' };

  const body = structuredClone(manifest);
  // Labels and annotations are merged three ways, like kubectl's patch: keep what others
  // (controllers, users) added, drop only what this manifest owned before and no longer has.
  const labels = threeWayMerge(live.metadata.labels, previous?.metadata?.labels, manifest.metadata.labels);
  if (labels) body.metadata.labels = labels;
  else delete body.metadata.labels;
  const annotations = threeWayMerge(
    withoutKey(live.metadata.annotations, LAST_APPLIED_ANNOTATION),
    previous?.metadata?.annotations,
    manifest.metadata.annotations,
  );
  if (annotations) body.metadata.annotations = annotations;
  else delete body.metadata.annotations;
  withLastApplied(body, applied);
  // Fields the manifest does not manage stay as the server has them.
  if (body.metadata.ownerReferences === undefined && live.metadata.ownerReferences) body.metadata.ownerReferences = live.metadata.ownerReferences;
  if (body.metadata.finalizers === undefined && live.metadata.finalizers) body.metadata.finalizers = live.metadata.finalizers;
  // Optimistic concurrency: the PUT only succeeds against the version we just read.
  if (live.metadata.resourceVersion !== undefined) body.metadata.resourceVersion = live.metadata.resourceVersion;
  else delete body.metadata.resourceVersion;
  return { action: 'configure', body };
}

/** live + desired, minus keys the previous manifest set but the desired one dropped. */
export function threeWayMerge(live: StringMap | undefined, previous: StringMap | undefined, desired: StringMap | undefined): StringMap | undefined {
  const out: StringMap = { ...(live ?? {}) };
  for (const key of Object.keys(previous ?? {})) if (!(desired && key in desired)) delete out[key];
  Object.assign(out, desired ?? {});
  return Object.keys(out).length === 0 ? undefined : out;
}

function withLastApplied(object: KubeObject, applied: string): KubeObject {
  object.metadata.annotations = { ...(object.metadata.annotations ?? {}), [LAST_APPLIED_ANNOTATION]: applied };
  return object;
}

function withoutKey(map: StringMap | undefined, key: string): StringMap | undefined {
  if (!map) return undefined;
  const { [key]: _dropped, ...rest } = map;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

function parsePrevious(text: string | undefined): (Partial<KubeObject> & { metadata?: KubeObject['metadata'] }) | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Partial<KubeObject>) : undefined;
  } catch {
    return undefined; // a hand-edited, broken annotation: treat as never applied
  }
}
