/**
 * A kubeconfig (apiVersion v1, kind Config) for a Skiff client connection, so that the real
 * kubectl and Kubernetes client libraries reach the hub with the same server, CA and bearer token
 * as the `skiff` CLI. One cluster, one user and one context, all named alike, and that context
 * current: the shape `kubectl config view --minify --flatten` prints. Pure; written by the hub
 * beside admin.config (hub/identity/bootstrap.ts) and printed by `skiff config kubeconfig`.
 */
import { stringify } from 'yaml';
import { DEFAULT_KUBECONFIG_NAME } from '../shared/defaults.js';

export interface KubeconfigSource {
  server: string;
  token: string;
  /** PEM of the CA the hub's certificate chains to (base64'd into certificate-authority-data). */
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
}

/** client-go's clientcmd/api/v1 Config, with only the fields Skiff fills. */
export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean } }>;
  users: Array<{ name: string; user: { token: string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  'current-context': string;
  preferences: Record<string, never>;
}

export function buildKubeconfig(source: KubeconfigSource, name: string = DEFAULT_KUBECONFIG_NAME): Kubeconfig {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: source.server,
          // client-go refuses a CA together with insecure-skip-tls-verify ("specifying a root
          // certificates file with the insecure flag is not allowed"): one or the other.
          ...(source.insecureSkipTlsVerify === true
            ? { 'insecure-skip-tls-verify': true }
            : source.caPem !== undefined
              ? { 'certificate-authority-data': Buffer.from(source.caPem).toString('base64') }
              : {}),
        },
      },
    ],
    users: [{ name, user: { token: source.token } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
  };
}

/** As YAML, kubeconfig's usual form (kubectl reads JSON too). */
export function kubeconfigYaml(config: Kubeconfig): string {
  return stringify(config);
}
