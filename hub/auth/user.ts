/**
 * Who made a request, as Kubernetes' user.Info: a name and groups, fixed by the authenticator and
 * read by the authorizers, the access reviews and the audit log. The well-known names live here.
 */
export interface UserInfo {
  username: string;
  groups: string[];
  /** The ServiceAccount's uid, for a ServiceAccount token. */
  uid?: string;
}

export const GROUP_MASTERS = 'system:masters';
export const GROUP_AUTHENTICATED = 'system:authenticated';
export const GROUP_NODES = 'system:nodes';
export const GROUP_SERVICE_ACCOUNTS = 'system:serviceaccounts';
export const ADMIN_USER = 'admin';
const NODE_USER_PREFIX = 'system:node:';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** The holder of the hub's admin token (hub/identity/bootstrap.ts). */
export const ADMIN: UserInfo = { username: ADMIN_USER, groups: [GROUP_MASTERS, GROUP_AUTHENTICATED] };

export function nodeUser(node: string): UserInfo {
  return { username: `${NODE_USER_PREFIX}${node}`, groups: [GROUP_NODES, GROUP_AUTHENTICATED] };
}

/** The node a `system:node:NAME` user in group system:nodes speaks for, else undefined. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(GROUP_NODES) || !user.username.startsWith(NODE_USER_PREFIX)) return undefined;
  return user.username.slice(NODE_USER_PREFIX.length);
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

export function serviceAccountUser(namespace: string, name: string, uid: string): UserInfo {
  return {
    username: serviceAccountUsername(namespace, name),
    groups: [GROUP_SERVICE_ACCOUNTS, `${GROUP_SERVICE_ACCOUNTS}:${namespace}`, GROUP_AUTHENTICATED],
    uid,
  };
}
