/** core/v1 Pod: the subset of PodSpec Skiff honours. Anything else is reported as unknown. */
import { z } from 'zod';
import { dnsLabel, labels, objectMeta, quantity } from './meta.js';
import type { PodStatus } from '../status-types.js';

export const containerPort = z.strictObject({
  name: z.string().max(15).optional(),
  containerPort: z.number().int().min(1).max(65535),
  hostPort: z.number().int().min(1).max(65535).optional(),
  hostIP: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
});

export const envVar = z.strictObject({
  name: z.string().min(1),
  value: z.string().optional(),
});

export const resourceRequirements = z.strictObject({
  limits: z.record(z.string(), quantity).optional(),
  requests: z.record(z.string(), quantity).optional(),
});

export const container = z.strictObject({
  name: dnsLabel,
  image: z.string().min(1),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  env: z.array(envVar).optional(),
  ports: z.array(containerPort).optional(),
  resources: resourceRequirements.optional(),
  terminationMessagePath: z.string().optional(),
  terminationMessagePolicy: z.string().optional(),
});

export const podSpec = z.strictObject({
  containers: z.array(container).min(1, 'must have at least one container'),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
  nodeSelector: labels.optional(),
  nodeName: z.string().optional(),
  terminationGracePeriodSeconds: z.number().int().min(0).optional(),
  hostname: dnsLabel.optional(),
  dnsPolicy: z.string().optional(),
  schedulerName: z.string().optional(),
  securityContext: z.strictObject({}).optional(),
});

export const podTemplateSpec = z.strictObject({
  metadata: objectMeta.optional(),
  spec: podSpec,
});

export const pod = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Pod'),
  metadata: objectMeta,
  spec: podSpec,
  status: z.unknown().optional(),
});

export type Container = z.infer<typeof container>;
export type PodSpec = z.infer<typeof podSpec>;
export type PodTemplateSpec = z.infer<typeof podTemplateSpec>;
export type Pod = Omit<z.infer<typeof pod>, 'status'> & { status?: PodStatus };
