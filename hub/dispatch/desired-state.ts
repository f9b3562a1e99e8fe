/**
 * What one node must run, computed purely from the Pods bound to it: every such Pod that is not
 * terminating, reduced to identity and spec, in a stable order, plus the ConfigMaps and Secrets
 * those Pods refer to (and nothing else: node isolation), with a content hash so that an
 * unchanged state is never republished under a new generation.
 */
import { createHash } from 'node:crypto';
import { configReferences } from '../../shared/api/config-refs.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { PodSpec } from '../../shared/api/schema/pod.js';
import type { DesiredConfigObject, DesiredPod, TerminatingPod } from '../../shared/mqtt/messages.js';
import { nodeNameOf } from '../controllers/pod-facts.js';
import { configObjectKey, type ConfigObjectKey } from '../objects/nodes-by-config.js';
import { canonicalJson } from '../../shared/canonical-json.js';

export function desiredPodsFor(node: string, pods: KubeObject[]): DesiredPod[] {
  return pods
    .filter((pod) => nodeNameOf(pod) === node && pod.metadata.deletionTimestamp === undefined)
    .map(
      (pod): DesiredPod => ({
        metadata: {
          name: pod.metadata.name!,
          namespace: pod.metadata.namespace!,
          uid: pod.metadata.uid!,
          ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
          ...(pod.metadata.annotations ? { annotations: withoutLastApplied(pod.metadata.annotations) } : {}),
        },
        spec: pod.spec as PodSpec,
      }),
    )
    .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
}

/**
 * Pods of this node being deleted with a grace other than their own (DeleteOptions), so the node
 * honours it. Usually empty: a plain delete uses the Pod's terminationGracePeriodSeconds, which
 * the node already has on the container.
 */
export function terminatingPodsFor(node: string, pods: KubeObject[]): TerminatingPod[] {
  return pods
    .filter((pod) => nodeNameOf(pod) === node && pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionGracePeriodSeconds !== undefined)
    .filter((pod) => pod.metadata.deletionGracePeriodSeconds !== (pod.spec as PodSpec).terminationGracePeriodSeconds)
    .map((pod) => ({ uid: pod.metadata.uid!, gracePeriodSeconds: pod.metadata.deletionGracePeriodSeconds! }))
    .sort((a, b) => a.uid.localeCompare(b.uid));
}

/** kubectl's last-applied annotation repeats the whole manifest: no use to a node, so not sent. */
function withoutLastApplied(annotations: Record<string, string>): Record<string, string> {
  const { 'kubectl.kubernetes.io/last-applied-configuration': _dropped, ...rest } = annotations;
  return rest;
}

/** Every ConfigMap and Secret the Pods refer to, each once, sorted by kind, namespace and name. */
export function configKeysOf(pods: DesiredPod[]): ConfigObjectKey[] {
  const byKey = new Map<string, ConfigObjectKey>();
  for (const pod of pods) {
    const { namespace } = pod.metadata;
    const refs = configReferences(pod.spec);
    for (const name of refs.configMaps) byKey.set(configObjectKey({ kind: 'ConfigMap', namespace, name }), { kind: 'ConfigMap', namespace, name });
    for (const name of refs.secrets) byKey.set(configObjectKey({ kind: 'Secret', namespace, name }), { kind: 'Secret', namespace, name });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ref]) => ref);
}

/** The Pods' config keys plus the Ingresses' TLS Secrets, each once, in configKeysOf's order. */
export function withIngressSecrets(keys: ConfigObjectKey[], tls: ReadonlyArray<{ namespace: string; name: string }>): ConfigObjectKey[] {
  const byKey = new Map(keys.map((k) => [configObjectKey(k), k]));
  for (const { namespace, name } of tls) byKey.set(configObjectKey({ kind: 'Secret', namespace, name }), { kind: 'Secret', namespace, name });
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ref]) => ref);
}

/**
 * A stored ConfigMap or Secret as the node receives it: every key base64 (a ConfigMap's `data`
 * is UTF-8 text, encoded here, merged with its `binaryData`; a Secret's `data` is base64 already).
 */
export function desiredConfigObject(object: KubeObject): DesiredConfigObject {
  const identity = { namespace: object.metadata.namespace!, name: object.metadata.name! };
  if (object.kind === 'Secret') {
    const { type, data } = object as KubeObject & { type?: string; data?: Record<string, string> };
    return { kind: 'Secret', ...identity, type: type ?? 'Opaque', data: { ...data } };
  }
  const { data, binaryData } = object as KubeObject & { data?: Record<string, string>; binaryData?: Record<string, string> };
  const encoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(data ?? {})) encoded[key] = Buffer.from(value, 'utf8').toString('base64');
  return { kind: 'ConfigMap', ...identity, data: { ...encoded, ...binaryData } };
}

/**
 * What the hash covers of a config object. A ConfigMap by its content, so re-applying the same
 * data republishes nothing. A Secret by identity and resourceVersion instead: the hash is stored
 * in the hub's database, and a digest of a short secret value could be brute-forced offline.
 */
function configFingerprint(object: KubeObject): unknown {
  if (object.kind === 'Secret') {
    const { namespace, name, uid, resourceVersion } = object.metadata;
    return { kind: 'Secret', namespace, name, uid, resourceVersion };
  }
  return desiredConfigObject(object);
}

/**
 * The hash of what a node is told. Without terminating Pods, config objects and ingress it is the hash of
 * the pods alone (as before those existed), so upgrading the hub republishes nothing.
 * `config` are the stored objects the state sends, in the order sent.
 */
export function contentHash(pods: DesiredPod[], terminating: TerminatingPod[] = [], config: KubeObject[] = [], ingress = false): string {
  const content =
    terminating.length === 0 && config.length === 0 && !ingress
      ? pods
      : {
          pods,
          ...(terminating.length > 0 ? { terminating } : {}),
          ...(config.length > 0 ? { config: config.map(configFingerprint) } : {}),
          ...(ingress ? { ingress } : {}),
        };
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 32);
}
