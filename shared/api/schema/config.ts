/**
 * core/v1 ConfigMap and Secret, with Kubernetes' ValidateConfigMap / ValidateSecret rules: keys as
 * IsConfigMapKey accepts them, no key in both data and binaryData, Secret data in base64, and the
 * per-type required keys. Also `foldStringData`, the API server's stringData merge, pure so both
 * the API and tests use it.
 */
import { z } from 'zod';
import { objectMeta } from './meta.js';

/** Kubernetes' total size limit for a ConfigMap's or Secret's data (1 MiB). */
export const MAX_CONFIG_DATA_BYTES = 1024 * 1024;

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** IsConfigMapKey: why `key` is not a valid ConfigMap/Secret key, or undefined when it is. */
export function configKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'Invalid value: "": a valid config key must be non-empty';
  if (key.length > 253) return `Invalid value: "${key}": must be no more than 253 characters`;
  if (!CONFIG_KEY.test(key)) return `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`;
  if (key === '.' || key === '..') return `Invalid value: "${key}": must not be '${key}'`;
  return undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard (padded) base64, as Go's encoding/json decodes a []byte field. */
export function isBase64(text: string): boolean {
  return BASE64.test(text);
}

const stringMap = z.record(z.string(), z.string());

function checkKeys(field: string, map: Record<string, string> | undefined, ctx: z.RefinementCtx): void {
  for (const key of Object.keys(map ?? {})) {
    const problem = configKeyProblem(key);
    if (problem) ctx.addIssue({ code: 'custom', path: [`${field}[${key}]`], message: problem });
  }
}

function checkBase64(field: string, map: Record<string, string> | undefined, ctx: z.RefinementCtx): void {
  for (const [key, value] of Object.entries(map ?? {})) {
    if (!isBase64(value)) ctx.addIssue({ code: 'custom', path: [`${field}[${key}]`], message: 'Invalid value: illegal base64 data: the value must be base64-encoded (use stringData for plain text)' });
  }
}

export const configMap = z
  .strictObject({
    apiVersion: z.literal('v1'),
    kind: z.literal('ConfigMap'),
    metadata: objectMeta,
    data: stringMap.optional(),
    binaryData: stringMap.optional(),
    immutable: z.boolean().optional(),
  })
  .superRefine((cm, ctx) => {
    checkKeys('data', cm.data, ctx);
    checkKeys('binaryData', cm.binaryData, ctx);
    checkBase64('binaryData', cm.binaryData, ctx);
    for (const key of Object.keys(cm.binaryData ?? {})) {
      if (cm.data && Object.hasOwn(cm.data, key)) ctx.addIssue({ code: 'custom', path: [`data[${key}]`], message: `Invalid value: "${key}": duplicate of key present in binaryData` });
    }
    const size = Object.values(cm.data ?? {}).reduce((n, v) => n + Buffer.byteLength(v), 0) + Object.values(cm.binaryData ?? {}).reduce((n, v) => n + Math.floor((v.length * 3) / 4), 0);
    if (size > MAX_CONFIG_DATA_BYTES) ctx.addIssue({ code: 'custom', path: [], message: `Too long: must have at most ${MAX_CONFIG_DATA_BYTES} bytes` });
  });

/** The Secret types Skiff accepts; each type's required keys are checked as Kubernetes does. */
export const SECRET_TYPES = ['Opaque', 'kubernetes.io/dockerconfigjson', 'kubernetes.io/basic-auth', 'kubernetes.io/tls'] as const;

/** The keys a Secret holds once stringData is folded in: what the type rules look at. */
function mergedSecretData(secret: { data?: Record<string, string>; stringData?: Record<string, string> }): Record<string, string> {
  const folded: Record<string, string> = { ...secret.data };
  for (const [key, value] of Object.entries(secret.stringData ?? {})) folded[key] = Buffer.from(value, 'utf8').toString('base64');
  return folded;
}

