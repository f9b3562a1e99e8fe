/**
 * Checks once per running container that the kernel enforces the limits Docker was asked for
 * (HostConfig, from inspect) by reading its cgroup files back, and says so with a Warning Event
 * on the Pod (reason LimitsNotEnforced) when it does not: a kernel without the memory controller
 * or swap accounting, or a cgroup driver surprise, must not leave a Pod silently unlimited.
 */
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { NodeEvent } from '../../shared/mqtt/messages.js';
import { podEvent } from '../report/pod-event.js';
import { identityOf } from '../runtime/labels.js';
import type { ObservedContainer } from '../runtime/observe.js';
import { compareLimits, readLimits, type CgroupFileReader, type LimitMismatch } from './cgroup-limits.js';
import { locateCgroup } from './cgroup-location.js';

export interface LimitAuditDeps {
  /** The text of /proc/<pid>/cgroup. */
  readProcCgroup(pid: number): Promise<string>;
  readFile: CgroupFileReader;
  emit(event: NodeEvent): void;
  now(): number;
  log: Logger;
}

function describe(m: LimitMismatch): string {
  const shown = (v: number | undefined): string => (v === undefined ? 'none' : String(v));
  return `${m.limit}: asked ${m.expected}, cgroup has ${shown(m.actual)}`;
}

export class LimitAudit {
  /** Containers already checked, by Docker id (a restart is a new container, checked again). */
  private readonly audited = new Set<string>();
  private busy = false;

  constructor(private readonly deps: LimitAuditDeps) {}

  /** Checks every running container not checked yet; forgets containers that are gone. One audit at a time. */
  async audit(observed: readonly ObservedContainer[]): Promise<void> {
    if (this.busy) return; // the next settled pass brings what this one skipped
    this.busy = true;
    try {
      await this.auditAll(observed);
    } finally {
      this.busy = false;
    }
  }

  private async auditAll(observed: readonly ObservedContainer[]): Promise<void> {
    const present = new Set(observed.map((c) => c.id));
    for (const id of this.audited) if (!present.has(id)) this.audited.delete(id);
    for (const c of observed) {
      if (c.state !== 'running' || c.pid === undefined || this.audited.has(c.id)) continue;
      const identity = identityOf(c.labels);
      if (!identity) continue;
      this.audited.add(c.id);
      try {
        const location = locateCgroup(await this.deps.readProcCgroup(c.pid));
        if (!location) {
          this.deps.log.warn({ container: c.name }, 'cannot locate the container cgroup; its limits are not checked');
          continue;
        }
        const mismatches = compareLimits(c.requestedLimits ?? {}, await readLimits(location, this.deps.readFile), location.version);
        if (mismatches.length === 0) continue;
        const pod = { metadata: { namespace: identity.namespace, name: identity.podName, uid: identity.podUid } };
        const message = `limits not enforced by the kernel (cgroup v${location.version}): ${mismatches.map(describe).join('; ')}`;
        this.deps.log.warn({ container: c.name, mismatches }, message);
        this.deps.emit(podEvent(pod, identity.container, 'Warning', 'LimitsNotEnforced', message, this.deps.now()));
      } catch (err) {
        // The container may have exited between observe and now (its /proc entry is gone).
        this.deps.log.debug({ container: c.name, err: errorMessage(err) }, 'cgroup limits not read');
        this.audited.delete(c.id);
      }
    }
  }
}
