/**
 * Docker's own record of what happened to a node's containers (`docker events`), for tests that
 * must see containers the agent has already removed: how each attempt started and died, which
 * signals a stop sent, and when (the daemon's timestamps, not the test's polling).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

interface TapLike {
  teardown(fn: () => unknown): void;
}

export interface ContainerEvent {
  action: string;
  containerId: string;
  /** The container's labels plus Docker's attributes (name, image, exitCode, signal). */
  attributes: Record<string, string>;
  timeMs: number;
}

export class DockerEventLog {
  readonly events: ContainerEvent[] = [];

  private constructor() {}

  /**
   * Starts recording container events matching `labelFilter` (e.g. `skiff.node=NAME`). Events
   * from `sinceMs` on are replayed by the daemon, so nothing that happened before the stream
   * attached is lost.
   */
  static start(t: TapLike, labelFilter: string, sinceMs = Date.now()): DockerEventLog {
    const log = new DockerEventLog();
    const child = spawn(
      'docker',
      ['events', '--since', (sinceMs / 1000).toFixed(3), '--filter', 'type=container', '--filter', `label=${labelFilter}`, '--format', '{{json .}}'],
      // stderr through this process, not inherited: a `docker events` outliving a killed test file
      // would hold the test runner's pipe open, and the runner waits for it to close.
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as { Action: string; Actor: { ID: string; Attributes?: Record<string, string> }; timeNano: number };
      log.events.push({ action: event.Action, containerId: event.Actor.ID, attributes: event.Actor.Attributes ?? {}, timeMs: event.timeNano / 1e6 });
    });
    t.teardown(() => {
      child.kill('SIGTERM');
    });
    return log;
  }

  /**
   * Events of one action whose attributes (labels included) have all the given values. Pod
   * sandboxes' events are left out unless the attributes ask for them (skiff.container.name POD).
   */
  find(action: string, attributes: Record<string, string> = {}): ContainerEvent[] {
    const sandboxes = attributes['skiff.container.name'] === 'POD';
    return this.events.filter(
      (e) => e.action === action && (sandboxes || e.attributes['skiff.container.name'] !== 'POD') && Object.entries(attributes).every(([k, v]) => e.attributes[k] === v),
    );
  }
}
