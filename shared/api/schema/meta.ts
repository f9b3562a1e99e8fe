/**
 * ObjectMeta and the name/label formats Kubernetes enforces (k8s.io/apimachinery validation).
 * Schemas are strict: an unknown field is reported, never silently dropped.
 */
import { z } from 'zod';
import { isQuantity } from '../quantity.js';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, LABEL_VALUE, labelKeyProblem } from '../names.js';

export const dnsLabel = z
  .string()
  .max(63, 'must be no more than 63 characters')
  .regex(DNS1123_LABEL, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character");

export const dnsSubdomain = z
  .string()
  .max(253, 'must be no more than 253 characters')
  .regex(DNS1123_SUBDOMAIN, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");

export function isQualifiedName(key: string): boolean {
  return labelKeyProblem(key) === undefined;
}

export const labelKey = z.string().refine(isQualifiedName, {
  message: "a qualified name must consist of alphanumeric characters, '-', '_' or '.', optionally prefixed by a DNS subdomain and '/'",
});

export const labelValue = z
  .string()
  .max(63, 'must be no more than 63 characters')
  .regex(LABEL_VALUE, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");

export const labels = z.record(labelKey, labelValue);
export const annotations = z.record(z.string(), z.string());

export const quantity = z.union([z.string(), z.number()]).refine((v) => isQuantity(v), {
  message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
});

export const ownerReference = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

export const objectMeta = z.strictObject({
  name: dnsSubdomain.optional(),
  generateName: z.string().optional(),
  namespace: dnsLabel.optional(),
  labels: labels.optional(),
  annotations: annotations.optional(),
  // Server-set fields: accepted so that `get -o yaml | apply -f -` round-trips.
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().nullable().optional(),
  deletionTimestamp: z.string().optional(),
  deletionGracePeriodSeconds: z.number().int().optional(),
  ownerReferences: z.array(ownerReference).optional(),
  finalizers: z.array(z.string()).optional(),
  managedFields: z.array(z.unknown()).optional(),
});

export const labelSelectorRequirement = z.strictObject({
  key: labelKey,
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).optional(),
});

export const labelSelector = z.strictObject({
  matchLabels: labels.optional(),
  matchExpressions: z.array(labelSelectorRequirement).optional(),
});

export type ObjectMeta = z.infer<typeof objectMeta>;
export type OwnerReference = z.infer<typeof ownerReference>;
