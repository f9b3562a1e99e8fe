/**
 * Which container of a Pod a log or exec request means (kube-apiserver's
 * podutil.FindContainer... in its own words): `?container=` when given and the Pod has it, the
 * only container when there is one, otherwise a 400 that lists the choices.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { PodSpec } from '../../shared/api/schema/pod.js';
import { SkiffError } from '../../shared/errors.js';

export function requestedContainer(pod: KubeObject, query: URLSearchParams): string {
  const name = pod.metadata.name!;
  const containers = ((pod.spec ?? {}) as PodSpec).containers ?? [];
  const container = query.get('container') ?? '';
  if (container === '') {
    if (containers.length !== 1) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`);
    return containers[0]!.name;
  }
  if (!containers.some((c) => c.name === container)) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `container ${container} is not valid for pod ${name}`);
  return container;
}
