/**
 * Makes the service CIDR local to this host: `ip route replace local CIDR dev lo table local`
 * (Linux's "AnyIP"). The kernel then takes every packet to a clusterIP as its own, from Pods
 * through the container bridge too, and the proxy can bind clusterIP:port without one address
 * per Service. One route, set again whenever the view names a CIDR (idempotent, and level-
 * triggered if someone deletes it). Needs CAP_NET_ADMIN, which an agent driving Docker has; without
 * it clusterIPs stay unreachable and NodePorts still work (docs/services.md).
 */
import { execFile } from 'node:child_process';

export function routeLocally(cidr: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['route', 'replace', 'local', cidr, 'dev', 'lo', 'table', 'local'], { timeout: 5_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`ip route replace local ${cidr} dev lo table local: ${stderr.trim() || err.message}`, { cause: err }));
      else resolve();
    });
  });
}
