/**
 * Kubernetes' label key and value rules (k8s.io/apimachinery validation), as plain regular
 * expressions. shared/api/schema/meta.ts has the same rules, but importing it loads zod, which
 * costs the agent ~12 MB of RSS (measured) for two regexes; keep these in step with it.
 */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Why `key` is not a valid label key, or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return `prefix ${JSON.stringify(prefix)} must be a lowercase RFC 1123 subdomain of at most 253 characters`;
  }
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `name ${JSON.stringify(name)} must be at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    return `value ${JSON.stringify(value)} must be empty or at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}
