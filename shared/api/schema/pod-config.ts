/**
 * What a Pod consumes from ConfigMaps, Secrets and the downward API: container env (value or
 * valueFrom), envFrom, pod volumes (configMap, secret, emptyDir), volumeMounts and
 * imagePullSecrets, in Kubernetes' core/v1 shapes and with the rules and messages of its
 * validation (pkg/apis/core/validation: validateEnv, validateEnvFrom, validateVolumes,
 * validateVolumeMounts, validateKeyToPath, validateLocalDescendingPath). Kept apart from pod.ts
 * so each file stays one concept; the cross-field rule (a mount names a pod volume) is applied
 * by pod.ts on the whole PodSpec.
 */
import { z } from 'zod';
import { configKeyProblem } from './config.js';
import { dnsLabel, dnsSubdomain, quantity } from './meta.js';
import { labelKeyProblem } from '../names.js';

/** IsEnvVarName (before RelaxedEnvironmentVariableValidation). */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export function envVarNameProblem(name: string): string | undefined {
  if (name === '') return 'Required value';
  if (!ENV_VAR_NAME.test(name)) {
    return `Invalid value: ${JSON.stringify(name)}: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name', or 'MY_ENV.NAME', or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`;
  }
  return undefined;
}

const envVarName = z.string().superRefine((name, ctx) => {
  const problem = envVarNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A referenced object's name: required, and a DNS subdomain as every ConfigMap/Secret name. */
const objectName = z.string().min(1, 'Required value').pipe(dnsSubdomain);

/** A key in a ConfigMap or Secret (IsConfigMapKey). */
const configKey = z.string().superRefine((key, ctx) => {
  const problem = key === '' ? 'Required value' : configKeyProblem(key);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The downward API field paths an env var may read (validEnvDownwardAPIFieldPathExpressions). */
export const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.podIP',
  'status.podIPs',
] as const;

/** metadata.labels['key'] and metadata.annotations['key'] (fieldpath.SplitMaybeSubscriptedPath). */
const SUBSCRIPTED_FIELD_PATH = /^metadata\.(labels|annotations)\['(.*)'\]$/;

export function envFieldPathProblem(fieldPath: string): string | undefined {
  if (fieldPath === '') return 'Required value';
  const subscripted = SUBSCRIPTED_FIELD_PATH.exec(fieldPath);
  if (subscripted) {
    const [, map, key] = subscripted;
    // Annotation keys are compared lower-cased, as Kubernetes does.
    const problem = labelKeyProblem(map === 'annotations' ? key!.toLowerCase() : key!);
    return problem ? `Invalid value: ${JSON.stringify(key)}: ${problem}` : undefined;
  }
  if ((ENV_FIELD_PATHS as readonly string[]).includes(fieldPath)) return undefined;
  const supported = [...ENV_FIELD_PATHS.slice(0, 3), "metadata.labels['<KEY>']", "metadata.annotations['<KEY>']", ...ENV_FIELD_PATHS.slice(3)];
  return `Unsupported value: ${JSON.stringify(fieldPath)}: supported values: ${supported.map((p) => JSON.stringify(p)).join(', ')}`;
}

export const objectFieldSelector = z.strictObject({
  apiVersion: z.literal('v1').optional(),
  fieldPath: z.string().superRefine((fieldPath, ctx) => {
    const problem = envFieldPathProblem(fieldPath);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
});

/** validContainerResourceFieldPathExpressions (hugepages are not honoured by Skiff). */
export const RESOURCE_FIELD_RESOURCES = ['limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage'] as const;
const CPU_DIVISORS = ['1m', '1'];
const BYTE_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];

export const resourceFieldSelector = z
  .strictObject({
    containerName: z.string().optional(),
    resource: z.string(),
    divisor: quantity.optional(),
  })
  .superRefine((ref, ctx) => {
    if (ref.resource === '') {
      ctx.addIssue({ code: 'custom', path: ['resource'], message: 'Required value' });
      return;
    }
    if (!(RESOURCE_FIELD_RESOURCES as readonly string[]).includes(ref.resource)) {
      ctx.addIssue({ code: 'custom', path: ['resource'], message: `Unsupported value: ${JSON.stringify(ref.resource)}: supported values: ${RESOURCE_FIELD_RESOURCES.map((r) => JSON.stringify(r)).join(', ')}` });
      return;
    }
    if (ref.divisor === undefined) return;
    // validateContainerResourceDivisor: a divisor is one unit of the resource's own scale.
    const cpu = ref.resource.endsWith('.cpu');
    const allowed = cpu ? CPU_DIVISORS : BYTE_DIVISORS;
    if (!allowed.includes(String(ref.divisor))) {
      const what = cpu ? 'cpu' : ref.resource.endsWith('.memory') ? 'memory' : 'local ephemeral storage';
      ctx.addIssue({ code: 'custom', path: ['divisor'], message: `Invalid value: ${JSON.stringify(String(ref.divisor))}: only divisor's values ${cpu ? '1m and 1' : allowed.join(', ')} are supported with the ${what} resource` });
    }
  });

const keySelector = z.strictObject({ name: objectName, key: configKey, optional: z.boolean().optional() });

const VALUE_SOURCES = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const;

export const envVarSource = z
  .strictObject({
    fieldRef: objectFieldSelector.optional(),
    resourceFieldRef: resourceFieldSelector.optional(),
    configMapKeyRef: keySelector.optional(),
    secretKeyRef: keySelector.optional(),
  })
  .superRefine((source, ctx) => {
    const given = VALUE_SOURCES.filter((k) => source[k] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', message: 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`' });
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: 'may not have more than one field specified at a time' });
  });

export const envVar = z
  .strictObject({
    name: envVarName,
    value: z.string().optional(),
    valueFrom: envVarSource.optional(),
  })
  .superRefine((env, ctx) => {
    if (env.valueFrom !== undefined && (env.value ?? '') !== '') {
      ctx.addIssue({ code: 'custom', path: ['valueFrom'], message: 'Invalid value: "": may not be specified when `value` is not empty' });
    }
  });

const envFromRef = z.strictObject({ name: objectName, optional: z.boolean().optional() });

export const envFromSource = z
  .strictObject({
    prefix: z
      .string()
      .superRefine((prefix, ctx) => {
        const problem = prefix === '' ? undefined : envVarNameProblem(prefix);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    configMapRef: envFromRef.optional(),
    secretRef: envFromRef.optional(),
  })
  .superRefine((source, ctx) => {
    const given = (['configMapRef', 'secretRef'] as const).filter((k) => source[k] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', message: 'must specify one of: `configMapRef` or `secretRef`' });
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: 'may not have more than one field specified at a time' });
  });

/** validateLocalDescendingPath: relative, and no element is '..'. */
export function descendingPathProblem(path: string): string | undefined {
  if (path.startsWith('/')) return `Invalid value: ${JSON.stringify(path)}: must be a relative path`;
  if (path.split('/').includes('..')) return `Invalid value: ${JSON.stringify(path)}: must not contain '..'`;
  return undefined;
}

const MODE_MESSAGE = 'must be a number between 0 and 0777 (octal), both inclusive';
const fileMode = z.number().int(MODE_MESSAGE).min(0, MODE_MESSAGE).max(0o777, MODE_MESSAGE);

/** validateKeyToPath: the file a key is projected to, under the volume's directory. */
export const keyToPath = z.strictObject({
  key: z.string().min(1, 'Required value'),
  path: z.string().superRefine((path, ctx) => {
    // validateLocalNonReservedPath: '..data' and friends are the atomic writer's own names.
    const problem = path === '' ? 'Required value' : (descendingPathProblem(path) ?? (path.startsWith('..') ? `Invalid value: ${JSON.stringify(path)}: must not start with '..'` : undefined));
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  mode: fileMode.optional(),
});

export const configMapVolumeSource = z.strictObject({
  name: objectName,
  items: z.array(keyToPath).optional(),
  defaultMode: fileMode.optional(),
  optional: z.boolean().optional(),
});

export const secretVolumeSource = z.strictObject({
  secretName: objectName,
  items: z.array(keyToPath).optional(),
  defaultMode: fileMode.optional(),
  optional: z.boolean().optional(),
});

export const emptyDirVolumeSource = z.strictObject({
  medium: z.enum(['', 'Memory']).optional(),
  sizeLimit: quantity.optional(),
});

const VOLUME_SOURCES = ['configMap', 'secret', 'emptyDir'] as const;

export const volume = z
  .strictObject({
    name: dnsLabel,
    configMap: configMapVolumeSource.optional(),
    secret: secretVolumeSource.optional(),
    emptyDir: emptyDirVolumeSource.optional(),
  })
  .superRefine((v, ctx) => {
    const given = VOLUME_SOURCES.filter((k) => v[k] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', message: 'must specify a volume type' });
    if (given.length > 1) ctx.addIssue({ code: 'custom', path: [given[1]!], message: 'may not specify more than 1 volume type' });
  });

/** Pod volumes: names are unique within the Pod. */
export const volumes = z.array(volume).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((v, i) => {
    if (seen.has(v.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `Duplicate value: ${JSON.stringify(v.name)}` });
    seen.add(v.name);
  });
});

export const volumeMount = z.strictObject({
  name: z.string().min(1, 'Required value'),
  mountPath: z.string().superRefine((path, ctx) => {
    if (path === '') ctx.addIssue({ code: 'custom', message: 'Required value' });
    else if (!path.startsWith('/')) ctx.addIssue({ code: 'custom', message: `Invalid value: ${JSON.stringify(path)}: must be an absolute path` });
  }),
  subPath: z
    .string()
    .superRefine((path, ctx) => {
      const problem = descendingPathProblem(path);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  readOnly: z.boolean().optional(),
});

/** A container's mounts: one mount per mountPath (validateVolumeMounts). */
export const volumeMounts = z.array(volumeMount).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((m, i) => {
    if (seen.has(m.mountPath)) ctx.addIssue({ code: 'custom', path: [i, 'mountPath'], message: `Invalid value: ${JSON.stringify(m.mountPath)}: must be unique` });
    seen.add(m.mountPath);
  });
});

/** LocalObjectReference to a kubernetes.io/dockerconfigjson Secret in the Pod's namespace. */
export const imagePullSecret = z.strictObject({ name: objectName });

/**
 * The PodSpec rule that spans containers and volumes: every volumeMount names a pod volume
 * (Kubernetes: `Not found`). Reported at the mount's name.
 */
export function checkMountsNameVolumes(
  spec: { containers: Array<{ volumeMounts?: Array<{ name: string }> }>; volumes?: Array<{ name: string }> },
  ctx: z.RefinementCtx,
): void {
  const names = new Set((spec.volumes ?? []).map((v) => v.name));
  spec.containers.forEach((container, i) => {
    (container.volumeMounts ?? []).forEach((mount, j) => {
      if (mount.name !== '' && !names.has(mount.name)) {
        ctx.addIssue({ code: 'custom', path: ['containers', i, 'volumeMounts', j, 'name'], message: `Not found: ${JSON.stringify(mount.name)}` });
      }
    });
  });
}
