/**
 * core/v1 ServiceAccount and rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding and
 * ClusterRoleBinding, with the rules of Kubernetes' pkg/apis/rbac/validation: a rule names verbs,
 * and either API groups plus resources or (cluster-wide only) non-resource URLs; a binding's
 * roleRef points at a Role or ClusterRole in rbac.authorization.k8s.io and never changes.
 */
import { z } from 'zod';
import { objectMeta } from './meta.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const stringList = z.array(z.string());

export const policyRule = z.strictObject({
  verbs: stringList.optional(),
  apiGroups: stringList.optional(),
  resources: stringList.optional(),
  resourceNames: stringList.optional(),
  nonResourceURLs: stringList.optional(),
});

export type PolicyRule = z.infer<typeof policyRule>;

/** ValidatePolicyRule: `namespaced` rules (a Role's) cannot name non-resource URLs. */
function checkRules(rules: PolicyRule[] | undefined, namespaced: boolean, ctx: z.RefinementCtx): void {
  (rules ?? []).forEach((rule, index) => {
    const at = (field?: string): Array<string | number> => (field ? ['rules', index, field] : ['rules', index]);
    if ((rule.verbs ?? []).length === 0) ctx.addIssue({ code: 'custom', path: at('verbs'), message: 'Required value: verbs must contain at least one value' });
    const urls = rule.nonResourceURLs ?? [];
    if (urls.length > 0) {
      if (namespaced) {
        ctx.addIssue({ code: 'custom', path: at('nonResourceURLs'), message: 'Invalid value: namespaced rules cannot apply to non-resource URLs' });
      }
      if ((rule.apiGroups ?? []).length > 0 || (rule.resources ?? []).length > 0) {
        ctx.addIssue({ code: 'custom', path: at('nonResourceURLs'), message: 'Invalid value: rules cannot apply to both regular resources and non-resource URLs' });
      }
      urls.forEach((url, i) => {
        if (!url.startsWith('/') && url !== '*') ctx.addIssue({ code: 'custom', path: ['rules', index, 'nonResourceURLs', i], message: `Invalid value: "${url}": must start with "/"` });
        if (url.includes('*') && !url.endsWith('*')) ctx.addIssue({ code: 'custom', path: ['rules', index, 'nonResourceURLs', i], message: `Invalid value: "${url}": "*" may only end a URL` });
      });
      return;
    }
    if ((rule.apiGroups ?? []).length === 0) ctx.addIssue({ code: 'custom', path: at('apiGroups'), message: 'Required value: resource rules must supply at least one api group' });
    if ((rule.resources ?? []).length === 0) ctx.addIssue({ code: 'custom', path: at('resources'), message: 'Required value: resource rules must supply at least one resource' });
  });
}

const labelSelectorish = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(z.strictObject({ key: z.string(), operator: z.string(), values: stringList.optional() })).optional(),
});

/** Gathers the rules of matching ClusterRoles (hub/controllers/clusterrole-aggregation-controller.ts). */
const aggregationRule = z.strictObject({ clusterRoleSelectors: z.array(labelSelectorish).optional() });

export const role = z
  .strictObject({
    apiVersion: z.literal(`${RBAC_GROUP}/v1`),
    kind: z.literal('Role'),
    metadata: objectMeta,
    rules: z.array(policyRule).optional(),
  })
  .superRefine((r, ctx) => checkRules(r.rules, true, ctx));

export const clusterRole = z
  .strictObject({
    apiVersion: z.literal(`${RBAC_GROUP}/v1`),
    kind: z.literal('ClusterRole'),
    metadata: objectMeta,
    rules: z.array(policyRule).optional(),
    aggregationRule: aggregationRule.optional(),
  })
  .superRefine((r, ctx) => checkRules(r.rules, false, ctx));

export const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'] as const;

export const subject = z.strictObject({
  kind: z.string(),
  apiGroup: z.string().optional(),
  name: z.string(),
  namespace: z.string().optional(),
});

export const roleRef = z.strictObject({
  apiGroup: z.string(),
  kind: z.string(),
  name: z.string(),
});

export type Subject = z.infer<typeof subject>;
export type RoleRef = z.infer<typeof roleRef>;

