/** Manifests the integration and chaos tests apply, built in one place. */

/**
 * A one-replica Deployment of the local test web image (never pulled), as JSON for
 * `skiff apply -f -`; `template` adds to its Pod template (annotations, spec fields), `deployment`
 * sets its replicas and strategy.
 */
export function webDeployment(
  name: string,
  template: { annotations?: Record<string, string>; spec?: Record<string, unknown>; container?: Record<string, unknown> } = {},
  deployment: { replicas?: number; strategy?: Record<string, unknown> } = {},
): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: deployment.replicas ?? 1,
      ...(deployment.strategy ? { strategy: deployment.strategy } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(template.annotations ? { annotations: template.annotations } : {}) },
        spec: {
          terminationGracePeriodSeconds: 1,
          ...template.spec,
          containers: [{ name: 'web', image: 'skiff-test/web:1', imagePullPolicy: 'Never', ...template.container }],
        },
      },
    },
  });
}
