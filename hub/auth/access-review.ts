/**
 * The self-review endpoints every authenticated user may call (system:basic-user):
 *   POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews   "may I?"  (`skiff auth can-i`)
 *   POST /apis/authentication.k8s.io/v1/selfsubjectreviews        "who am I?" (`skiff auth whoami`)
 *   POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews    "what may I, here?" (`kubectl auth can-i --list`)
 * Both answer from the same authenticator and authorizer the request itself went through. And the
 * namespace owner's question about someone else (admin holds `create` on it, system:basic-user does not):
 *   POST /apis/authorization.k8s.io/v1/namespaces/{ns}/localsubjectaccessreviews   "may they, here?"
 * validated as kube-apiserver's ValidateLocalSubjectAccessReview, and answered by the same
 * authorizer for the user and groups its spec names.
 */
import { SkiffError, type FieldError } from '../../shared/errors.js';
import { invalidError } from '../api/status.js';
import type { Authorizer } from './authorizer.js';
import type { RequestAttributes } from './request-attributes.js';
import type { UserInfo } from './user.js';

export const SELF_SUBJECT_ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
export const SELF_SUBJECT_REVIEW_PATH = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
export const SELF_SUBJECT_RULES_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';
const AUTHORIZATION_GROUP = 'authorization.k8s.io';
const LOCAL_SUBJECT_ACCESS_REVIEWS = 'localsubjectaccessreviews';

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}
interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
}

/** The request a SelfSubjectAccessReview spec describes, validated as Kubernetes does. */
export function reviewAttributes(spec: AccessReviewSpec | undefined): RequestAttributes {
  const resource = spec?.resourceAttributes;
  const nonResource = spec?.nonResourceAttributes;
  if ((resource === undefined) === (nonResource === undefined)) {
    throw new SkiffError('SKIFF_ERR_INVALID', 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified', {
      details: [{ path: 'spec.resourceAttributes', message: 'Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified' }],
    });
  }
  if (nonResource) return { kind: 'non-resource', verb: nonResource.verb ?? '', path: nonResource.path ?? '' };
  return {
    kind: 'resource',
    verb: resource!.verb ?? '',
    apiGroup: resource!.group ?? '',
    apiVersion: resource!.version ?? '',
    resource: resource!.resource ?? '',
    subresource: resource!.subresource ?? '',
    namespace: resource!.namespace ?? '',
    name: resource!.name ?? '',
  };
}

export async function selfSubjectAccessReview(authorizer: Authorizer, user: UserInfo, body: unknown): Promise<object> {
  const review = (body ?? {}) as { apiVersion?: string; spec?: AccessReviewSpec };
  const decision = await authorizer.authorize(user, reviewAttributes(review.spec));
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: review.spec ?? {},
    status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
  };
}

/**
 * The RBAC rules that apply to `user` in the review's namespace, as kube-apiserver's
 * SelfSubjectRulesReview lists them. (Nodes, authorized by the Node authorizer alone, may not ask.)
 */
export async function selfSubjectRulesReview(authorizer: Authorizer, user: UserInfo, body: unknown): Promise<object> {
  const namespace = (body as { spec?: { namespace?: unknown } } | null)?.spec?.namespace;
  if (typeof namespace !== 'string' || namespace === '') {
    throw new SkiffError('SKIFF_ERR_INVALID', 'SelfSubjectRulesReview.authorization.k8s.io "" is invalid: spec.namespace: Required value', {
      details: [{ path: 'spec.namespace', message: 'Required value' }],
    });
  }
  const rules = await authorizer.rules(user, namespace);
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { namespace },
    status: {
      resourceRules: rules
        .filter((rule) => (rule.resources ?? []).length > 0)
        .map((rule) => ({ verbs: rule.verbs, apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [], ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}) })),
      nonResourceRules: rules.filter((rule) => (rule.nonResourceURLs ?? []).length > 0).map((rule) => ({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs })),
      incomplete: false,
    },
  };
}

export function selfSubjectReview(user: UserInfo, now: Date): object {
  return {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    status: { userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups } },
  };
}

