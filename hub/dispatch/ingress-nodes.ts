/**
 * What the Dispatcher needs to know about Ingress: which nodes serve it (labelled
 * DEFAULTS.ingress.nodeLabel) and which Secrets the Ingresses take their certificates from. Ingress
 * nodes, and only they, receive those Secrets in their desired state (node isolation: a TLS key
 * goes where it is served, nowhere else). Kept from change events and rebuilt at resync.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { DEFAULTS } from '../../shared/defaults.js';
import type { Ingress } from '../../shared/api/schema/ingress.js';

export function isIngressNode(node: KubeObject | undefined): boolean {
  const value = node?.metadata.labels?.[DEFAULTS.ingress.nodeLabel];
  return value !== undefined && value !== 'false';
}

const key = (namespace: string, name: string): string => `${namespace}/${name}`;

export class IngressNodes {
  private readonly nodes = new Set<string>();
  /** Each Ingress's TLS Secrets, as namespace/name. */
  private readonly secretsByIngress = new Map<string, string[]>();

  /** Records a node's label; true when whether it serves Ingress changed. */
  onNode(node: KubeObject, deleted: boolean): boolean {
    const name = node.metadata.name!;
    const was = this.nodes.has(name);
    const is = !deleted && isIngressNode(node);
    if (is) this.nodes.add(name);
    else this.nodes.delete(name);
    return was !== is;
  }

  onIngress(ingress: KubeObject, deleted: boolean): void {
    const namespace = ingress.metadata.namespace ?? DEFAULTS.namespace;
    const k = key(namespace, ingress.metadata.name!);
    if (deleted) {
      this.secretsByIngress.delete(k);
      return;
    }
    const names = ((ingress as unknown as Ingress).spec?.tls ?? []).map((t) => t.secretName).filter((n): n is string => typeof n === 'string' && n !== '');
    this.secretsByIngress.set(k, [...new Set(names)].map((n) => key(namespace, n)));
  }

  rebuild(nodes: readonly KubeObject[], ingresses: readonly KubeObject[]): void {
    this.nodes.clear();
    this.secretsByIngress.clear();
    for (const node of nodes) this.onNode(node, false);
    for (const ingress of ingresses) this.onIngress(ingress, false);
  }

  ingressNodes(): string[] {
    return [...this.nodes];
  }

  /** Every TLS Secret the Ingresses name, sorted, each once. */
  tlsSecrets(): Array<{ namespace: string; name: string }> {
    const all = new Set([...this.secretsByIngress.values()].flat());
    return [...all].sort().map((k) => {
      const slash = k.indexOf('/');
      return { namespace: k.slice(0, slash), name: k.slice(slash + 1) };
    });
  }

  isTlsSecret(namespace: string, name: string): boolean {
    const k = key(namespace, name);
    for (const list of this.secretsByIngress.values()) if (list.includes(k)) return true;
    return false;
  }
}
