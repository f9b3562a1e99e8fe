/**
 * The 403 every denial answers with, worded exactly as kube-apiserver's (responsewriters.Forbidden
 * and apierrors.NewForbidden) so that kubectl-trained eyes and scripts read it:
 *   pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "default"
 *   nodes is forbidden: User "u" cannot list resource "nodes" in API group "" at the cluster scope
 *   forbidden: User "u" cannot get path "/metrics"
 */
import { SkiffError } from '../../shared/errors.js';
import type { RequestAttributes } from './request-attributes.js';
import type { UserInfo } from './user.js';

export function forbiddenMessage(user: UserInfo, request: RequestAttributes, reason = ''): string {
  let what: string;
  if (request.kind === 'non-resource') {
    what = `User "${user.username}" cannot ${request.verb} path "${request.path}"`;
  } else {
    const resource = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
    const scope = request.namespace ? `in the namespace "${request.namespace}"` : 'at the cluster scope';
    what = `User "${user.username}" cannot ${request.verb} resource "${resource}" in API group "${request.apiGroup}" ${scope}`;
  }
  if (reason) what = `${what}: ${reason}`;
  if (request.kind === 'non-resource') return `forbidden: ${what}`;
  const groupResource = request.apiGroup ? `${request.resource}.${request.apiGroup}` : request.resource;
  return request.name ? `${groupResource} "${request.name}" is forbidden: ${what}` : `${groupResource} is forbidden: ${what}`;
}

/** Status details of a 403, as NewForbidden fills them: the resource as kind, its group and name. */
export function forbiddenTarget(request: RequestAttributes): { kind: string; group?: string; name?: string } | undefined {
  if (request.kind === 'non-resource') return undefined;
  return { kind: request.resource, ...(request.apiGroup ? { group: request.apiGroup } : {}), ...(request.name ? { name: request.name } : {}) };
}

export function forbiddenError(user: UserInfo, request: RequestAttributes, reason = ''): SkiffError {
  return new SkiffError('SKIFF_ERR_FORBIDDEN', forbiddenMessage(user, request, reason));
}
