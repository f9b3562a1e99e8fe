/**
 * The Service environment variables kubelet gives every container (issue #8), pure: which
 * Services a Pod sees is kubelet's getServiceEnvVarMap (pkg/kubelet/kubelet_pods.go), and the
 * variables of one Service are pkg/kubelet/envvars FromServices:
 *
 *   REDIS_MASTER_SERVICE_HOST=10.43.0.11      REDIS_MASTER_PORT=tcp://10.43.0.11:6379
 *   REDIS_MASTER_SERVICE_PORT=6379            REDIS_MASTER_PORT_6379_TCP=tcp://10.43.0.11:6379
 *   REDIS_MASTER_SERVICE_PORT_REDIS=6379      REDIS_MASTER_PORT_6379_TCP_PROTO=tcp
 *   (one per named port)                      REDIS_MASTER_PORT_6379_TCP_PORT=6379
 *                                             REDIS_MASTER_PORT_6379_TCP_ADDR=10.43.0.11
 *
 * The right column is Docker's old container-link format, one block per port, the first port
 * also as {NAME}_PORT. Skiff Services are TCP only, so the protocol is always tcp.
 *
 * How they merge with the container's own env (container env wins, `$(VAR)` may name them) is
 * env-resolution.ts. Like kubelet, the result is read when a container is created: a Service
 * created later reaches only containers created later (DNS-style names in the managed
 * /etc/hosts, hosts-file.ts, follow Service changes instead).
 */
import type { ViewService } from '../../shared/mqtt/services-view.js';

/**
 * kubelet's masterServices: the API server's own Service, `kubernetes` in `default`, whose
 * variables (KUBERNETES_SERVICE_HOST...) every Pod gets even with enableServiceLinks false, for
 * in-cluster clients. Skiff's hub does not create such a Service yet, so this only applies to a
 * Service of that name a user creates; kept so the rule holds when the hub starts publishing one.
 */
const MASTER_SERVICE = { namespace: 'default', name: 'kubernetes' } as const;

/** envvars.makeEnvVariableName: `redis-master` -> `REDIS_MASTER`. */
export function serviceVariableName(name: string): string {
  return name.replaceAll('-', '_').toUpperCase();
}

/** net.JoinHostPort: an IPv6 address is bracketed. */
function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * The variables for a Pod of `namespace`: every Service of that namespace with a clusterIP
 * (headless ones have none to give) when enableServiceLinks (the Pod's spec.enableServiceLinks,
 * true by default), plus the master Service in any case.
 *
 * Where two Services produce the same variable (`a` on port 80 and `a-port-80-tcp` both define
 * A_PORT_80_TCP_PORT), kubelet's result depends on Go map order; here the Service later by name
 * wins, so the result is at least stable.
 */
export function serviceEnvironment(namespace: string, services: readonly ViewService[], enableServiceLinks = true): Map<string, string> {
  const byName = new Map<string, ViewService>();
  for (const service of services) {
    if (!service.clusterIP) continue;
    const isMaster = service.namespace === MASTER_SERVICE.namespace && service.name === MASTER_SERVICE.name;
    if (enableServiceLinks && service.namespace === namespace) {
      // kubelet: a same-named Service of the Pod's own namespace takes the master's place.
      byName.set(service.name, service);
    } else if (isMaster && !byName.has(service.name)) {
      byName.set(service.name, service);
    }
  }
  const env = new Map<string, string>();
  const names = [...byName.keys()].sort();
  for (const name of names) addServiceVariables(env, byName.get(name)!);
  return env;
}

/** envvars.FromServices for one Service (with a clusterIP). */
function addServiceVariables(env: Map<string, string>, service: ViewService): void {
  const ip = service.clusterIP!;
  const prefix = serviceVariableName(service.name);
  env.set(`${prefix}_SERVICE_HOST`, ip);
  // API validation requires a port on every Service with a clusterIP; the guard only keeps a
  // malformed view from throwing here.
  const first = service.ports[0];
  if (!first) return;
  env.set(`${prefix}_SERVICE_PORT`, String(first.port));
  // Only the first port may be unnamed (API validation).
  for (const port of service.ports) {
    if (port.name !== '') env.set(`${prefix}_SERVICE_PORT_${serviceVariableName(port.name)}`, String(port.port));
  }
  env.set(`${prefix}_PORT`, `tcp://${hostPort(ip, first.port)}`);
  for (const port of service.ports) {
    const link = `${prefix}_PORT_${port.port}_TCP`;
    env.set(link, `tcp://${hostPort(ip, port.port)}`);
    env.set(`${link}_PROTO`, 'tcp');
    env.set(`${link}_PORT`, String(port.port));
    env.set(`${link}_ADDR`, ip);
  }
}
