/**
 * Kubernetes' equality.Semantic.DeepEqual over JSON objects, for the RBAC code that compares
 * stored objects and rules (escalation.ts, clusterrole-aggregation.ts): as Go decodes JSON, a
 * missing field, null, an empty list and an empty map are the same value, and key order means
 * nothing. Pure.
 */
import { canonicalJson } from '../../shared/canonical-json.js';

/** `value` with every empty member (undefined, null, [] or {}) left out, recursively. */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (value === null || typeof value !== 'object') return value;
  const kept: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    const normalised = withoutEmpty(member);
    if (normalised === undefined || normalised === null) continue;
    if (Array.isArray(normalised) && normalised.length === 0) continue;
    if (typeof normalised === 'object' && !Array.isArray(normalised) && Object.keys(normalised).length === 0) continue;
    kept[key] = normalised;
  }
  return kept;
}

export function semanticallyEqual(a: unknown, b: unknown): boolean {
  // Wrapped, so that an empty value at the top is as absent as one inside.
  return canonicalJson(withoutEmpty({ value: a })) === canonicalJson(withoutEmpty({ value: b }));
}
