/**
 * k8s.io/api authentication/v1 TokenRequest (`kubectl create token`), authorization/v1
 * SelfSubjectAccessReview and SelfSubjectRulesReview (`kubectl auth can-i [--list]`) and policy/v1
 * Eviction (kubectl 1.32's `drain` sends it as JSON; other clients may not).
 * Field numbers from the v1.32 generated.proto (see hub/api/protobuf/schema.ts).
 */
import type { SchemaTables } from './schema.js';

export const ACCESS_V1: SchemaTables = {
  'authentication/v1.TokenRequest': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    2: ['spec', 'authentication/v1.TokenRequestSpec'],
    3: ['status', 'authentication/v1.TokenRequestStatus'],
  },
  'authentication/v1.TokenRequestSpec': {
    1: ['audiences', 'string', 'repeated'],
    4: ['expirationSeconds', 'int64', 'optional'],
    3: ['boundObjectRef', 'authentication/v1.BoundObjectReference'],
  },
  'authentication/v1.TokenRequestStatus': {
    1: ['token', 'string'],
    2: ['expirationTimestamp', 'time'],
  },
  'authentication/v1.BoundObjectReference': {
    1: ['kind', 'string'],
    2: ['apiVersion', 'string'],
    3: ['name', 'string'],
    4: ['uid', 'string'], // proto name uID; JSON (Go tag) uid,
  },
  'authorization/v1.SelfSubjectAccessReview': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    2: ['spec', 'authorization/v1.SelfSubjectAccessReviewSpec'],
    3: ['status', 'authorization/v1.SubjectAccessReviewStatus'],
  },
  'authorization/v1.SelfSubjectAccessReviewSpec': {
    1: ['resourceAttributes', 'authorization/v1.ResourceAttributes'],
    2: ['nonResourceAttributes', 'authorization/v1.NonResourceAttributes'],
  },
  'authorization/v1.SubjectAccessReviewStatus': {
    1: ['allowed', 'bool'],
    4: ['denied', 'bool'],
    2: ['reason', 'string'],
    3: ['evaluationError', 'string'],
  },
  'authorization/v1.ResourceAttributes': {
    1: ['namespace', 'string'],
    2: ['verb', 'string'],
    3: ['group', 'string'],
    4: ['version', 'string'],
    5: ['resource', 'string'],
    6: ['subresource', 'string'],
    7: ['name', 'string'],
    8: ['fieldSelector', 'authorization/v1.FieldSelectorAttributes'],
    9: ['labelSelector', 'authorization/v1.LabelSelectorAttributes'],
  },
  'authorization/v1.NonResourceAttributes': {
    1: ['path', 'string'],
    2: ['verb', 'string'],
  },
  'authorization/v1.FieldSelectorAttributes': {
    1: ['rawSelector', 'string'],
  },
  'authorization/v1.LabelSelectorAttributes': {
    1: ['rawSelector', 'string'],
    2: ['requirements', 'meta/v1.LabelSelectorRequirement', 'repeated'],
  },
  'authorization/v1.SelfSubjectRulesReview': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    2: ['spec', 'authorization/v1.SelfSubjectRulesReviewSpec'],
    3: ['status', 'authorization/v1.SubjectRulesReviewStatus'],
  },
  'authorization/v1.SelfSubjectRulesReviewSpec': {
    1: ['namespace', 'string'],
  },
  'authorization/v1.SubjectRulesReviewStatus': {
    3: ['incomplete', 'bool'],
    4: ['evaluationError', 'string'],
  },
  'policy/v1.Eviction': {
    1: ['metadata', 'meta/v1.ObjectMeta'],
    2: ['deleteOptions', 'meta/v1.DeleteOptions'],
  },
};
