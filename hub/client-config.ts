/**
 * The admin's client config (like a kubeconfig): where the hub is and how to authenticate.
 * Written by the hub on first start to DATA/admin.config, read by the CLI from --config,
 * $SKIFF_CONFIG or ~/.skiff/config, in that order.
 */
import { z } from 'zod';

export const clientConfigSchema = z.strictObject({
  apiVersion: z.literal('skiff/v1'),
  kind: z.literal('ClientConfig'),
  /** Base URL of the hub's API, e.g. http://127.0.0.1:7443 */
  server: z.string().url(),
  /** Bearer token sent as `Authorization: Bearer ...`. */
  token: z.string().min(1),
});

export type ClientConfig = z.infer<typeof clientConfigSchema>;
