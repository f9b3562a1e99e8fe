/**
 * Kubernetes Status objects: every API error leaves the hub as one of these, mapped from
 * SkiffError codes here and nowhere else (style.md lesson 7).
 */
import { SkiffError, type FieldError } from '../../shared/errors.js';

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; kind?: string; group?: string; causes?: Array<{ reason: string; message: string; field: string }> };
}

/**
 * The Status of a failed request about `target`. Its details name the resource (`kind` is the
 * plural, as kube-apiserver's NotFound and Forbidden say it), except for Invalid, whose details
 * name the Kind (`resourceKind`), as NewInvalid does: kubectl prints `The Deployment "web" is invalid: ...`.
 */
export function statusFromError(err: unknown, target?: { kind?: string; group?: string; name?: string; resourceKind?: string }): StatusBody {
  const skiff = err instanceof SkiffError ? err : new SkiffError('SKIFF_ERR_INTERNAL', 'Internal error occurred: ' + String(err instanceof Error ? err.message : err));
  const body: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: skiff.message,
    reason: skiff.reason,
    code: skiff.httpStatus,
  };
  if (target || skiff.details.length > 0) {
    body.details = {
      ...(target?.name ? { name: target.name } : {}),
      ...(target?.group ? { group: target.group } : {}),
      ...(target?.kind ? { kind: skiff.code === 'SKIFF_ERR_INVALID' && target.resourceKind ? target.resourceKind : target.kind } : {}),
      ...(skiff.details.length > 0 ? { causes: skiff.details.map(toCause) } : {}),
    };
  }
  return body;
}

function toCause(e: FieldError): { reason: string; message: string; field: string } {
  return { reason: e.message.startsWith('Required value') ? 'FieldValueRequired' : 'FieldValueInvalid', message: e.message, field: e.path };
}

/** Kubernetes' message for an invalid object: `Deployment.apps "web" is invalid: [a: x, b: y]`. */
export function invalidError(qualifiedKind: string, name: string, errors: FieldError[]): SkiffError {
  const parts = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new SkiffError('SKIFF_ERR_INVALID', `${qualifiedKind} "${name}" is invalid: ${list}`, { details: errors });
}
