/**
 * `skiff auth can-i` and `skiff auth whoami`, as kubectl's: both ask the hub about the caller's own
 * credentials (SelfSubjectAccessReview, SelfSubjectReview) rather than guessing from local files.
 * can-i prints yes/no and exits 0/1, so scripts can branch on it.
 */
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError } from '../../../shared/errors.js';
import { resolveResource } from '../../../shared/api/resources.js';
import type { CliContext } from '../context.js';
import { alignColumns } from '../render-table.js';

export interface CanIOptions {
  namespace?: string;
  allNamespaces?: boolean;
  subresource?: string;
  quiet?: boolean;
}

interface ResourceAttributes {
  namespace: string;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
}

export interface CanIQuestion {
  spec: { resourceAttributes: ResourceAttributes } | { nonResourceAttributes: { path: string; verb: string } };
  warnings: string[];
}

/**
 * What `can-i VERB TARGET [NAME]` asks, as kubectl resolves it: TARGET is a URL path (starting with
 * "/"), TYPE, TYPE/NAME or TYPE.GROUP; a type the hub does not serve is still asked about, with a warning.
 */
export function canIQuestion(verb: string, target: string, name: string | undefined, options: CanIOptions): CanIQuestion {
  const warnings: string[] = [];
  if (target.startsWith('/')) {
    if (name !== undefined) throw new SkiffError('SKIFF_ERR_CONFIG', 'NONRESOURCEURL does not take a name');
    return { spec: { nonResourceAttributes: { path: target, verb } }, warnings };
  }
  const [typed, slashName] = target.split('/', 2) as [string, string | undefined];
  if (slashName !== undefined && name !== undefined) throw new SkiffError('SKIFF_ERR_CONFIG', 'you must specify the name either as TYPE/NAME or as TYPE NAME, not both');
  const objectName = slashName ?? name;
  const known = resolveResource(typed);
  let group: string;
  let resource: string;
  let namespaced = true;
  if (known) {
    group = known.group;
    resource = known.plural;
    namespaced = known.namespaced;
  } else {
    const [plural = typed, ...rest] = typed.split('.');
    resource = plural;
    group = rest.join('.');
    warnings.push(`Warning: the server doesn't have a resource type '${resource}'`);
  }
  if (!namespaced && options.namespace !== undefined) warnings.push(`Warning: resource '${resource}' is not namespace scoped`);
  const namespace = options.allNamespaces || !namespaced ? '' : (options.namespace ?? DEFAULTS.namespace);
  return {
    spec: {
      resourceAttributes: {
        namespace,
        verb,
        group,
        resource,
        ...(options.subresource ? { subresource: options.subresource } : {}),
        ...(objectName !== undefined ? { name: objectName } : {}),
      },
    },
    warnings,
  };
}

interface AccessReviewAnswer {
  status?: { allowed?: boolean; reason?: string };
}

export async function runCanI(verb: string, target: string, name: string | undefined, options: CanIOptions, ctx: CliContext): Promise<void> {
  const question = canIQuestion(verb, target, name, options);
  const client = await ctx.connect();
  const answer = await client.request<AccessReviewAnswer>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: question.spec },
  });
  const allowed = answer.status?.allowed === true;
  if (!options.quiet) {
    for (const warning of question.warnings) ctx.io.stderr(`${ctx.colours.stderr.label(warning)}\n`);
    const reason = answer.status?.reason;
    ctx.io.stdout(allowed ? 'yes\n' : reason ? `no - ${reason}\n` : 'no\n');
  }
  if (!allowed) ctx.exitCode = Math.max(ctx.exitCode, 1);
}

interface SelfSubjectReview {
  status?: { userInfo?: { username?: string; uid?: string; groups?: string[] } };
}

export async function runWhoami(ctx: CliContext): Promise<void> {
  const client = await ctx.connect();
  const review = await client.request<SelfSubjectReview>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  const info = review.status?.userInfo ?? {};
  const rows: string[][] = [['ATTRIBUTE', 'VALUE'], ['Username', info.username ?? '']];
  if (info.uid) rows.push(['UID', info.uid]);
  if (info.groups && info.groups.length > 0) rows.push(['Groups', `[${info.groups.join(' ')}]`]);
  for (const line of alignColumns(rows)) ctx.io.stdout(`${line}\n`);
}
