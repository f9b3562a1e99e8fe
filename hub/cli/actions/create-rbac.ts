/**
 * `skiff create serviceaccount|token|role|clusterrole|rolebinding|clusterrolebinding`, as
 * kubectl's: builders from flags (pure, unit-tested), then one POST, or with --dry-run=client
 * only the object printed. `create token` calls the TokenRequest endpoint and prints the token.
 */
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource, resourcePath } from '../../../shared/api/resources.js';
import { RBAC_GROUP, type PolicyRule, type Subject } from '../../../shared/api/schema/rbac.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { parseDurationMs } from '../../../shared/duration.js';
import { SkiffError } from '../../../shared/errors.js';
import type { CliContext } from '../context.js';
import { formatJson, formatYaml, parseOutputFormat } from '../output-format.js';
import { createAndPrint, parseDryRun, requireName } from './create.js';

const serviceAccounts = resolveResource('serviceaccounts')!;
const roles = resolveResource('roles.rbac.authorization.k8s.io')!;
const clusterRoles = resolveResource('clusterroles.rbac.authorization.k8s.io')!;
const roleBindings = resolveResource('rolebindings.rbac.authorization.k8s.io')!;
const clusterRoleBindings = resolveResource('clusterrolebindings.rbac.authorization.k8s.io')!;

export interface CreateRbacCommonOptions {
  dryRun?: string;
  output?: string;
  namespace?: string;
}

export interface CreateRoleOptions extends CreateRbacCommonOptions {
  verb: string[];
  resource: string[];
  resourceName: string[];
  nonResourceUrl?: string[];
}

export interface CreateBindingOptions extends CreateRbacCommonOptions {
  clusterrole?: string;
  role?: string;
  user: string[];
  group: string[];
  serviceaccount: string[];
}

export interface CreateTokenOptions {
  namespace?: string;
  duration?: string;
  output?: string;
}

const splitList = (values: string[]): string[] => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');

/**
 * kubectl create role's rules: one rule per API group, resources as typed (plural, short name or
 * TYPE.GROUP, with /subresource), verbs and resourceNames on every rule.
 */
export function policyRules(options: Pick<CreateRoleOptions, 'verb' | 'resource' | 'resourceName' | 'nonResourceUrl'>, namespaced: boolean): PolicyRule[] {
  const verbs = splitList(options.verb);
  if (verbs.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', 'at least one verb must be specified');
  const urls = splitList(options.nonResourceUrl ?? []);
  const resources = splitList(options.resource);
  if (resources.length === 0 && (namespaced || urls.length === 0)) throw new SkiffError('SKIFF_ERR_CONFIG', 'at least one resource must be specified');
  const byGroup = new Map<string, string[]>();
  for (const typed of resources) {
    const [type = '', subresource] = typed.split('/', 2) as [string, string | undefined];
    const known = type === '*' ? undefined : resolveResource(type);
    const [plural = type, ...groupParts] = type.split('.');
    const group = known ? known.group : groupParts.join('.');
    const name = (known ? known.plural : plural) + (subresource ? `/${subresource}` : '');
    byGroup.set(group, [...(byGroup.get(group) ?? []), name]);
  }
  const resourceNames = splitList(options.resourceName);
  const rules: PolicyRule[] = [...byGroup].map(([group, names]) => ({ verbs, apiGroups: [group], resources: names, ...(resourceNames.length > 0 ? { resourceNames } : {}) }));
  if (urls.length > 0) rules.push({ verbs, nonResourceURLs: urls });
  return rules;
}

/** The subjects of --user, --group and --serviceaccount NAMESPACE:NAME, in kubectl's order. */
export function bindingSubjects(options: Pick<CreateBindingOptions, 'user' | 'group' | 'serviceaccount'>): Subject[] {
  const subjects: Subject[] = [
    ...options.user.map((name) => ({ kind: 'User', apiGroup: RBAC_GROUP, name })),
    ...options.group.map((name) => ({ kind: 'Group', apiGroup: RBAC_GROUP, name })),
  ];
  for (const account of options.serviceaccount) {
    const [namespace, name, ...rest] = account.split(':');
    if (!namespace || !name || rest.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', `serviceaccount must be <namespace>:<name>, got "${account}"`);
    subjects.push({ kind: 'ServiceAccount', namespace, name });
  }
  return subjects;
}

function roleRefOf(options: Pick<CreateBindingOptions, 'clusterrole' | 'role'>, namespaced: boolean): { apiGroup: string; kind: string; name: string } {
  if (!namespaced) {
    if (!options.clusterrole) throw new SkiffError('SKIFF_ERR_CONFIG', 'clusterrole must be specified');
    return { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: options.clusterrole };
  }
  if (Boolean(options.clusterrole) === Boolean(options.role)) throw new SkiffError('SKIFF_ERR_CONFIG', 'exactly one of clusterrole or role must be specified');
  return options.clusterrole ? { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: options.clusterrole } : { apiGroup: RBAC_GROUP, kind: 'Role', name: options.role! };
}

export function bindingFor(name: string, namespace: string | undefined, options: CreateBindingOptions): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: namespace === undefined ? 'ClusterRoleBinding' : 'RoleBinding',
    metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
    roleRef: roleRefOf(options, namespace !== undefined),
    subjects: bindingSubjects(options),
  };
}

export function roleFor(name: string, namespace: string | undefined, options: CreateRoleOptions): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: namespace === undefined ? 'ClusterRole' : 'Role',
    metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
    rules: policyRules(options, namespace !== undefined),
  };
}

export async function runCreateServiceAccount(args: string[], options: CreateRbacCommonOptions, ctx: CliContext): Promise<void> {
  const object: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: requireName(args), namespace: options.namespace ?? DEFAULTS.namespace } };
  await createAndPrint(serviceAccounts, object, options, parseDryRun(options.dryRun), ctx);
}

export async function runCreateRole(args: string[], options: CreateRoleOptions, ctx: CliContext, clusterScoped: boolean): Promise<void> {
  const namespace = clusterScoped ? undefined : (options.namespace ?? DEFAULTS.namespace);
  await createAndPrint(clusterScoped ? clusterRoles : roles, roleFor(requireName(args), namespace, options), options, parseDryRun(options.dryRun), ctx);
}

export async function runCreateBinding(args: string[], options: CreateBindingOptions, ctx: CliContext, clusterScoped: boolean): Promise<void> {
  const namespace = clusterScoped ? undefined : (options.namespace ?? DEFAULTS.namespace);
  await createAndPrint(clusterScoped ? clusterRoleBindings : roleBindings, bindingFor(requireName(args), namespace, options), options, parseDryRun(options.dryRun), ctx);
}

/** `create token SA [--duration D]`: prints the token, as kubectl does (or the TokenRequest with -o). */
export async function runCreateToken(args: string[], options: CreateTokenOptions, ctx: CliContext): Promise<void> {
  const name = requireName(args);
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const spec = options.duration === undefined ? {} : { expirationSeconds: Math.round(parseDurationMs(options.duration, '--duration') / 1000) };
  const client = await ctx.connect();
  const review = await client.request<{ status?: { token?: string } }>('POST', `${resourcePath(serviceAccounts, namespace, name)}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec },
  });
  const output = options.output === undefined ? undefined : parseOutputFormat(options.output);
  if (output === 'json') ctx.io.stdout(formatJson(review));
  else if (output === 'yaml') ctx.io.stdout(formatYaml(review));
  else ctx.io.stdout(`${review.status?.token ?? ''}\n`);
}
