/**
 * One process of fake agents (test/helpers/fake-fleet.ts), driven by test/bench/fleet-workers.ts
 * over IPC: start a range of nodes, count them (connected, and which have been sent a container
 * image, with the time each first saw it), exit. Runs as `node dist/test/bench/fleet-worker.js`
 * with an IPC channel; never imported.
 */
import { FakeFleet, type FakeNode } from '../helpers/fake-fleet.js';
import type { DesiredState } from '../../shared/mqtt/messages.js';
import type { WorkerCommand, WorkerCounts, WorkerReply } from './fleet-workers.js';

if (!process.send) throw new Error('fleet-worker.ts runs as a child process with an IPC channel (test/bench/fleet-workers.ts)');

let fleet: FakeFleet | undefined;
/** Per image, when each node was first sent a Pod with a container of it (epoch ms). */
const firstSeen = new Map<string, Map<string, number>>();

function noteImages(node: FakeNode, state: DesiredState): void {
  const now = Date.now();
  for (const pod of state.pods) {
    for (const container of pod.spec.containers) {
      let nodes = firstSeen.get(container.image);
      if (!nodes) firstSeen.set(container.image, (nodes = new Map()));
      if (!nodes.has(node.name)) nodes.set(node.name, now);
    }
  }
}

function counts(image: string | undefined): WorkerCounts {
  const nodes = [...(fleet?.nodes.values() ?? [])];
  const seen = image === undefined ? undefined : firstSeen.get(image);
  const times = [...(seen?.values() ?? [])];
  return {
    started: nodes.length,
    connected: nodes.filter((n) => n.client.connected).length,
    acked: times.length,
    ...(times.length > 0 ? { firstAckAt: Math.min(...times), lastAckAt: Math.max(...times) } : {}),
  };
}

async function handle(command: WorkerCommand): Promise<unknown> {
  switch (command.type) {
    case 'start': {
      if (fleet) throw new Error('this worker already runs a fleet');
      fleet = new FakeFleet({ ...command.fleet, onDesired: noteImages });
      const specs = Array.from({ length: command.count }, (_, i) => ({ name: `${command.namePrefix}${command.first + i}`, arch: (command.first + i) % 4 === 0 ? 'arm64' : 'amd64' }));
      await fleet.start(specs, command.concurrency, command.first);
      return { started: fleet.nodes.size };
    }
    case 'counts':
      return counts(command.image);
    case 'exit':
      // No clean DISCONNECT per node: ending 5,000 sessions one by one would only load the hub.
      setImmediate(() => process.exit(0));
      return {};
  }
}

process.on('message', (command: WorkerCommand) => {
  handle(command).then(
    (result) => process.send!({ id: command.id, ok: true, result } satisfies WorkerReply),
    (err: unknown) => process.send!({ id: command.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  );
});
// The benchmark went away: so do its nodes.
process.on('disconnect', () => process.exit(0));
