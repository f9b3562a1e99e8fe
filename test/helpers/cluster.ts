/**
 * A real Skiff cluster for black-box integration tests: a hub process and agent processes
 * (`node bin/skiff.js ...`) on the machine's real Docker engine, driven through the real CLI.
 * Every node name carries a per-cluster id, so clusters in parallel test files never touch each
 * other's containers; teardown kills every process and removes every container and temp dir.
 *
 * The hub runs as shipped: HTTPS and MQTTS from its own CA. `fetch` trusts exactly that CA and
 * sends the admin token, the CLI reads the CA from admin.config, agents pin it through the K10
 * join token. `plain: true` starts the hub with --plain-http --plain-mqtt, for tests that drive
 * the broker with raw MQTT clients.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { docker, run, spawnSkiff, stop, SKIFF_BIN, type RunResult } from './processes.js';
import { runCliInProcess } from './in-process-cli.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

/** A fetch that trusts exactly `caPem` (undici's own fetch: the global one takes no CA). */
export async function trustingFetch(caPem: string): Promise<typeof fetch> {
  const { Agent, fetch: undiciFetch } = await import('undici');
  const dispatcher = new Agent({ connect: { ca: caPem, rejectUnauthorized: true } });
  return ((input: string, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

interface TapLike {
  teardown(fn: () => unknown): void;
  passing(): boolean;
  comment(...message: unknown[]): void;
}

export interface ContainerInfo {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
  ip: string;
}

interface AgentProcess {
  process: ChildProcess;
  dataDir: string;
  log: string;
  args: string[];
  /** A command the agent runs under, e.g. `ip netns exec NS` (test/chaos/netns.ts); kept across restarts. */
  wrap: string[];
  /** Extra environment (e.g. DOCKER_HOST of a private engine); kept across restarts. */
  env: NodeJS.ProcessEnv;
}

export class TestCluster {
  readonly id = randomBytes(3).toString('hex');
  readonly dir = mkdtempSync(join(tmpdir(), 'skiff-it-'));
  readonly hubDataDir = join(this.dir, 'hub');
  apiPort = 0;
  mqttPort = 0;
  private hubProcess: ChildProcess | undefined;
  private readonly agents = new Map<string, AgentProcess>();
  private readonly logs: string[] = [];
  /** Extra `skiff hub` flags, kept across hub restarts. */
  private hubArgs: string[] = [];
  private plain = false;
  /** The address the hub listens on and is reached at (a netns veth address in the chaos suite). */
  private hubHost = '127.0.0.1';
  private caFetch: Promise<typeof fetch> | undefined;

  private constructor(private readonly t: TapLike) {}

  static async start(
    t: TapLike,
    options: {
      agents?: string[];
      hubArgs?: string[];
      plain?: boolean;
      hubHost?: string;
      /** Runs with the (empty) hub data dir before the hub first starts; the flags it returns are added to the hub's. */
      beforeHubStart?: (hubDataDir: string) => Promise<string[]>;
    } = {},
  ): Promise<TestCluster> {
    const cluster = new TestCluster(t);
    cluster.plain = options.plain === true;
    cluster.hubHost = options.hubHost ?? cluster.hubHost;
    cluster.hubArgs = [...(cluster.plain ? ['--plain-http', '--plain-mqtt'] : []), ...(options.hubArgs ?? [])];
    t.teardown(() => cluster.destroy());
    cluster.apiPort = await freePort();
    cluster.mqttPort = await freePort();
    if (options.beforeHubStart) cluster.hubArgs.push(...(await options.beforeHubStart(cluster.hubDataDir)));
    await cluster.startHub();
    for (const agent of options.agents ?? []) await cluster.startAgent(agent);
    return cluster;
  }

  get configFile(): string {
    return join(this.hubDataDir, 'admin.config');
  }

  get apiUrl(): string {
    return `${this.plain ? 'http' : 'https'}://${this.hubHost}:${this.apiPort}`;
  }

  /** The hub's CA certificate (PEM), which its API and broker certificates chain to. */
  get caPem(): string {
    return readFileSync(join(this.hubDataDir, 'tls', 'ca.crt'), 'utf8');
  }

  /**
   * fetch against the hub's API: `path` is an API path (or a full URL on it); the cluster's CA is
   * the only one trusted; the admin token is sent unless `init.headers` carry an authorization.
   */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${this.adminToken}`);
    return this.anonymousFetch(path, { ...init, headers });
  }

  /** fetch without credentials (health checks, the join, "unauthenticated calls get 401"). */
  async anonymousFetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.apiUrl}${path}`;
    if (this.plain) return fetch(url, init);
    this.caFetch ??= trustingFetch(this.caPem);
    return (await this.caFetch)(url, init);
  }

  get adminToken(): string {
    return readFileSync(join(this.hubDataDir, 'admin-token'), 'utf8').trim();
  }

  get joinToken(): string {
    return readFileSync(join(this.hubDataDir, 'join-token'), 'utf8').trim();
  }

  /** Starts (or restarts) the hub on the same data dir and ports; `extraArgs` are added to its flags from now on. */
  async startHub(extraArgs: string[] = []): Promise<void> {
    this.hubArgs.push(...extraArgs);
    const log = join(this.dir, 'hub.log');
    this.logs.push(log);
    this.hubProcess = spawnSkiff(
      ['hub', '--data-dir', this.hubDataDir, '--api-port', String(this.apiPort), '--mqtt-port', String(this.mqttPort), '--host', this.hubHost, ...this.hubArgs],
      log,
    );
    await waitFor('the hub to answer /healthz', async () => {
      if (this.hubProcess?.exitCode !== null) throw new Error(`hub exited with ${this.hubProcess?.exitCode}`);
      // The CA exists before the API listens; before that, this throws and the poll goes on.
      const res = existsSync(this.configFile) ? await this.anonymousFetch('/healthz').catch(() => undefined) : undefined;
      return res?.ok;
    });
  }

  /** The hub process's pid (undefined before it started). */
  get hubPid(): number | undefined {
    return this.hubProcess?.pid;
  }

  async stopHub(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.hubProcess) await stop(this.hubProcess, signal);
  }

  /** The full node name for a short test name: unique per cluster. */
  nodeName(short: string): string {
    return `${short}-${this.id}`;
  }

  /**
   * Starts (or restarts, keeping its data dir) an agent; a restart with extraArgs replaces the previous ones.
   * `wrap` runs it under a command and `env` adds to its environment (both kept across restarts);
   * `dataDir` puts its data elsewhere (first start only); `awaitReady: false` returns without waiting
   * for the hub to see the node Ready (an agent started with its link cut).
   */
  async startAgent(short: string, extraArgs: string[] = [], options: { wrap?: string[]; env?: NodeJS.ProcessEnv; awaitReady?: boolean; dataDir?: string } = {}): Promise<string> {
    const name = this.nodeName(short);
    const existing = this.agents.get(name);
    const dataDir = existing?.dataDir ?? options.dataDir ?? join(this.dir, `agent-${short}`);
    const log = existing?.log ?? join(this.dir, `agent-${short}.log`);
    if (!existing) this.logs.push(log);
    // A free relay port each: test files run side by side, and their agents share this host.
    const relay = extraArgs.includes('--proxy-relay-port') ? [] : ['--proxy-relay-port', '0'];
    const base = ['agent', '--server', this.apiUrl, '--token', this.joinToken, '--node-name', name, '--data-dir', dataDir, ...relay];
    const args = existing && extraArgs.length === 0 ? existing.args : [...base, ...extraArgs];
    const wrap = options.wrap ?? existing?.wrap ?? [];
    const env = options.env ?? existing?.env ?? {};
    const child = spawnSkiff(args, log, env, wrap);
    this.agents.set(name, { process: child, dataDir, log, args, wrap, env });
    if (options.awaitReady === false) return name;
    await waitFor(`node ${name} to be Ready`, async () => {
      if (child.exitCode !== null) throw new Error(`agent ${name} exited with ${child.exitCode}`);
      // The API, not a CLI process per probe (each is a Node start-up that slows what is under test).
      const node = await this.api<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(`/api/v1/nodes/${name}`).catch(() => undefined);
      return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    });
    return name;
  }

  /** The agent's process id (benchmarks read its RSS and CPU time from /proc). */
  agentPid(name: string): number | undefined {
    return this.agents.get(name)?.process.pid;
  }

  async stopAgent(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const agent = this.agents.get(name);
    if (agent) await stop(agent.process, signal);
  }

  /** Runs the real CLI against this cluster's hub. */
  /**
   * `skiff ARGS` as the admin, run inside this process (hub/cli/main.ts's `run`, as
   * test/helpers/in-process-cli.ts does it): what these tests check is the hub's and the agents'
   * behaviour, and a Node start-up per command (~1 s on a loaded 2-core machine) was a large share
   * of the suite's time. The executable itself is what `skiffProcess` runs.
   */
  skiff(args: string[], options: { input?: string } = {}): Promise<RunResult> {
    return runCliInProcess(args, { config: this.configFile, ...(options.input !== undefined ? { stdin: options.input } : {}) });
  }

  /** `skiff ARGS` through bin/skiff.js in a process of its own, as a user's shell runs it (exit code, streams, start-up). */
  skiffProcess(args: string[], options: { input?: string } = {}): Promise<RunResult> {
    return run(process.execPath, [SKIFF_BIN, ...args], { ...options, env: { SKIFF_CONFIG: this.configFile } });
  }

  /** GET an API path directly (no CLI process: for measurements, where start-up would dominate). */
  async api<T = Record<string, unknown>>(path: string): Promise<T> {
    const res = await this.fetch(path);
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** POST a JSON body to an API path, as the admin (or with another `authorization` header). */
  post(path: string, body: unknown, authorization?: string): Promise<Response> {
    return this.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
  }

  /** POST an object as the admin; anything but 201 Created throws with the server's answer. */
  async create(path: string, body: unknown): Promise<void> {
    const res = await this.post(path, body);
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  }

  async getJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
    const result = await this.skiff([...args, '-o', 'json']);
    if (result.code !== 0) throw new Error(`skiff ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /**
   * Pod containers Docker has for one of this cluster's nodes (all states); with `sandboxes`,
   * the pods' sandbox (pause) containers too.
   */
  async containers(node: string, options: { sandboxes?: boolean } = {}): Promise<ContainerInfo[]> {
    const list = await docker(['ps', '-aq', '--filter', `label=skiff.node=${node}`]);
    const ids = list.stdout.split('\n').filter((id) => id !== '');
    if (ids.length === 0) return [];
    // A container that went away between ps and inspect is left out: docker inspect still prints
    // every container it found (exiting 1), and the rest of the list is as true as before.
    const inspected = await docker(['inspect', ...ids]);
    if (inspected.code !== 0 && !inspected.stdout.trimStart().startsWith('[')) throw new Error(`docker inspect failed: ${inspected.stderr}`);
    type Raw = { Id: string; Name: string; State: { Status: string }; Config: { Labels: Record<string, string> }; HostConfig: { NetworkMode?: string }; NetworkSettings: { IPAddress: string } };
    const raw = JSON.parse(inspected.stdout) as Raw[];
    // A pod container has no address of its own: it is in its sandbox's network namespace.
    const addressOf = (c: Raw): string => {
      const owner = c.HostConfig.NetworkMode?.startsWith('container:') ? raw.find((s) => s.Id === c.HostConfig.NetworkMode!.slice('container:'.length)) : undefined;
      return owner ? owner.NetworkSettings.IPAddress : c.NetworkSettings.IPAddress;
    };
    return raw
      .map((c) => ({ id: c.Id, name: c.Name.replace(/^\//, ''), state: c.State.Status, labels: c.Config.Labels, ip: addressOf(c) }))
      .filter((c) => options.sandboxes || c.labels['skiff.container.name'] !== 'POD');
  }

  async destroy(): Promise<void> {
    const processes = [...this.agents.values()].map((a) => a.process);
    if (this.hubProcess) processes.push(this.hubProcess);
    await Promise.all(processes.map((p) => stop(p, 'SIGKILL')));
    await Promise.all(
      [...this.agents.keys()].map(async (name) => {
        const ids = (await docker(['ps', '-aq', '--filter', `label=skiff.node=${name}`])).stdout.split('\n').filter(Boolean);
        if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids]);
      }),
    );
    if (!this.t.passing()) {
      for (const log of this.logs) {
        const text = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-60).join('\n') : '(no log)';
        this.t.comment(`--- last lines of ${log} ---\n${text}`);
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
