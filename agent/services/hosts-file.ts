/**
 * A Pod's /etc/hosts (issue #8), pure. The first part is kubelet's managed hosts file
 * (pkg/kubelet/kubelet_pods.go managedHostsFileContent and hostsEntriesFromHostAliases), byte
 * for byte: its header, the localhost and IPv6 lines, `podIP<TAB>hostname`, then the Pod's
 * hostAliases, if any, in their own section.
 *
 * Then a section Kubernetes does not have: Skiff runs no cluster DNS (a DNS server would cost
 * every Pi memory it does not have), so the names CoreDNS would answer for Services
 * (NAME.NAMESPACE.svc.cluster.local and its search-path short forms) are written here instead,
 * pointing at the clusterIPs the agent's proxy serves. A Service of the Pod's own namespace also
 * answers to its bare NAME, as the `<namespace>.svc.cluster.local` search domain gives in
 * Kubernetes. Headless Services have no clusterIP and are left out (their Pod-by-Pod records
 * would need DNS). The file follows Service changes: the caller rewrites it when the view changes
 * (hosts-file-writer.ts).
 */
import { DEFAULTS } from '../../shared/defaults.js';
import type { ViewService } from '../../shared/mqtt/services-view.js';

export interface HostAlias {
  ip: string;
  hostnames: string[];
}

export interface HostsFileInput {
  podIP: string;
  hostname: string;
  hostAliases?: readonly HostAlias[];
  /** The Pod's namespace: its Services answer to their bare name too. */
  namespace: string;
  services: readonly ViewService[];
  /** kubelet's --cluster-domain. */
  clusterDomain?: string;
}

/** kubelet's managedHostsHeader. */
const MANAGED_HEADER = '# Kubernetes-managed hosts file.\n';
const SERVICES_HEADER = '# Services (Skiff): the cluster DNS names of every Service with a clusterIP, as Skiff runs no DNS server.\n';

export function hostsFileContent(input: HostsFileInput): string {
  let out = MANAGED_HEADER;
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  out += `${input.podIP}\t${input.hostname}\n`;
  const aliases = input.hostAliases ?? [];
  if (aliases.length > 0) {
    out += '\n# Entries added by HostAliases.\n';
    for (const alias of aliases) {
      for (const hostname of alias.hostnames) out += `${alias.ip}\t${hostname}\n`;
    }
  }
  const lines = serviceLines(input.namespace, input.services, input.clusterDomain ?? DEFAULTS.services.clusterDomain);
  if (lines.length > 0) out += `\n${SERVICES_HEADER}${lines.join('')}`;
  return out;
}

/** One line per Service with a clusterIP, sorted by namespace and name so equal views give equal files. */
function serviceLines(namespace: string, services: readonly ViewService[], clusterDomain: string): string[] {
  const withIP = services.filter((s) => s.clusterIP);
  withIP.sort((a, b) => (a.namespace === b.namespace ? compare(a.name, b.name) : compare(a.namespace, b.namespace)));
  return withIP.map((s) => {
    const qualified = `${s.name}.${s.namespace}`;
    const names = [qualified, `${qualified}.svc`, `${qualified}.svc.${clusterDomain}`];
    if (s.namespace === namespace) names.unshift(s.name);
    return `${s.clusterIP}\t${names.join(' ')}\n`;
  });
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
