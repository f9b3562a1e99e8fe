/**
 * apps/v1 ControllerRevision: an immutable snapshot of a controller's state. The DaemonSet
 * controller keeps one per distinct pod template (hub/controllers/daemonset-history.ts), and
 * `rollout history|undo ds/NAME` read them. As Kubernetes' ValidateControllerRevision: `data` is
 * mandatory (any JSON object; for a DaemonSet the patch `{spec:{template:...}}`), `revision`
 * non-negative (absent reads as 0, as Go's int64 zero value).
 */
import { z } from 'zod';
import { objectMeta } from './meta.js';

export const controllerRevision = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('ControllerRevision'),
  metadata: objectMeta,
  data: z.record(z.string(), z.unknown()),
  revision: z.number().int().min(0, 'must be greater than or equal to 0').optional(),
});

export type ControllerRevision = z.infer<typeof controllerRevision>;
