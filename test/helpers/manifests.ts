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

/**
 * A Service in front of webDeployment(name)'s Pods (app=NAME): port 80 to their port 80, as JSON
 * for `apply -f`; `type` NodePort publishes it on every node too.
 */
export function webService(name: string, options: { type?: 'ClusterIP' | 'NodePort' } = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { ...(options.type ? { type: options.type } : {}), selector: { app: name }, ports: [{ port: 80, targetPort: 80 }] },
  });
}

/**
 * A Deployment pinned to one node whose Pods answer HTTP on port 8080 (named `http`, probed for
 * readiness) with their own name, at `/` and at each of `paths` (busybox httpd serves files):
 * which Pod a request reached is then in the response. Its Pods carry app=NAME plus `labels`.
 */
export function whoamiDeployment(name: string, node: string, options: { replicas?: number; labels?: Record<string, string>; paths?: string[] } = {}): string {
  const files = ['index.html', ...(options.paths ?? [])].map((p) => p.replace(/^\//, ''));
  const dirs = [...new Set(files.filter((f) => f.includes('/')).map((f) => `/www/${f.slice(0, f.lastIndexOf('/'))}`))];
  const script = [
    ...(dirs.length > 0 ? [`mkdir -p ${dirs.join(' ')}`] : []),
    `for f in ${files.join(' ')}; do hostname > /www/$f; done`,
    'trap "kill $pid; exit 0" TERM; httpd -f -p 8080 -h /www & pid=$!; wait',
  ].join('; ');
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...options.labels } },
        spec: {
          terminationGracePeriodSeconds: 1,
          nodeSelector: { 'kubernetes.io/hostname': node },
          containers: [
            {
              name: 'web',
              image: 'skiff-test/web:1',
              imagePullPolicy: 'Never',
              command: ['/bin/sh', '-c', script],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  });
}
