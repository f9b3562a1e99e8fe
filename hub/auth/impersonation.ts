/**
 * User impersonation, as kube-apiserver's WithImpersonation filter (`kubectl --as=USER
 * --as-group=GROUP`): the headers `Impersonate-User`, `Impersonate-Group` (repeatable) and
 * `Impersonate-Uid` make the request act as that user, provided the requester may `impersonate`
 * each of them: `users` (or `serviceaccounts` in its namespace, for system:serviceaccount:NS:NAME),
 * `groups`, and `uids` of authentication.k8s.io. The impersonated user is then authorized (RBAC,
 * the Node authorizer) and audited as any other. Headers that Skiff would otherwise ignore
 * (`Impersonate-Extra-*`) are refused rather than dropped.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { SkiffError } from '../../shared/errors.js';
import type { Decision } from './authorizer.js';
import { forbiddenError } from './forbidden.js';
import type { RequestAttributes } from './request-attributes.js';
import { GROUP_AUTHENTICATED, GROUP_SERVICE_ACCOUNTS, type UserInfo } from './user.js';

const SERVICE_ACCOUNT = /^system:serviceaccount:([^:]+):([^:]+)$/;

function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : value.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function impersonate(resource: string, name: string, options: { apiGroup?: string; namespace?: string } = {}): RequestAttributes {
  return { kind: 'resource', verb: 'impersonate', apiGroup: options.apiGroup ?? '', apiVersion: '', resource, subresource: '', namespace: options.namespace ?? '', name };
}

/**
 * The user a request acts as: undefined when it impersonates no one. Throws 403 (kube-apiserver's
 * words) for what the requester may not impersonate, and 400 for groups without a user.
 */
export async function impersonatedUser(
  requester: UserInfo,
  headers: IncomingHttpHeaders,
  authorize: (user: UserInfo, request: RequestAttributes) => Promise<Decision>,
): Promise<UserInfo | undefined> {
  const [username, ...more] = headerValues(headers, 'impersonate-user');
  const groups = headerValues(headers, 'impersonate-group');
  const [uid] = headerValues(headers, 'impersonate-uid');
  const extras = Object.keys(headers).filter((h) => h.startsWith('impersonate-extra-'));
  if (username === undefined) {
    if (groups.length > 0 || uid !== undefined || extras.length > 0) {
      throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'requested impersonation of groups, a uid or extra fields without impersonating a user');
    }
    return undefined;
  }
  if (more.length > 0) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'only one Impersonate-User header is allowed');
  if (extras.length > 0) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `impersonating user extra fields (${extras.join(', ')}) is not supported by Skiff`);

  const serviceAccount = SERVICE_ACCOUNT.exec(username);
  const checks: RequestAttributes[] = [
    serviceAccount ? impersonate('serviceaccounts', serviceAccount[2]!, { namespace: serviceAccount[1]! }) : impersonate('users', username),
    ...groups.map((group) => impersonate('groups', group)),
    ...(uid !== undefined ? [impersonate('uids', uid, { apiGroup: 'authentication.k8s.io' })] : []),
  ];
  for (const check of checks) {
    const decision = await authorize(requester, check);
    if (!decision.allowed) throw forbiddenError(requester, check, decision.reason);
  }
  // As Kubernetes: a ServiceAccount is in its groups, and every impersonated user is authenticated.
  const implied = serviceAccount ? [GROUP_SERVICE_ACCOUNTS, `${GROUP_SERVICE_ACCOUNTS}:${serviceAccount[1]}`] : [];
  const all = [...new Set([...groups, ...implied, ...(username === 'system:anonymous' ? [] : [GROUP_AUTHENTICATED])])];
  return { username, groups: all, ...(uid !== undefined ? { uid } : {}) };
}
