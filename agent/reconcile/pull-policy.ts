/** Kubernetes' imagePullPolicy defaulting (core/v1 defaults: SetDefaults_Container). */
import type { Container } from '../../shared/api/schema/pod.js';
import { parseImageRef } from '../runtime/image-ref.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Explicit policy wins; else `:latest` or no tag means Always, anything else (a tag or a digest) IfNotPresent. */
export function effectivePullPolicy(container: Pick<Container, 'image' | 'imagePullPolicy'>): PullPolicy {
  if (container.imagePullPolicy !== undefined) return container.imagePullPolicy;
  const ref = parseImageRef(container.image);
  if (ref.digest !== undefined) return 'IfNotPresent';
  return ref.tag === undefined || ref.tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** What a pod shows while its image is not pulled because the node has DiskPressure. */
export function pullRefusedMessage(image: string, why: string): string {
  return `pull of image "${image}" refused: the node has DiskPressure (${why}); it resumes when space is freed`;
}
