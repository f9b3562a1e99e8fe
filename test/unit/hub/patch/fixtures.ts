/** Small objects the patch tests start from. */
import type { KubeObject } from '../../../../shared/api/object.js';

export function deployment(overrides: { replicas?: number; image?: string; env?: Array<{ name: string; value: string }> } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '7', labels: { app: 'web' } },
    spec: {
      replicas: overrides.replicas ?? 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'web', image: overrides.image ?? 'skiff-test/web:1', env: overrides.env ?? [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
            { name: 'sidecar', image: 'busybox' },
          ],
        },
      },
    },
  };
}

export const NOW = new Date('2026-01-02T03:04:05.678Z');
export const LATER = new Date('2026-01-02T04:00:00.000Z');
