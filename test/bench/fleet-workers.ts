/**
 * A simulated fleet spread over child processes (test/bench/fleet-worker.ts), so that the fake
 * agents neither share an event loop with the benchmark's own measuring nor with each other:
 * at 10,000 nodes one process of mqtt.js clients is CPU-bound on its own. The parent speaks to
 * each worker over Node's IPC channel, one request and one answer at a time per id.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../helpers/repo.js';
import { processUsage } from './proc-usage.js';

/** What every worker's fake nodes are told (test/helpers/fake-fleet.ts FleetOptions, minus callbacks). */
export interface WorkerFleetOptions {
  server: string;
  joinToken: string;
  heartbeatIntervalMs: number;
}

export type WorkerCommand =
  | { id: number; type: 'start'; fleet: WorkerFleetOptions; namePrefix: string; first: number; count: number; concurrency: number }
  | { id: number; type: 'counts'; image?: string }
  | { id: number; type: 'exit' };

/** One worker's fleet now. Times are epoch ms (Date.now(): one clock for every process on the machine). */
export interface WorkerCounts {
  /** Nodes started (joined, connected, subscribed, first report sent). */
  started: number;
  connected: number;
  /** Nodes whose desired state has held a container with the asked image. */
  acked: number;
  firstAckAt?: number;
  lastAckAt?: number;
}

/** A command before the channel numbers it (Omit distributed over the union). */
type UnnumberedCommand = WorkerCommand extends infer C ? (C extends WorkerCommand ? Omit<C, 'id'> : never) : never;

export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** The whole fleet's counts, and each worker's process figures. */
export interface FleetCounts extends WorkerCounts {
  workers: Array<{ pid: number; rssBytes: number; cpuMs: number }>;
}

/** The compiled worker: beside this file when it runs from dist/, else in dist/ (run `npx tsc -p tsconfig.json`). */
function workerFile(): string {
  const beside = fileURLToPath(new URL('./fleet-worker.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const built = join(repoRoot(), 'dist', 'test', 'bench', 'fleet-worker.js');
  if (!existsSync(built)) throw new Error(`no ${built}: build first (npx tsc -p tsconfig.json)`);
  return built;
}

class FleetWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();

  constructor(readonly child: ChildProcess) {
    child.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.result);
      else waiter?.reject(new Error(`fleet worker ${child.pid}: ${reply.error}`));
    });
    child.once('exit', (code, signal) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`fleet worker ${child.pid} exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  request<T>(command: UnnumberedCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...command, id });
    });
  }
}

export class FleetWorkers {
  private constructor(private readonly workers: FleetWorker[]) {}

  /** Forks `count` workers running plain `node` on the compiled worker (no tsx loader: it costs memory per process). */
  static start(count: number): FleetWorkers {
    const file = workerFile();
    return new FleetWorkers(Array.from({ length: count }, () => new FleetWorker(fork(file, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))));
  }

  get pids(): number[] {
    return this.workers.map((w) => w.child.pid!);
  }

  /**
   * Starts nodes `${namePrefix}0` .. `${namePrefix}${nodes - 1}`, an even share per worker, each
   * worker `concurrency` joining at a time; resolves once every node is started.
   */
  async startNodes(fleet: WorkerFleetOptions, nodes: number, namePrefix: string, concurrency = 50): Promise<void> {
    const share = Math.ceil(nodes / this.workers.length);
    await Promise.all(
      this.workers.map((worker, i) => {
        const first = i * share;
        const count = Math.max(0, Math.min(share, nodes - first));
        return worker.request({ type: 'start', fleet, namePrefix, first, count, concurrency });
      }),
    );
  }

  /** Every worker's counts, summed; `image`: how many nodes were sent a container with it, and when. */
  async counts(image?: string): Promise<FleetCounts> {
    const each = await Promise.all(this.workers.map((w) => w.request<WorkerCounts>({ type: 'counts', ...(image ? { image } : {}) })));
    const times = (pick: (c: WorkerCounts) => number | undefined) => each.map(pick).filter((t): t is number => t !== undefined);
    const firsts = times((c) => c.firstAckAt);
    const lasts = times((c) => c.lastAckAt);
    return {
      started: each.reduce((sum, c) => sum + c.started, 0),
      connected: each.reduce((sum, c) => sum + c.connected, 0),
      acked: each.reduce((sum, c) => sum + c.acked, 0),
      ...(firsts.length > 0 ? { firstAckAt: Math.min(...firsts) } : {}),
      ...(lasts.length > 0 ? { lastAckAt: Math.max(...lasts) } : {}),
      workers: this.workers.map((w) => ({ pid: w.child.pid!, ...processUsage(w.child.pid!) })),
    };
  }

  /** Ends every worker at once: its sockets close without DISCONNECT (the hub is stopped first, normally). */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.child.exitCode !== null || w.child.signalCode !== null) return;
        const exited = new Promise((resolve) => w.child.once('exit', resolve));
        await w.request({ type: 'exit' }).catch(() => undefined); // it may exit before answering
        await exited;
      }),
    );
  }
}
