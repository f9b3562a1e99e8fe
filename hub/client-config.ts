/**
 * The admin's client config (like a kubeconfig): where the hub is and how to authenticate.
 * Written by the hub on first start to DATA/admin.config, read by the CLI from --config,
 * $SKIFF_CONFIG or ~/.skiff/config, in that order.
 *
 * Two forms. The single-hub form (what the hub writes) has `server`, `token` and the TLS fields at
 * the top. The contexts form holds several hubs, as a kubeconfig's contexts do, and names the one
 * commands use by default: `contexts: [{name, server, token, ...}]`, `currentContext: NAME`.
 * A single-hub file reads as one context named SINGLE_HUB_CONTEXT_NAME, current.
 */
import { z } from 'zod';

/** The name a single-hub file's hub goes by (get-contexts, --context) and keeps when the file gains contexts. */
export const SINGLE_HUB_CONTEXT_NAME = 'default';

const hubFields = {
  /** Base URL of the hub's API, e.g. https://127.0.0.1:7443 */
  server: z.string().url(),
  /**
   * Base64 of the PEM CA certificate(s) the hub's certificate must chain to (kubeconfig's
   * certificate-authority-data): the only CA trusted for an https server; the system store is not.
   */
  certificateAuthorityData: z.string().base64().optional(),
  /** kubeconfig's insecure-skip-tls-verify: accept any certificate. For tests and emergencies only. */
  insecureSkipTlsVerify: z.boolean().optional(),
  /** Bearer token sent as `Authorization: Bearer ...`. */
  token: z.string().min(1),
};

const header = {
  apiVersion: z.literal('skiff/v1'),
  kind: z.literal('ClientConfig'),
};

/** The single-hub form, as the hub writes admin.config. */
export const clientConfigSchema = z.strictObject({ ...header, ...hubFields });

export type ClientConfig = z.infer<typeof clientConfigSchema>;

/** Printed in a table and typed on command lines: no blanks or control characters. */
export const contextNameSchema = z
  .string()
  .min(1)
  .regex(/^[^\s\p{Cc}]+$/u, 'must not contain spaces or control characters');

export const clientContextSchema = z.strictObject({ name: contextNameSchema, ...hubFields });

export type ClientContext = z.infer<typeof clientContextSchema>;

/** The contexts form; names are unique and currentContext, when set, names one of them. */
export const clientContextsConfigSchema = z
  .strictObject({
    ...header,
    contexts: z.array(clientContextSchema),
    currentContext: contextNameSchema.optional(),
  })
  .superRefine((config, issues) => {
    const seen = new Set<string>();
    config.contexts.forEach((context, index) => {
      if (seen.has(context.name)) issues.addIssue({ code: 'custom', path: ['contexts', index, 'name'], message: `Duplicate value: "${context.name}"` });
      seen.add(context.name);
    });
    if (config.currentContext !== undefined && !seen.has(config.currentContext)) {
      issues.addIssue({ code: 'custom', path: ['currentContext'], message: `Not found: no context is named "${config.currentContext}"` });
    }
  });

export type ClientContextsConfig = z.infer<typeof clientContextsConfigSchema>;

/** A file with a `contexts` key is in the contexts form (so its errors speak of contexts), any other the single-hub form. */
export function isContextsForm(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, 'contexts');
}
