/**
 * The self-review endpoints every authenticated user may call (system:basic-user):
 *   POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews   "may I?"  (`skiff auth can-i`)
 *   POST /apis/authentication.k8s.io/v1/selfsubjectreviews        "who am I?" (`skiff auth whoami`)
 * Both answer from the same authenticator and authorizer the request itself went through.
 */
import { SkiffError } from '../../shared/errors.js';
import type { Authorizer } from './authorizer.js';
import type { RequestAttributes } from './request-attributes.js';
import type { UserInfo } from './user.js';

export const SELF_SUBJECT_ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
export const SELF_SUBJECT_REVIEW_PATH = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

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

export function selfSubjectReview(user: UserInfo, now: Date): object {
  return {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    status: { userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups } },
  };
}
