/**
 * ServiceAccount, Role, ClusterRole, RoleBinding and ClusterRoleBinding rows, as kubectl 1.32's
 * printers (pkg/printers/internalversion): SA NAME, SECRETS, AGE; roles NAME, CREATED AT;
 * bindings NAME, ROLE, AGE with USERS, GROUPS, SERVICEACCOUNTS under `-o wide`.
 */
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding, ServiceAccount, Subject } from '../../shared/api/schema/rbac.js';
import { timestampSince } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TableCell, type TableColumnDefinition } from './table.js';

export const serviceAccountColumns: TableColumnDefinition[] = [NAME_COLUMN, column('Secrets', 'string', 0, 'Secrets is the list of secrets allowed to be used by pods running using this ServiceAccount.'), AGE_COLUMN];

export function serviceAccountCells(account: ServiceAccount, now: Date): TableCell[] {
  return [account.metadata.name ?? '', (account.secrets ?? []).length, timestampSince(account.metadata.creationTimestamp, now)];
}

export const roleColumns: TableColumnDefinition[] = [NAME_COLUMN, column('Created At', 'date', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.')];

export function roleCells(role: Role | ClusterRole): TableCell[] {
  return [role.metadata.name ?? '', role.metadata.creationTimestamp ?? ''];
}

export const bindingColumns: TableColumnDefinition[] = [
  NAME_COLUMN,
  column('Role', 'string', 0, 'RoleRef is the reference to the role this binding refers to.'),
  AGE_COLUMN,
  column('Users', 'string', 1, 'Users in the roleBinding'),
  column('Groups', 'string', 1, 'Groups in the roleBinding'),
  column('ServiceAccounts', 'string', 1, 'ServiceAccounts in the roleBinding'),
];

/** rbac.SubjectsStrings: users, groups and "namespace/name" ServiceAccounts, each comma-joined. */
function subjectsStrings(subjects: Subject[] | undefined): [string, string, string] {
  const of = (kind: string): Subject[] => (subjects ?? []).filter((s) => s.kind === kind);
  return [
    of('User').map((s) => s.name).join(', '),
    of('Group').map((s) => s.name).join(', '),
    of('ServiceAccount').map((s) => `${s.namespace ?? ''}/${s.name}`).join(', '),
  ];
}

export function bindingCells(binding: RoleBinding | ClusterRoleBinding, now: Date): TableCell[] {
  return [binding.metadata.name ?? '', `${binding.roleRef.kind}/${binding.roleRef.name}`, timestampSince(binding.metadata.creationTimestamp, now), ...subjectsStrings(binding.subjects)];
}
