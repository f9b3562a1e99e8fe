/**
 * The `scale` subresource of Deployments and ReplicaSets: an autoscaling/v1 Scale, what
 * `kubectl scale` patches, `kubectl autoscale` reads and an HPA's target is checked against.
 * Pure: the Scale is computed from the stored object, and a written Scale only ever changes the
 * object's spec.replicas (kube-apiserver's ScaleREST does the same).
 */
import { SkiffError } from '../../shared/errors.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { LabelSelector } from '../../shared/api/labels.js';
import { formatSelector } from '../../shared/api/labels.js';
import type { ResourceType } from '../../shared/api/resources.js';

/** Kinds with a scale subresource (apps/v1 Deployment and ReplicaSet in Kubernetes; StatefulSets Skiff does not serve). */
const SCALABLE_KINDS = new Set(['Deployment', 'ReplicaSet']);

export function isScalable(resource: ResourceType): boolean {
  return SCALABLE_KINDS.has(resource.kind) && resource.group === 'apps';
}

export interface Scale {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; creationTimestamp?: string };
  spec: { replicas: number };
  status: { replicas: number; selector?: string };
}

interface ScalableSpec {
  replicas?: number;
  selector?: LabelSelector;
}

/** The Scale of a Deployment or ReplicaSet, as kube-apiserver's scaleFromDeployment builds it. */
export function scaleOf(object: KubeObject): Scale {
  const spec = (object.spec ?? {}) as ScalableSpec;
  const status = (object.status ?? {}) as { replicas?: number };
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  const selector = spec.selector ? formatSelector(spec.selector) : undefined;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: name!,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(uid !== undefined ? { uid } : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
      ...(creationTimestamp ? { creationTimestamp } : {}),
    },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, ...(selector !== undefined && selector !== '<none>' ? { selector } : {}) },
  };
}

/**
 * The object with the replicas a written Scale asks for. The Scale's resourceVersion, when it
 * has one, is the object's precondition (a stale one is the store's Conflict), as in Kubernetes.
 */
export function withScale(object: KubeObject, body: unknown): KubeObject {
  const scale = body as { kind?: unknown; metadata?: { name?: unknown; resourceVersion?: unknown }; spec?: { replicas?: unknown } } | null;
  if (typeof scale !== 'object' || scale === null || Array.isArray(scale)) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'the body of a scale request must be an autoscaling/v1 Scale');
  }
  if (scale.kind !== undefined && scale.kind !== 'Scale') {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `the body of a scale request must be an autoscaling/v1 Scale, not ${JSON.stringify(scale.kind)}`);
  }
  if (scale.metadata?.name !== undefined && scale.metadata.name !== object.metadata.name) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `the name of the object (${String(scale.metadata.name)}) does not match the name on the URL (${object.metadata.name})`);
  }
  const replicas = scale.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isSafeInteger(replicas) || replicas < 0) {
    const qualified = `Scale.autoscaling "${object.metadata.name}" is invalid`;
    const message = replicas === undefined ? 'Required value' : `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`;
    throw new SkiffError('SKIFF_ERR_INVALID', `${qualified}: spec.replicas: ${message}`, { details: [{ path: 'spec.replicas', message }] });
  }
  const resourceVersion = typeof scale.metadata?.resourceVersion === 'string' && scale.metadata.resourceVersion !== '' ? scale.metadata.resourceVersion : undefined;
  return {
    ...object,
    metadata: { ...object.metadata, ...(resourceVersion !== undefined ? { resourceVersion } : {}) },
    spec: { ...(object.spec as object), replicas },
  };
}
