/**
 * Validation of user-supplied objects, shared by `skiff apply` (client side, before anything is
 * sent) and the API (server side, never trusting a client). Errors carry kube-style field paths.
 */
import type { ZodError } from 'zod';
import type { FieldError } from '../errors.js';
import type { KubeObject } from './object.js';
import { RESOURCES, apiVersionOf, resourceByKind, type ResourceType } from './resources.js';
import { requirementsOf, selectorMatches, type LabelSelector } from './labels.js';
import { nodeLostPolicyErrors } from './annotations.js';

export type ValidationResult =
  | { ok: true; object: KubeObject; resource: ResourceType }
  | { ok: false; errors: FieldError[]; resource?: ResourceType };

/** ['spec', 'containers', 0, 'image'] -> "spec.containers[0].image" */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function zodFieldErrors(error: ZodError): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({ path: formatFieldPath([...issue.path, key]), message: 'unknown field (not supported by Skiff)' });
      }
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      errors.push({ path: formatFieldPath(issue.path), message: 'Required value' });
    } else {
      errors.push({ path: formatFieldPath(issue.path), message: issue.message });
    }
  }
  return errors;
}

const KNOWN_KINDS = RESOURCES.map((rt) => `${apiVersionOf(rt)} ${rt.kind}`).join(', ');

export function validateObject(input: unknown): ValidationResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', message: 'expected an object with apiVersion, kind and metadata' }] };
  }
  const { apiVersion, kind } = input as Record<string, unknown>;
  if (typeof apiVersion !== 'string' || apiVersion === '') return { ok: false, errors: [{ path: 'apiVersion', message: 'Required value' }] };
  if (typeof kind !== 'string' || kind === '') return { ok: false, errors: [{ path: 'kind', message: 'Required value' }] };
  const resource = resourceByKind(apiVersion, kind);
  if (!resource) {
    return {
      ok: false,
      errors: [{ path: 'kind', message: `no kind "${kind}" is registered for version "${apiVersion}" (Skiff serves: ${KNOWN_KINDS})` }],
    };
  }
  // reportInput: zod 4 only says what it received (to tell a missing field from a wrong type) when asked.
  const parsed = resource.schema.safeParse(input, { reportInput: true });
  const errors = parsed.success ? [] : zodFieldErrors(parsed.error);
  const metadata = (input as { metadata?: { name?: unknown; generateName?: unknown } }).metadata;
  if (metadata?.name === undefined && metadata?.generateName === undefined) {
    errors.push({ path: 'metadata.name', message: 'Required value: name or generateName is required' });
  }
  // Kubernetes reports every field error of an object at once, cross-field rules included.
  errors.push(...crossFieldErrors(input as KubeObject));
  errors.push(...nodeLostPolicyErrors(input as KubeObject));
  if (errors.length > 0) return { ok: false, errors, resource };
  return { ok: true, object: input as KubeObject, resource };
}

/**
 * Where `input` has fields its kind's schema does not know, as paths: what a write with
 * `fieldValidation=Ignore` or `Warn` drops (hub/api/field-validation.ts). Empty for an unknown kind.
 */
export function unknownFieldPaths(input: unknown): PropertyKey[][] {
  const { apiVersion, kind } = (input ?? {}) as Record<string, unknown>;
  const resource = typeof apiVersion === 'string' && typeof kind === 'string' ? resourceByKind(apiVersion, kind) : undefined;
  const parsed = resource?.schema.safeParse(input);
  if (!parsed || parsed.success) return [];
  return parsed.error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : []));
}

/** Rules that span fields, as Kubernetes' validation enforces them for workloads. */
function crossFieldErrors(object: KubeObject): FieldError[] {
  if (object.kind !== 'Deployment' && object.kind !== 'ReplicaSet' && object.kind !== 'DaemonSet') return [];
  const spec = object.spec as { selector?: LabelSelector; template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
  if (typeof spec?.selector !== 'object' || spec.selector === null) return []; // the schema reports it
  const shapeOk = [spec.selector.matchLabels, spec.selector.matchExpressions].every((part) => part === undefined || typeof part === 'object');
  if (!shapeOk) return [];
  if (requirementsOf(spec.selector).length === 0) {
    // (Kubernetes' ReplicaSet validation says "deployment" too.)
    return [{ path: 'spec.selector', message: `Invalid value: empty selector is invalid for ${object.kind === 'DaemonSet' ? 'daemonset' : 'deployment'}` }];
  }
  const labels = spec.template?.metadata?.labels ?? {};
  if (!selectorMatches(spec.selector, labels)) {
    return [{ path: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\`` }];
  }
  return [];
}
