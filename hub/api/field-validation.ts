/**
 * `?fieldValidation=Strict|Warn|Ignore` on create, update and patch, as kube-apiserver reads it
 * (kubectl 1.32 sends Strict unless `--validate=false|warn`):
 *   Strict  an unknown field fails the write (400, "strict decoding error: unknown field ...")
 *   Warn    unknown fields are dropped and each is named in a `Warning` header
 *   Ignore  unknown fields are dropped silently
 * Without the parameter Skiff stays strict, with its own 422 naming every unknown field: on a
 * fleet, a field silently dropped (a limit, a probe) is worse than a refused write. "Unknown"
 * means unknown to Skiff's schemas (shared/api/schema/), which include a Kubernetes field only
 * where Skiff acts on it.
 */
import { SkiffError } from '../../shared/errors.js';
import { formatFieldPath, unknownFieldPaths } from '../../shared/api/validate.js';
import type { ResourceType } from '../../shared/api/resources.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const DIRECTIVES: readonly FieldValidation[] = ['Strict', 'Warn', 'Ignore'];

export function fieldValidationOf(query: URLSearchParams): FieldValidation | undefined {
  const value = query.get('fieldValidation');
  if (value === null || value === '') return undefined;
  const directive = DIRECTIVES.find((d) => d.toLowerCase() === value.toLowerCase());
  if (!directive) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `fieldValidation: Unsupported value: ${JSON.stringify(value)}: supported values: "Ignore", "Strict", "Warn"`);
  }
  return directive;
}

export interface FieldValidationResult {
  body: unknown;
  /** The dropped fields' warnings, as kube-apiserver words them (`unknown field "spec.foo"`). */
  warnings: string[];
}

function drop(target: unknown, path: PropertyKey[]): void {
  let node = target as Record<PropertyKey, unknown> | undefined;
  for (const part of path.slice(0, -1)) node = node?.[part] as Record<PropertyKey, unknown> | undefined;
  if (node && typeof node === 'object') delete node[path[path.length - 1]!];
}

/**
 * The body to validate under `directive`: unchanged for Strict and for none (the schema refuses
 * unknown fields), else a copy without them. Strict is refused here with Kubernetes' wording.
 */
export function applyFieldValidation(resource: ResourceType, body: unknown, directive: FieldValidation | undefined): FieldValidationResult {
  if (directive === undefined) return { body, warnings: [] };
  const unknown = unknownFieldPaths(body);
  if (unknown.length === 0) return { body, warnings: [] };
  const fields = unknown.map((path) => `unknown field "${formatFieldPath(path)}"`);
  if (directive === 'Strict') {
    const list = fields.length === 1 ? fields[0] : fields.join(', ');
    throw new SkiffError(
      'SKIFF_ERR_BAD_REQUEST',
      `${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: strict decoding error: ${list}`,
      { details: unknown.map((path) => ({ path: formatFieldPath(path), message: 'unknown field (not supported by Skiff)' })) },
    );
  }
  const copy = structuredClone(body);
  for (const path of unknown) drop(copy, path);
  return { body: copy, warnings: directive === 'Warn' ? fields : [] };
}
