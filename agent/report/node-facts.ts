/**
 * Facts about this machine for the Node status, from node:os and /etc/os-release (cheap; the
 * systeminformation package would cost ~10 MB of RSS for the same few fields).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { goArch, type NodeFacts } from './node-status.js';

/** PRETTY_NAME from an os-release file's text, e.g. "Debian GNU/Linux 12 (bookworm)". */
export function prettyName(osRelease: string): string | undefined {
  const match = /^PRETTY_NAME=(.*)$/m.exec(osRelease);
  if (!match) return undefined;
  return match[1]!.trim().replace(/^(["'])(.*)\1$/, '$2');
}

function osImage(): string {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      const name = prettyName(readFileSync(file, 'utf8'));
      if (name) return name;
    } catch {
      // try the next one
    }
  }
  return 'Linux';
}

/** Interfaces that belong to containers, not to the machine's own network. */
const VIRTUAL_INTERFACE = /^(docker|br-|veth|cni|flannel|virbr|lo)/;

/** The first non-internal IPv4 address of a physical-looking interface. */
export function firstExternalIPv4(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): string | undefined {
  for (const [name, addrs] of Object.entries(interfaces)) {
    if (VIRTUAL_INTERFACE.test(name)) continue;
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return undefined;
}

export function gatherNodeFacts(nodeIp: string | undefined, engineVersion: string | undefined): NodeFacts {
  const internalIP = nodeIp ?? firstExternalIPv4(os.networkInterfaces());
  return {
    cpuCores: os.cpus().length,
    memoryBytes: os.totalmem(),
    architecture: goArch(process.arch),
    kernelVersion: os.release(),
    osImage: osImage(),
    containerRuntimeVersion: `docker://${engineVersion ?? 'unknown'}`,
    ...(internalIP ? { internalIP } : {}),
    hostname: os.hostname(),
  };
}
