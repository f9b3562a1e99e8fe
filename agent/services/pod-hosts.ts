/**
 * Each Pod's managed /etc/hosts (hosts-file.ts): written under <dataDir>/pods/<uid>/etc-hosts
 * before the Pod's first container is created (the executor bind-mounts it, as kubelet mounts
 * its etc-hosts), and rewritten in place whenever the Services view changes, so a Service created
 * after the Pod resolves in it too. sync() is level-triggered from every settled reconcile pass:
 * it covers Pods whose containers predate this agent process. A hostNetwork Pod keeps the node's
 * own /etc/hosts (Docker's), as kubelet gives it. The file goes with the Pod's volumes (pod-volumes.ts).
 */
import { join } from 'node:path';
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import type { ViewService } from '../../shared/mqtt/services-view.js';
import { hostsFileContent } from './hosts-file.js';
import { writeHostsFileInPlace } from './hosts-file-writer.js';

export const HOSTS_FILE_NAME = 'etc-hosts';

export function podHostsFilePath(dataDir: string, uid: string): string {
  return join(dataDir, 'pods', uid, HOSTS_FILE_NAME);
}

export interface PodHostsOptions {
  dataDir: string;
  services(): readonly ViewService[];
  log: Logger;
}

export class PodHostsFiles {
  constructor(private readonly options: PodHostsOptions) {}

  /** Writes the Pod's hosts file if it differs from what it should be; resolves with its path. */
  async ensure(pod: DesiredPod, podIp: string): Promise<string> {
    const path = podHostsFilePath(this.options.dataDir, pod.metadata.uid);
    const spec = pod.spec as DesiredPod['spec'] & { hostAliases?: Array<{ ip: string; hostnames?: string[] }> };
    const content = hostsFileContent({
      podIP: podIp,
      hostname: spec.hostname ?? pod.metadata.name,
      hostAliases: (spec.hostAliases ?? []).map((alias) => ({ ip: alias.ip, hostnames: alias.hostnames ?? [] })),
      namespace: pod.metadata.namespace,
      services: this.options.services(),
    });
    if (await writeHostsFileInPlace(path, content)) this.options.log.debug({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'hosts file written');
    return path;
  }

  /** Brings every running Pod's file up to date (Pods with their sandbox's IP). */
  async sync(pods: ReadonlyArray<{ pod: DesiredPod; podIp: string }>): Promise<void> {
    for (const { pod, podIp } of pods) {
      await this.ensure(pod, podIp).catch((err: unknown) =>
        this.options.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: errorMessage(err) }, 'cannot write the pod hosts file'),
      );
    }
  }
}
