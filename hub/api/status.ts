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
 * plural, as kube-apiserver's NotFound and Forbidden say it), or the Kind the error names itself
 * (an Invalid object's, as NewInvalid does).
 */
export function statusFromError(err: unknown, target?: { kind?: string; group?: string; name?: string }): StatusBody {
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
      ...(target?.kind ? { kind: skiff.kind ?? target.kind } : {}),
      ...(skiff.details.length > 0 ? { causes: skiff.details.map(toCause) } : {}),
    };
  }
  return body;
}

function toCause(e: FieldError): { reason: string; message: string; field: string } {
  return { reason: e.message.startsWith('Required value') ? 'FieldValueRequired' : 'FieldValueInvalid', message: e.message, field: e.path };
}

/**
 * Kubernetes' error for an invalid object: `Deployment.apps "web" is invalid: [a: x, b: y]`, which
 * names its Kind (`qualifiedKind` up to the group: Deployment) as NewInvalid does.
 */
export function invalidError(qualifiedKind: string, name: string, errors: FieldError[]): SkiffError {
  const parts = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const kind = qualifiedKind.split('.')[0]!;
  return new SkiffError('SKIFF_ERR_INVALID', `${qualifiedKind} "${name}" is invalid: ${list}`, { details: errors, kind });
}
