/** core/v1 Pod: the subset of PodSpec Skiff honours. Anything else is reported as unknown. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { dnsLabel, labelKey, labels, objectMeta, quantity } from './meta.js';
import type { PodStatus } from '../status-types.js';
import { labelKeyProblem, labelValueProblem } from '../names.js';
import { checkMountsNameVolumes, envFromSource, envVar, imagePullSecret, volumeMounts, volumes } from './pod-config.js';

export const containerPort = z.strictObject({
  name: z.string().max(15).optional(),
  containerPort: z.number().int().min(1).max(65535),
  hostPort: z.number().int().min(1).max(65535).optional(),
  hostIP: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
});

export { envVar } from './pod-config.js';

export const resourceRequirements = z.strictObject({
  limits: z.record(z.string(), quantity).optional(),
  requests: z.record(z.string(), quantity).optional(),
});

/** A port by number or by the name of one of the container's ports (IntOrString). */
export const intOrString = z.union([z.number().int().min(1).max(65535), z.string().min(1).max(15)]);

export const execAction = z.strictObject({ command: z.array(z.string()).min(1, 'must specify a command') });

export const httpGetAction = z.strictObject({
  path: z.string().optional(),
  port: intOrString,
  host: z.string().optional(),
  scheme: z.enum(['HTTP', 'HTTPS']).optional(),
  httpHeaders: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).optional(),
});

export const tcpSocketAction = z.strictObject({ port: intOrString, host: z.string().optional() });

/** A probe or hook handler: Kubernetes requires exactly one of exec, httpGet, tcpSocket. */
function exactlyOneHandler(value: { exec?: unknown; httpGet?: unknown; tcpSocket?: unknown }, ctx: z.RefinementCtx): void {
  const given = (['exec', 'httpGet', 'tcpSocket'] as const).filter((k) => value[k] !== undefined);
  if (given.length === 0) ctx.addIssue({ code: 'custom', message: 'must specify a handler type (exec, httpGet or tcpSocket)' });
  if (given.length > 1) ctx.addIssue({ code: 'custom', path: [given[1]!], message: 'may not specify more than 1 handler type' });
}

export const probe = z
  .strictObject({
    exec: execAction.optional(),
    httpGet: httpGetAction.optional(),
    tcpSocket: tcpSocketAction.optional(),
    initialDelaySeconds: z.number().int().min(0).optional(),
    timeoutSeconds: z.number().int().min(1).optional(),
    periodSeconds: z.number().int().min(1).optional(),
    successThreshold: z.number().int().min(1).optional(),
    failureThreshold: z.number().int().min(1).optional(),
    terminationGracePeriodSeconds: z.number().int().min(1).optional(),
  })
  .superRefine(exactlyOneHandler);

/** Liveness and startup probes: Kubernetes requires successThreshold 1. */
const restartingProbe = probe.superRefine((value, ctx) => {
  if (value.successThreshold !== undefined && value.successThreshold !== 1) ctx.addIssue({ code: 'custom', path: ['successThreshold'], message: 'must be 1' });
});

/** preStop / postStart: exec or httpGet (Kubernetes' tcpSocket handler is deprecated there). */
export const lifecycleHandler = z
  .strictObject({
    exec: execAction.optional(),
    httpGet: httpGetAction.optional(),
    sleep: z.strictObject({ seconds: z.number().int().min(0) }).optional(),
  })
  .superRefine((value, ctx) => {
    const given = (['exec', 'httpGet', 'sleep'] as const).filter((k) => value[k] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', message: 'must specify a handler type (exec, httpGet or sleep)' });
    if (given.length > 1) ctx.addIssue({ code: 'custom', path: [given[1]!], message: 'may not specify more than 1 handler type' });
  });

export const lifecycle = z.strictObject({ preStop: lifecycleHandler.optional() });

export const container = z.strictObject({
  name: dnsLabel,
  image: z.string().min(1),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  env: z.array(envVar).optional(),
  envFrom: z.array(envFromSource).optional(),
  volumeMounts: volumeMounts.optional(),
  ports: z.array(containerPort).optional(),
  resources: resourceRequirements.optional(),
  livenessProbe: restartingProbe.optional(),
  readinessProbe: probe.optional(),
  startupProbe: restartingProbe.optional(),
  lifecycle: lifecycle.optional(),
  terminationMessagePath: z.string().optional(),
  terminationMessagePolicy: z.string().optional(),
});

/**
 * core/v1 NodeSelectorRequirement, validated as ValidateNodeSelectorRequirement: In/NotIn need
 * values, Exists/DoesNotExist take none, Gt/Lt exactly one.
 */
export const nodeSelectorRequirement = z
  .strictObject({
    key: labelKey,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
    values: z.array(z.string()).optional(),
  })
  .superRefine((value, ctx) => {
    const count = value.values?.length ?? 0;
    if ((value.operator === 'In' || value.operator === 'NotIn') && count === 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: "must be specified when `operator` is 'In' or 'NotIn'" });
    }
    if ((value.operator === 'Exists' || value.operator === 'DoesNotExist') && count > 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
    }
    if ((value.operator === 'Gt' || value.operator === 'Lt') && count !== 1) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: "must be specified single value when `operator` is 'Lt' or 'Gt'" });
    }
  });

/** matchFields: Kubernetes supports only metadata.name, with In or NotIn and exactly one value. */
export const nodeFieldSelectorRequirement = z
  .strictObject({
    key: z.literal('metadata.name'),
    operator: z.enum(['In', 'NotIn']),
    values: z.array(z.string()).optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.values?.length ?? 0) !== 1) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: "must be only one value when `operator` is 'In' or 'NotIn' for node field selector" });
    }
  });

