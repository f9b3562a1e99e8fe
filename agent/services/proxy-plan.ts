/**
 * Which sockets the node's service proxy listens on, computed purely from the Services view: for
 * every Service port with at least one Ready endpoint, one on clusterIP:port (for Pods, through the
 * local route to the service CIDR) and, for a NodePort Service, one on the node's address at the
 * nodePort (for everyone). A port with no endpoint gets no listener, so a client is refused at
 * once instead of hanging (kube-proxy's REJECT rule). Level-triggered: the proxy diffs this against
 * what it has open, whatever happened before.
 */
import type { ServicesView, ViewService, ViewServicePort } from '../../shared/mqtt/services-view.js';

export interface ListenerRoute {
  /** host:port, the listener's identity. */
  key: string;
  host: string;
  port: number;
  /** namespace/name:portName: which balancer serves it. */
  servicePort: string;
  kind: 'clusterIP' | 'nodePort';
}

export const servicePortKey = (service: Pick<ViewService, 'namespace' | 'name'>, port: Pick<ViewServicePort, 'name'>): string => `${service.namespace}/${service.name}:${port.name}`;

/** `nodePortHost`: --node-ip, or 0.0.0.0 (every address, as kube-proxy's default) when unset. */
export function desiredListeners(view: ServicesView | undefined, nodePortHost: string): Map<string, ListenerRoute> {
  const listeners = new Map<string, ListenerRoute>();
  const add = (host: string, port: number, servicePort: string, kind: ListenerRoute['kind']): void => {
    const key = `${host}:${port}`;
    if (!listeners.has(key)) listeners.set(key, { key, host, port, servicePort, kind });
  };
  for (const service of view?.services ?? []) {
    for (const port of service.ports) {
      if (port.endpoints.length === 0) continue;
      const servicePort = servicePortKey(service, port);
      if (service.clusterIP !== undefined) add(service.clusterIP, port.port, servicePort, 'clusterIP');
      if (service.type === 'NodePort' && port.nodePort !== undefined) add(nodePortHost, port.nodePort, servicePort, 'nodePort');
    }
  }
  return listeners;
}

export interface ListenerChanges {
  open: ListenerRoute[];
  close: string[];
}

/** What to open and close to go from `current` (keys of open listeners) to `desired`. */
export function diffListeners(desired: ReadonlyMap<string, ListenerRoute>, current: Iterable<string>): ListenerChanges {
  const have = new Set(current);
  return {
    open: [...desired.values()].filter((route) => !have.has(route.key)),
    close: [...have].filter((key) => !desired.has(key)),
  };
}

/** The endpoints of this node (what its relay may connect to), as ip:port. */
export function localEndpoints(view: ServicesView | undefined, node: string): Set<string> {
  const own = new Set<string>();
  for (const service of view?.services ?? []) {
    for (const port of service.ports) for (const endpoint of port.endpoints) if (endpoint.node === node) own.add(`${endpoint.ip}:${endpoint.port}`);
  }
  return own;
}
