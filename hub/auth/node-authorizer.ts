/**
 * The Node authorizer (Kubernetes' plugin/pkg/auth/authorizer/node): a node's credentials reach
 * only what its own Pods need — its own Node object, the Pods bound to it, and the ConfigMaps and
 * Secrets those Pods reference, one by name. A stolen device therefore opens nothing of other
 * nodes. Pure: the caller passes the Pods bound to the node.
 */
import type { KubeObject } from '../../shared/api/object.js';
import { configReferences } from '../../shared/api/config-refs.js';
import type { PodSpec } from '../../shared/api/schema/pod.js';
import type { RequestAttributes } from './request-attributes.js';

export interface Decision {
  allowed: boolean;
  /** Why it was denied (appended to the 403 message, as kube-apiserver does); '' when none. */
  reason: string;
}

const allow: Decision = { allowed: true, reason: '' };
const deny = (reason = ''): Decision => ({ allowed: false, reason });

const READS = ['get', 'list', 'watch'];

/**
 * Decides for node `node`. `boundPods` are the Pods bound to it in the request's namespace (the
 * caller lists them only for requests about pods, configmaps and secrets).
 */
export function nodeAuthorize(node: string, request: RequestAttributes, boundPods: KubeObject[]): Decision {
  if (request.kind === 'non-resource') return deny();
  if (request.apiGroup !== '') return deny();
  const noRelationship = `no relationship found between node '${node}' and this object`;
  switch (request.resource) {
    case 'nodes': {
      // Its own Node only: reading it, and (later) reporting its status through the API.
      if (request.name !== node) return deny(request.name === '' ? 'can only access its own node object' : noRelationship);
      if (request.subresource === '' && READS.includes(request.verb)) return allow;
      if (request.subresource === 'status' && ['get', 'update', 'patch'].includes(request.verb)) return allow;
      return deny();
    }
    case 'events':
      // Nodes report what happens to their Pods, as kubelet does (system:node's events rule).
      return request.subresource === '' && ['create', 'update', 'patch'].includes(request.verb) ? allow : deny();
    case 'pods': {
      if (request.name === '') return deny('can only get individual resources of this type');
      if (!boundPods.some((pod) => pod.metadata.name === request.name)) return deny(noRelationship);
      if (request.subresource === '' && request.verb === 'get') return allow;
      if (request.subresource === 'status' && ['get', 'update', 'patch'].includes(request.verb)) return allow;
      return deny();
    }
    case 'configmaps':
    case 'secrets': {
      if (request.verb !== 'get' || request.subresource !== '' || request.name === '') return deny('can only get individual resources of this type');
      const referenced = boundPods.some((pod) => {
        // The same references dispatch follows: a node may read exactly the objects it is sent.
        const refs = configReferences(pod.spec as PodSpec);
        return (request.resource === 'secrets' ? refs.secrets : refs.configMaps).has(request.name);
      });
      return referenced ? allow : deny(noRelationship);
    }
    default:
      return deny();
  }
}