export const nodeSelectorTerm = z.strictObject({
  matchExpressions: z.array(nodeSelectorRequirement).optional(),
  matchFields: z.array(nodeFieldSelectorRequirement).optional(),
});

/** Only nodeAffinity: podAffinity and podAntiAffinity stay unknown fields (not honoured). */
export const affinity = z.strictObject({
  nodeAffinity: z
    .strictObject({
      requiredDuringSchedulingIgnoredDuringExecution: z
        .strictObject({ nodeSelectorTerms: z.array(nodeSelectorTerm).min(1, 'must have at least one node selector term') })
        .optional(),
      preferredDuringSchedulingIgnoredDuringExecution: z
        .array(
          z.strictObject({
            weight: z.number().int().min(1, 'must be in the range 1-100').max(100, 'must be in the range 1-100'),
            preference: nodeSelectorTerm,
          }),
        )
        .optional(),
    })
    .optional(),
});

/**
 * core/v1 Toleration, validated as validateTolerations: an empty key needs operator Exists (match
 * every taint), Exists takes no value, tolerationSeconds only with effect NoExecute. An empty
 * operator means Equal and an empty effect matches every effect.
 */
export const toleration = z
  .strictObject({
    key: z.string().optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: z.string().optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .superRefine((value, ctx) => {
    const key = value.key ?? '';
    const keyProblem = key === '' ? undefined : labelKeyProblem(key);
    if (keyProblem) ctx.addIssue({ code: 'custom', path: ['key'], message: keyProblem });
    if (key === '' && value.operator !== 'Exists') {
      ctx.addIssue({ code: 'custom', path: ['operator'], message: 'operator must be Exists when `key` is empty, which means "match all values and all keys"' });
    }
    if (value.tolerationSeconds !== undefined && value.effect !== 'NoExecute') {
      ctx.addIssue({ code: 'custom', path: ['effect'], message: "effect must be 'NoExecute' when `tolerationSeconds` is set" });
    }
    if (value.operator === 'Exists' && (value.value ?? '') !== '') {
      ctx.addIssue({ code: 'custom', path: ['operator'], message: "value must be empty when `operator` is 'Exists'" });
    }
    const valueProblem = value.operator !== 'Exists' ? labelValueProblem(value.value ?? '') : undefined;
    if (valueProblem) ctx.addIssue({ code: 'custom', path: ['value'], message: valueProblem });
  });

/** The PodSpec fields Skiff honours; a volumeMount must name one of the Pod's volumes. */
export const podSpec = z
  .strictObject({
    containers: z.array(container).min(1, 'must have at least one container'),
    restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
    nodeSelector: labels.optional(),
    nodeName: z.string().optional(),
    affinity: affinity.optional(),
    tolerations: z.array(toleration).optional(),
    terminationGracePeriodSeconds: z.number().int().min(0).optional(),
    hostname: dnsLabel.optional(),
    /** The pod's containers use the node's network namespace (its sandbox joins the host's). */
    hostNetwork: z.boolean().optional(),
    dnsPolicy: z.string().optional(),
    /** Whether containers get the {NAME}_SERVICE_HOST/_PORT variables of the namespace's Services (kubelet's default: true). */
    enableServiceLinks: z.boolean().optional(),
    /** Extra lines of the Pod's managed /etc/hosts (kubelet's HostAliases). */
    hostAliases: z.array(z.strictObject({ ip: z.string().refine((ip) => isIP(ip) !== 0, { message: 'must be a valid IP address' }), hostnames: z.array(z.string()).optional() })).optional(),
    schedulerName: z.string().optional(),
    securityContext: z.strictObject({}).optional(),
    volumes: volumes.optional(),
    imagePullSecrets: z.array(imagePullSecret).optional(),
  })
  .superRefine(checkMountsNameVolumes)
  .superRefine(checkHostNetworkPorts);

/** Kubernetes' validateHostNetwork: in the host's namespace a hostPort can only be the containerPort itself. */
function checkHostNetworkPorts(spec: { hostNetwork?: boolean | undefined; containers: Array<{ ports?: Array<{ containerPort: number; hostPort?: number | undefined }> | undefined }> }, ctx: z.RefinementCtx): void {
  if (spec.hostNetwork !== true) return;
  spec.containers.forEach((c, i) =>
    c.ports?.forEach((p, j) => {
      if (p.hostPort !== undefined && p.hostPort !== p.containerPort) {
        ctx.addIssue({ code: 'custom', path: ['containers', i, 'ports', j, 'hostPort'], message: 'must match `containerPort` when `hostNetwork` is true' });
      }
    }),
  );
}

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
export type Probe = z.infer<typeof probe>;
export type LifecycleHandler = z.infer<typeof lifecycleHandler>;
export type HttpGetAction = z.infer<typeof httpGetAction>;
export type PodSpec = z.infer<typeof podSpec>;
export type EnvVar = z.infer<typeof envVar>;
export type EnvFromSource = z.infer<typeof envFromSource>;
export type Volume = z.infer<typeof volumes>[number];
export type VolumeMount = z.infer<typeof volumeMounts>[number];
export type Affinity = z.infer<typeof affinity>;
export type NodeSelectorTerm = z.infer<typeof nodeSelectorTerm>;
export type NodeSelectorRequirement = z.infer<typeof nodeSelectorRequirement>;
export type Toleration = z.infer<typeof toleration>;
export type PodTemplateSpec = z.infer<typeof podTemplateSpec>;
export type Pod = Omit<z.infer<typeof pod>, 'status'> & { status?: PodStatus };