function checkSecretType(type: string, data: Record<string, string>, ctx: z.RefinementCtx): void {
  const decoded = (key: string): string | undefined => (data[key] !== undefined && isBase64(data[key]) ? Buffer.from(data[key], 'base64').toString('utf8') : undefined);
  if (type === 'kubernetes.io/dockerconfigjson') {
    const text = decoded('.dockerconfigjson');
    if (text === undefined) {
      if (data['.dockerconfigjson'] === undefined) ctx.addIssue({ code: 'custom', path: ['data[.dockerconfigjson]'], message: 'Required value' });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not the parser's message: V8's quotes the text around the error, i.e. the secret itself.
      ctx.addIssue({ code: 'custom', path: ['data[.dockerconfigjson]'], message: 'Invalid value: "<secret contents redacted>": not valid JSON' });
      return;
    }
    const auths = (parsed as { auths?: unknown } | null)?.auths;
    if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) {
      ctx.addIssue({ code: 'custom', path: ['data[.dockerconfigjson]'], message: 'Invalid value: "<secret contents redacted>": must be a JSON object with an "auths" object' });
    }
  } else if (type === 'kubernetes.io/basic-auth') {
    if (data.username === undefined && data.password === undefined) ctx.addIssue({ code: 'custom', path: ['data[username]'], message: 'Required value' });
  } else if (type === 'kubernetes.io/tls') {
    for (const key of ['tls.crt', 'tls.key']) if (data[key] === undefined) ctx.addIssue({ code: 'custom', path: [`data[${key}]`], message: 'Required value' });
  }
}

export const secret = z
  .strictObject({
    apiVersion: z.literal('v1'),
    kind: z.literal('Secret'),
    metadata: objectMeta,
    type: z
      .string()
      .refine((t) => (SECRET_TYPES as readonly string[]).includes(t), {
        message: `Unsupported value: Skiff supports the Secret types ${SECRET_TYPES.map((t) => `"${t}"`).join(', ')}`,
      })
      .optional(),
    data: stringMap.optional(),
    stringData: stringMap.optional(),
    immutable: z.boolean().optional(),
  })
  .superRefine((s, ctx) => {
    checkKeys('data', s.data, ctx);
    checkKeys('stringData', s.stringData, ctx);
    checkBase64('data', s.data, ctx);
    const data = mergedSecretData(s);
    checkSecretType(s.type ?? 'Opaque', data, ctx);
    const size = Object.values(data).reduce((n, v) => n + Math.floor((v.length * 3) / 4), 0);
    if (size > MAX_CONFIG_DATA_BYTES) ctx.addIssue({ code: 'custom', path: ['data'], message: `Too long: must have at most ${MAX_CONFIG_DATA_BYTES} bytes` });
  });

export type ConfigMap = z.infer<typeof configMap>;
export type Secret = z.infer<typeof secret>;

/**
 * What the API server stores for a Secret: stringData folded into data as base64 (stringData wins
 * on a shared key) and dropped, type defaulted to Opaque.
 */
export function foldStringData<T extends { data?: Record<string, string>; stringData?: Record<string, string>; type?: string }>(object: T): Omit<T, 'stringData'> {
  const { stringData, ...rest } = object;
  const data = stringData === undefined ? rest.data : mergedSecretData({ data: rest.data, stringData });
  return { ...rest, type: rest.type ?? 'Opaque', ...(data !== undefined ? { data } : {}) };
}

/**
 * ValidateConfigMapUpdate / ValidateSecretUpdate's immutability rule: an object stored with
 * `immutable: true` keeps its data, binaryData (and Secret type) and stays immutable.
 * Returns the field errors, empty when the update is allowed.
 */
export function immutableUpdateErrors(current: Record<string, unknown>, next: Record<string, unknown>): Array<{ path: string; message: string }> {
  if (current.immutable !== true) return [];
  const errors: Array<{ path: string; message: string }> = [];
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(sorted(a ?? {})) === JSON.stringify(sorted(b ?? {}));
  const fields = current.kind === 'Secret' ? ['data', 'type'] : ['data', 'binaryData'];
  for (const field of fields) {
    if (!same(current[field], next[field])) errors.push({ path: field, message: 'Forbidden: field is immutable when `immutable` is set' });
  }
  if (next.immutable !== true) errors.push({ path: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set' });
  return errors;
}

function sorted(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}
