/** The Kubernetes tutorial's nginx Deployment (kubernetes.io/docs/concepts/workloads/controllers/deployment/). */
export const NGINX_DEPLOYMENT_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`;

/** A loosely typed Deployment, so that cases can break it in any way they like. */
export interface NginxDeployment {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  spec: {
    replicas?: unknown;
    selector: Record<string, unknown>;
    template: {
      metadata: { labels: Record<string, string> };
      spec: { containers: Array<Record<string, unknown>>; [field: string]: unknown };
    };
    [field: string]: unknown;
  };
}

/** The same Deployment as a plain object, fresh on every call so that cases may mutate it. */
export function nginxDeployment(): NginxDeployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment', labels: { app: 'nginx' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}

export const BUSYBOX_POD_YAML = `apiVersion: v1
kind: Pod
metadata:
  name: busybox
spec:
  containers:
  - name: busybox
    image: busybox:1.36
    command: ["sleep", "3600"]
`;
