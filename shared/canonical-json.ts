/**
 * JSON with object keys sorted and undefined members dropped (undefined in arrays prints as null,
 * as JSON.stringify does), so that key order never changes a comparison or a hash. Used for the
 * agent's container spec hash (pinned by a test: changing this restarts containers on upgrade),
 * the hub's pod-template-hash and desired-state hash, and the CLI's apply comparison.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
