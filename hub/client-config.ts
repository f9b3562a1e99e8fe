/**
 * The admin's client config (like a kubeconfig): where the hub is and how to authenticate.
 * Written by the hub on first start to DATA/admin.config, read by the CLI from --config,
 * $SKIFF_CONFIG or ~/.skiff/config, in that order.
 */
import { z } from 'zod';

export const clientConfigSchema = z.strictObject({
  apiVersion: z.literal('skiff/v1'),
  kind: z.literal('ClientConfig'),
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
});

export type ClientConfig = z.infer<typeof clientConfigSchema>;
