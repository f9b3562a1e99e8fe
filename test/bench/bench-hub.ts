/**
 * A real `skiff hub` process for benchmarks (test/bench/fleet.ts, test/bench/hub-capacity.ts):
 * its own data dir and ports, plain HTTP and MQTT (fake nodes are raw MQTT clients), logging at
 * info to DIR/hub.log, optionally under `node --cpu-prof`; and a meter of its CPU and RSS read
 * from /proc. TestCluster cannot pass hub flags nor node flags, hence this.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';
import { run, stop, SKIFF_BIN } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { processUsage } from './proc-usage.js';

export class BenchHub {
  private adminToken: string | undefined;

  private constructor(
    readonly dir: string,
    readonly process: ChildProcess,
    readonly apiUrl: string,
  ) {}

  /** `nodeArgs` go to node itself (--cpu-prof is not allowed in NODE_OPTIONS). */
  static async start(args: string[], nodeArgs: string[], name = 'fleet'): Promise<BenchHub> {
    const dir = mkdtempSync(join(tmpdir(), `skiff-bench-${name}-`));
    const apiPort = await freePort();
    const mqttPort = await freePort();
    const hubArgs = ['hub', '--data-dir', join(dir, 'hub'), '--api-port', String(apiPort), '--mqtt-port', String(mqttPort), '--host', '127.0.0.1', '--plain-http', '--plain-mqtt', ...args]; // fake nodes are raw MQTT clients
    const child = spawn(process.execPath, [...nodeArgs, SKIFF_BIN, ...hubArgs], { env: { ...process.env, SKIFF_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(join(dir, 'hub.log'));
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('exit', () => log.end());
    const hub = new BenchHub(dir, child, `http://127.0.0.1:${apiPort}`);
    await waitFor('the hub to answer /healthz', async () => {
      if (child.exitCode !== null) throw new Error(`hub exited with ${child.exitCode}`);
      return (await fetch(`${hub.apiUrl}/healthz`).catch(() => undefined))?.ok && existsSync(hub.configFile);
    });
    return hub;
  }

  get configFile(): string {
    return join(this.dir, 'hub', 'admin.config');
  }

  get joinToken(): string {
    return readFileSync(join(this.dir, 'hub', 'join-token'), 'utf8').trim();
  }

  /** The admin's bearer header (read once: a latency sample must not time a file read). */
  get authorization(): string {
    this.adminToken ??= readFileSync(join(this.dir, 'hub', 'admin-token'), 'utf8').trim();
    return `Bearer ${this.adminToken}`;
  }

  async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.apiUrl}${path}`, { headers: { Authorization: this.authorization } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return (await res.json()) as T;
  }

  async apply(manifest: string): Promise<void> {
    const result = await run(process.execPath, [SKIFF_BIN, 'apply', '-f', '-'], { input: manifest, env: { SKIFF_CONFIG: this.configFile } });
    if (result.code !== 0) throw new Error(`apply failed: ${result.stderr}`);
  }

  /** A strategic merge patch, as `kubectl patch` sends by default. */
  async patch(path: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method: 'PATCH',
      headers: { Authorization: this.authorization, 'Content-Type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`PATCH ${path}: ${res.status} ${await res.text()}`);
  }

  /** CPU seconds (user + system) and RSS of the hub process, from /proc. */
  usage(): { cpuMs: number; rssBytes: number } {
    return processUsage(this.process.pid!);
  }

  /** `keepDir`: leave the data dir and hub.log for a look afterwards. */
  async stop(keepDir = false): Promise<void> {
    await stop(this.process, 'SIGTERM'); // SIGTERM: the hub exits normally, so --cpu-prof is written
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Samples the hub's RSS (peak) and CPU between start and end of a phase. */
export class UsageMeter {
  private peakRss = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly startCpu: number;
  private readonly startMs = performance.now();

  constructor(private readonly hub: BenchHub) {
    this.startCpu = hub.usage().cpuMs;
    this.timer = setInterval(() => (this.peakRss = Math.max(this.peakRss, hub.usage().rssBytes)), 250);
  }

  end(): { peakRssMiB: number; cpuPercent: number } {
    clearInterval(this.timer);
    const now = this.hub.usage();
    this.peakRss = Math.max(this.peakRss, now.rssBytes);
    return { peakRssMiB: this.peakRss / 2 ** 20, cpuPercent: ((now.cpuMs - this.startCpu) * 100) / (performance.now() - this.startMs) };
  }
}