/** Is `request` a POST to /apis/authorization.k8s.io/v1/namespaces/{ns}/localsubjectaccessreviews? */
export function isLocalSubjectAccessReview(request: RequestAttributes): boolean {
  return (
    request.kind === 'resource' &&
    request.verb === 'create' &&
    request.apiGroup === AUTHORIZATION_GROUP &&
    request.apiVersion === 'v1' &&
    request.resource === LOCAL_SUBJECT_ACCESS_REVIEWS &&
    request.namespace !== '' &&
    request.name === '' &&
    request.subresource === ''
  );
}

interface LocalSubjectAccessReview {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: Record<string, unknown>;
  spec?: AccessReviewSpec & { user?: unknown; groups?: unknown; uid?: unknown; extra?: unknown };
}

const isEmpty = (value: unknown): boolean =>
  value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && Object.keys(value).length === 0);

/**
 * ValidateLocalSubjectAccessReview, after the API server's own namespace step: the field errors of
 * `review` posted in `namespace`, empty when it may be evaluated. `review.metadata.namespace` has
 * been filled from the URL already.
 */
export function localSubjectAccessReviewErrors(review: LocalSubjectAccessReview): FieldError[] {
  const errors: FieldError[] = [];
  const spec = review.spec ?? {};
  const resource = spec.resourceAttributes;
  const nonResource = spec.nonResourceAttributes;
  if (resource !== undefined && nonResource !== undefined) {
    errors.push({ path: 'spec.nonResourceAttributes', message: `Invalid value: ${JSON.stringify(nonResource)}: cannot be specified in combination with resourceAttributes` });
  }
  if (resource === undefined && nonResource === undefined) {
    errors.push({ path: 'spec.resourceAttributes', message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified' });
  }
  if (isEmpty(spec.user) && isEmpty(spec.groups)) {
    errors.push({ path: 'spec.user', message: `Invalid value: ${JSON.stringify(typeof spec.user === 'string' ? spec.user : '')}: at least one of user or group must be specified` });
  }
  const { namespace, managedFields: _managedFields, ...otherMetadata } = review.metadata ?? {};
  if (Object.values(otherMetadata).some((value) => !isEmpty(value))) {
    errors.push({ path: 'metadata', message: `Invalid value: ${JSON.stringify(review.metadata)}: must be empty except for namespace` });
  }
  if (resource !== undefined && (resource.namespace ?? '') !== namespace) {
    errors.push({ path: 'spec.resourceAttributes.namespace', message: `Invalid value: ${JSON.stringify(resource.namespace ?? '')}: must match metadata.namespace` });
  }
  if (nonResource !== undefined) {
    errors.push({ path: 'spec.nonResourceAttributes', message: `Invalid value: ${JSON.stringify(nonResource)}: disallowed on this kind of request` });
  }
  return errors;
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

/**
 * Answers a LocalSubjectAccessReview posted in `namespace` (the gate has already checked that the
 * caller may `create` one there), as kube-apiserver: a body namespace other than the URL's is a
 * 400, an invalid review a 422, and the answer is the authorizer's for spec.user / spec.groups.
 */
export async function localSubjectAccessReview(authorizer: Authorizer, namespace: string, body: unknown): Promise<object> {
  const review = (typeof body === 'object' && body !== null ? body : {}) as LocalSubjectAccessReview;
  const bodyNamespace = review.metadata?.namespace;
  if (!isEmpty(bodyNamespace) && bodyNamespace !== namespace) {
    // rest.EnsureObjectNamespaceMatchesRequestNamespace
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  const metadata = { ...(review.metadata ?? {}), namespace };
  const errors = localSubjectAccessReviewErrors({ ...review, metadata });
  if (errors.length > 0) throw invalidError('LocalSubjectAccessReview.authorization.k8s.io', '', errors);
  const spec = review.spec!;
  const subject: UserInfo = {
    username: typeof spec.user === 'string' ? spec.user : '',
    groups: strings(spec.groups),
    ...(typeof spec.uid === 'string' && spec.uid !== '' ? { uid: spec.uid } : {}),
  };
  const decision = await authorizer.authorize(subject, reviewAttributes(spec));
  return {
    kind: 'LocalSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { ...metadata, creationTimestamp: null },
    spec,
    status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
  };
}
