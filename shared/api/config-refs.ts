/**
 * The ConfigMaps and Secrets a PodSpec refers to: env valueFrom (configMapKeyRef, secretKeyRef),
 * envFrom, configMap/secret volumes and imagePullSecrets. Names only: the objects live in the
 * Pod's namespace, as in Kubernetes. The hub uses it to send a node exactly its Pods' objects; the
 * agent to know which objects a Pod waits for. Free of zod at runtime (types only), since the
 * agent imports it.
 */
import type { PodSpec } from './schema/pod.js';

export interface ConfigReferences {
  configMaps: Set<string>;
  secrets: Set<string>;
}

export function configReferences(spec: PodSpec): ConfigReferences {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  // PodSpec has no initContainers in Skiff yet; they would be walked here with the containers.
  for (const container of spec.containers) {
    for (const env of container.env ?? []) {
      if (env.valueFrom?.configMapKeyRef) configMaps.add(env.valueFrom.configMapKeyRef.name);
      if (env.valueFrom?.secretKeyRef) secrets.add(env.valueFrom.secretKeyRef.name);
    }
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef) configMaps.add(source.configMapRef.name);
      if (source.secretRef) secrets.add(source.secretRef.name);
    }
  }
  for (const volume of spec.volumes ?? []) {
    if (volume.configMap) configMaps.add(volume.configMap.name);
    if (volume.secret) secrets.add(volume.secret.secretName);
  }
  for (const pullSecret of spec.imagePullSecrets ?? []) secrets.add(pullSecret.name);
  return { configMaps, secrets };
}