/** ValidateRoleBindingSubject and the roleRef checks of ValidateRoleBinding / ValidateClusterRoleBinding. */
function checkBinding(binding: { subjects?: Subject[] | undefined; roleRef: RoleRef }, namespaced: boolean, ctx: z.RefinementCtx): void {
  const refKinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (binding.roleRef.apiGroup !== RBAC_GROUP) {
    ctx.addIssue({ code: 'custom', path: ['roleRef', 'apiGroup'], message: `Unsupported value: "${binding.roleRef.apiGroup}": supported values: "${RBAC_GROUP}"` });
  }
  if (!refKinds.includes(binding.roleRef.kind)) {
    ctx.addIssue({ code: 'custom', path: ['roleRef', 'kind'], message: `Unsupported value: "${binding.roleRef.kind}": supported values: ${refKinds.map((k) => `"${k}"`).join(', ')}` });
  }
  if (binding.roleRef.name === '') ctx.addIssue({ code: 'custom', path: ['roleRef', 'name'], message: 'Required value' });
  (binding.subjects ?? []).forEach((s, index) => {
    const at = (field: string): Array<string | number> => ['subjects', index, field];
    if (s.name === '') ctx.addIssue({ code: 'custom', path: at('name'), message: 'Required value' });
    if (s.kind === 'ServiceAccount') {
      if ((s.apiGroup ?? '') !== '') ctx.addIssue({ code: 'custom', path: at('apiGroup'), message: `Unsupported value: "${s.apiGroup}": supported values: ""` });
      if (!namespaced && (s.namespace ?? '') === '') ctx.addIssue({ code: 'custom', path: at('namespace'), message: 'Required value' });
    } else if (s.kind === 'User' || s.kind === 'Group') {
      if (s.apiGroup !== RBAC_GROUP) ctx.addIssue({ code: 'custom', path: at('apiGroup'), message: `Unsupported value: "${s.apiGroup ?? ''}": supported values: "${RBAC_GROUP}"` });
    } else {
      ctx.addIssue({ code: 'custom', path: at('kind'), message: `Unsupported value: "${s.kind}": supported values: ${SUBJECT_KINDS.map((k) => `"${k}"`).join(', ')}` });
    }
  });
}

export const roleBinding = z
  .strictObject({
    apiVersion: z.literal(`${RBAC_GROUP}/v1`),
    kind: z.literal('RoleBinding'),
    metadata: objectMeta,
    subjects: z.array(subject).optional(),
    roleRef,
  })
  .superRefine((b, ctx) => checkBinding(b, true, ctx));

export const clusterRoleBinding = z
  .strictObject({
    apiVersion: z.literal(`${RBAC_GROUP}/v1`),
    kind: z.literal('ClusterRoleBinding'),
    metadata: objectMeta,
    subjects: z.array(subject).optional(),
    roleRef,
  })
  .superRefine((b, ctx) => checkBinding(b, false, ctx));

export const serviceAccount = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ServiceAccount'),
  metadata: objectMeta,
  secrets: z.array(z.strictObject({ name: z.string().optional(), namespace: z.string().optional(), kind: z.string().optional(), apiVersion: z.string().optional() })).optional(),
  imagePullSecrets: z.array(z.strictObject({ name: z.string().optional() })).optional(),
  automountServiceAccountToken: z.boolean().optional(),
});

export type Role = z.infer<typeof role>;
export type ClusterRole = z.infer<typeof clusterRole>;
export type RoleBinding = z.infer<typeof roleBinding>;
export type ClusterRoleBinding = z.infer<typeof clusterRoleBinding>;
export type ServiceAccount = z.infer<typeof serviceAccount>;

/**
 * ValidateRoleBindingUpdate / ValidateClusterRoleBindingUpdate: roleRef is immutable (to point a
 * binding at another role, delete and recreate it). Returns the field errors, empty when allowed.
 */
export function roleRefUpdateErrors(current: Record<string, unknown>, next: Record<string, unknown>): Array<{ path: string; message: string }> {
  if (current.kind !== 'RoleBinding' && current.kind !== 'ClusterRoleBinding') return [];
  const before = current.roleRef as RoleRef | undefined;
  const after = next.roleRef as RoleRef | undefined;
  if (before && after && before.apiGroup === after.apiGroup && before.kind === after.kind && before.name === after.name) return [];
  return [{ path: 'roleRef', message: `Invalid value: ${JSON.stringify(after ?? null)}: cannot change roleRef` }];
}
