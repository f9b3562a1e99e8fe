/**
 * A simulated fleet: many lightweight fake agents in one process, each speaking the real
 * protocol to a real hub. A fake node joins through the hub's HTTP join endpoint (the agent's own
 * requestJoin), connects to the embedded broker with its node credentials and the agent's session
 * options (persistent session, retained `offline` last will, retained `online` on connect),
 * subscribes to its desired topic and publishes StatusReports: at once on connect, on every
 * desired state, every 5 min and when the hub asks (a `report` request); in between its heartbeat
 * is a lease, as the agent's (agent/report/reporter.ts heartbeatDue). It has no Docker: every desired Pod is reported Running and
 * Ready, with a status shaped as agent/report/pod-status.ts computes it for a running container.
 * Node labels and status come from the agent's own nodeLabels/buildNodeStatus. A lost link stays
 * lost unless the fleet is started with `reconnect: true`: then each node reconnects on the agent's
 * own backoff (agent/session/mqtt-reconnect-backoff.ts) and, as the agent, says `online`,
 * subscribes and reports at once on every reconnect.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect, type MqttClient } from 'mqtt';
import { requestJoin } from '../../agent/session/join.js';
import { followReconnectBackoff, initialReconnectPeriodMs } from '../../agent/session/mqtt-reconnect-backoff.js';
import { CONNECT_TIMEOUT_MS } from '../../agent/session/mqtt-session.js';
import { buildNodeStatus, nodeLabels } from '../../agent/report/node-status.js';
import { DEFAULTS } from '../../shared/defaults.js';
import type { JoinRequest, JoinResponse } from '../../shared/join.js';
import type { ContainerStatus, PodStatus } from '../../shared/api/status-types.js';
import { MESSAGE_SCHEMA, decodeDesiredState, encode, type DesiredPod, type DesiredState, type ReportedPod, type StatusReport } from '../../shared/mqtt/messages.js';
import { decodeNodeRequest } from '../../shared/mqtt/node-requests.js';
import { PRESENCE_OFFLINE, PRESENCE_ONLINE, agentClientId, desiredTopic, leaseTopic, presenceTopic, requestsTopic, statusTopic } from '../../shared/mqtt/topics.js';
import { heartbeatDue } from '../../agent/report/reporter.js';

export interface FakeNodeSpec {
  name: string;
  /** kubernetes.io/arch (GOARCH spelling). */
  arch?: string;
  /** Extra node labels, as `skiff agent --node-label`. */
  labels?: Record<string, string>;
  cpuCores?: number;
  memoryBytes?: number;
}

export interface FleetOptions {
  /** The hub's API URL (the join endpoint) and its join token. */
  server: string;
  joinToken: string;
  heartbeatIntervalMs?: number;
  keepaliveSeconds?: number;
  /** Reconnect a lost link as the agent does (full-jitter backoff); default false: a lost link stays lost. */
  reconnect?: boolean;
  /**
   * Called as each newer desired state arrives, before the node reports on it: a benchmark notes
   * when the fleet saw a change (test/bench/fleet-worker.ts).
   */
  onDesired?: (node: FakeNode, state: DesiredState) => void;
}

/** Deterministic stand-ins for Docker ids: same pod, same id. */
function fakeId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('/')).digest('hex');
}

/** What agent/report/pod-status.ts computes for a pod whose containers all run and are ready. */
export function runningPodStatus(pod: DesiredPod, hostIP: string, startedAt: string, observedGeneration: number): PodStatus {
  const containerStatuses: ContainerStatus[] = pod.spec.containers.map((c) => ({
    name: c.name,
    state: { running: { startedAt } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image: c.image,
    imageID: `docker://sha256:${fakeId(c.image)}`,
    containerID: `docker://${fakeId(pod.metadata.uid, c.name)}`,
    started: true,
  }));
  const condition = (type: 'Initialized' | 'Ready' | 'ContainersReady' | 'PodScheduled') => ({ type, status: 'True' as const, lastProbeTime: null, lastTransitionTime: startedAt });
  return {
    phase: 'Running',
    conditions: [condition('Initialized'), condition('Ready'), condition('ContainersReady'), condition('PodScheduled')],
    hostIP,
    podIP: hostIP,
    startTime: startedAt,
    containerStatuses,
    observedGeneration,
  };
}

/** As the agent (agent/session/join.ts), a busy hub is asked again rather than given up on. */
async function joinWithRetries(server: string, request: JoinRequest, attempts = 5): Promise<JoinResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await requestJoin(server, request);
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
    }
  }
}

export class FakeNode {
  /** The last desired state received (undefined before the first). */
  desired: DesiredState | undefined;
  /** How many desired-state messages arrived. */
  desiredMessages = 0;
  private seq = 0;
  /** When the last full report, and anything at all (report or lease), went out. */
  private lastReportMs = 0;
  private lastSentMs = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private silenced = false;
  private readonly readySince = new Date().toISOString();
  private readonly startedAt = new Map<string, string>();
  private readonly waiters = new Set<() => void>();
  readonly labels: Record<string, string>;
  /** Client-side time (epoch ms) of every CONNACK, the first connect included. */
  readonly connectedAt: number[] = [];
  /** Reconnect attempts made since the fleet started (successful or not). */
  reconnectAttempts = 0;
  /** Client-side wait before each reconnect attempt: from the link's (or the last attempt's) close to the attempt. */
  readonly backoffWaitsMs: number[] = [];
  private closedAt: number | undefined;

  private constructor(
    readonly name: string,
    readonly client: MqttClient,
    private readonly spec: Required<Omit<FakeNodeSpec, 'labels'>>,
    extraLabels: Record<string, string>,
    private readonly hostIP: string,
    private readonly heartbeatIntervalMs: number,
    private readonly onDesiredHook: FleetOptions['onDesired'],
  ) {
    this.labels = nodeLabels(name, spec.arch, extraLabels);
  }

  /** Joins, connects and waits for the broker's CONNACK and the desired-topic subscription. */
  static async start(spec: FakeNodeSpec, options: FleetOptions, hostIP: string): Promise<FakeNode> {
    const credentials = await joinWithRetries(options.server, { token: options.joinToken, nodeName: spec.name });
    const url = new URL(options.server);
    const client = connect(`mqtt://${url.hostname}:${credentials.mqttPort}`, {
      clientId: agentClientId(spec.name),
      username: credentials.username,
      password: credentials.password,
      clean: false,
      keepalive: options.keepaliveSeconds ?? DEFAULTS.mqttKeepaliveSeconds,
      // Without `reconnect`, a fake node that lost its link stays lost (the tests decide when a node comes back).
      reconnectPeriod: options.reconnect ? initialReconnectPeriodMs(Math.random) : 0,
      connectTimeout: 60_000,
      queueQoSZero: false,
      writeCache: false,
      will: { topic: presenceTopic(spec.name), payload: Buffer.from(PRESENCE_OFFLINE), qos: 1, retain: true },
    });
    const node = new FakeNode(
      spec.name,
      client,
      { name: spec.name, arch: spec.arch ?? 'amd64', cpuCores: spec.cpuCores ?? 4, memoryBytes: spec.memoryBytes ?? 8 * 2 ** 30 },
      spec.labels ?? {},
      hostIP,
      options.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs,
      options.onDesired,
    );
    client.on('connect', () => node.connectedAt.push(Date.now()));
    if (options.reconnect) {
      followReconnectBackoff(client, Math.random, () => node.reconnectAttempts++);
      client.on('close', () => (node.closedAt = Date.now()));
      client.on('reconnect', () => {
        if (node.closedAt !== undefined) node.backoffWaitsMs.push(Date.now() - node.closedAt);
      });
      client.on('connect', () => {
        // The first CONNACK may wait long (a whole fleet joining at once); later ones wait as the agent's.
        client.options.connectTimeout = CONNECT_TIMEOUT_MS;
        if (node.connectedAt.length > 1) void node.announce();
      });
    }
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error(`fake node ${spec.name}: connection closed before CONNACK`)));
    });
    client.on('error', () => undefined); // a killed fake node's socket errors are expected
    client.on('message', (topic, payload) => (topic === requestsTopic(spec.name) ? node.onRequest(topic, payload) : node.onDesired(topic, payload)));
    await client.publishAsync(presenceTopic(spec.name), PRESENCE_ONLINE, { qos: 1, retain: true });
    await client.subscribeAsync(desiredTopic(spec.name), { qos: 1 });
    await client.subscribeAsync(requestsTopic(spec.name), { qos: 0 });
    await node.report();
    // Heartbeats start at a random phase so that a fleet started at once does not beat in step.
    const first = setTimeout(() => {
      node.beat();
      node.heartbeat = setInterval(() => node.beat(), Math.min(1_000, node.heartbeatIntervalMs));
    }, Math.random() * node.heartbeatIntervalMs);
    node.heartbeat = first;
    return node;
  }

  /** As the agent on every reconnect: `online`, the desired-topic subscription, then a report at once. */
  private async announce(): Promise<void> {
    try {
      await this.client.publishAsync(presenceTopic(this.name), PRESENCE_ONLINE, { qos: 1, retain: true });
      await this.client.subscribeAsync(desiredTopic(this.name), { qos: 1 });
      await this.client.subscribeAsync(requestsTopic(this.name), { qos: 0 });
      await this.report();
    } catch {
      // The link dropped again mid-way: the next CONNACK announces again, as the agent's session does.
    }
  }

  /** Uids of the pods in the last desired state. */
  get desiredUids(): string[] {
    return (this.desired?.pods ?? []).map((p) => p.metadata.uid);
  }

  private onDesired(topic: string, payload: Buffer): void {
    const state = decodeDesiredState(payload, topic);
    if (this.desired && state.generation < this.desired.generation) return; // as the agent: never go back
    this.desired = state;
    this.desiredMessages++;
    this.onDesiredHook?.(this, state);
    for (const wake of this.waiters) wake();
    void this.report();
  }

  /** As the agent: the hub may ask for a full report (it marked the node Unknown and its lease came back). */
  private onRequest(topic: string, payload: Buffer): void {
    if (decodeNodeRequest(payload, topic).kind === 'report') void this.report();
  }

  /** As the agent's reporter: a lease when nothing went out for a heartbeat interval, a full report every status interval. */
  private beat(): void {
    if (this.silenced || !this.client.connected) return;
    const due = heartbeatDue(Date.now(), { reportMs: this.lastReportMs, anyMs: this.lastSentMs }, { heartbeatMs: this.heartbeatIntervalMs, statusReportMs: DEFAULTS.nodeStatusReportIntervalMs });
    if (due === 'report') void this.report();
    if (due !== 'lease') return;
    this.lastSentMs = Date.now();
    this.client.publish(leaseTopic(this.name), Buffer.alloc(0), { qos: 0 });
  }

  /** Resolves once a desired state satisfying `check` has arrived. */
  waitForDesired(check: (state: DesiredState | undefined) => boolean): Promise<void> {
    if (check(this.desired)) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        if (!check(this.desired)) return;
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
    });
  }

  buildReport(nowIso = new Date().toISOString()): StatusReport {
    const pods: ReportedPod[] = (this.desired?.pods ?? []).map((pod) => {
      let started = this.startedAt.get(pod.metadata.uid);
      if (!started) this.startedAt.set(pod.metadata.uid, (started = nowIso));
      return {
        namespace: pod.metadata.namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        status: runningPodStatus(pod, this.hostIP, started, this.desired!.generation),
      };
    });
    const facts = {
      cpuCores: this.spec.cpuCores,
      memoryBytes: this.spec.memoryBytes,
      architecture: this.spec.arch,
      kernelVersion: '6.1.0-fake',
      osImage: 'Skiff fake fleet',
      containerRuntimeVersion: 'docker://fake',
      internalIP: this.hostIP,
      hostname: this.name,
    };
    return {
      schema: MESSAGE_SCHEMA,
      node: this.name,
      seq: ++this.seq,
      sentAt: nowIso,
      observedGeneration: this.desired?.generation ?? 0,
      labels: this.labels,
      nodeStatus: buildNodeStatus(facts, nowIso, this.readySince),
      pods,
    };
  }

  private async report(): Promise<void> {
    if (this.silenced || !this.client.connected) return;
    this.lastSentMs = this.lastReportMs = Date.now();
    await this.client.publishAsync(statusTopic(this.name), encode(this.buildReport()), { qos: 1 }).catch(() => undefined);
  }

  /**
   * The node dies abruptly (power cut, kill -9): the socket is destroyed without DISCONNECT, so
   * the broker publishes the retained `offline` last will (MQTT 3.1.1 §3.1.2.5).
   */
  kill(): void {
    this.stopHeartbeats();
    (this.client.stream as Socket).destroy();
    this.client.end(true); // a dead node stays dead, even in a fleet that reconnects
  }

  /**
   * The link goes silent without closing (a cable pulled mid-way, a Wi-Fi dead zone): nothing
   * flows either way, not even keepalive PINGREQs, until `resume` — the TCP connection stays up.
   */
  silence(): void {
    this.silenced = true;
    const socket = this.client.stream as Socket;
    socket.pause();
    socket.cork();
  }

  /** The silent link comes back: queued packets flow and heartbeats go on. */
  resume(): void {
    const socket = this.client.stream as Socket;
    socket.uncork();
    socket.resume();
    this.silenced = false;
  }

  /** Heartbeats stop but the MQTT connection stays up (a hung agent): only the grace period can tell. */
  stopHeartbeats(): void {
    clearTimeout(this.heartbeat);
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.silenced = true;
  }

  /** A clean stop: `offline` then DISCONNECT (which suppresses the will), as the agent's close. */
  async stop(): Promise<void> {
    this.stopHeartbeats();
    if (this.client.connected) await this.client.publishAsync(presenceTopic(this.name), PRESENCE_OFFLINE, { qos: 1, retain: true }).catch(() => undefined);
    await this.client.endAsync().catch(() => undefined);
    if (!this.client.disconnected) await this.client.endAsync(true).catch(() => undefined);
  }
}

/** A fleet of fake nodes in this process. */
export class FakeFleet {
  readonly nodes = new Map<string, FakeNode>();

  constructor(private readonly options: FleetOptions) {}

  /**
   * Starts every node, at most `concurrency` joining at a time (a real fleet does not boot in the
   * same millisecond either, and the test process has a bounded number of sockets in flight).
   * `firstIndex` numbers the nodes' addresses, so fleets in several processes do not share them.
   */
  async start(specs: readonly FakeNodeSpec[], concurrency = 50, firstIndex = 0): Promise<FakeNode[]> {
    const started: FakeNode[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < specs.length) {
        const spec = specs[next]!;
        const index = next++;
        const node = await FakeNode.start(spec, this.options, fakeIp(firstIndex + index));
        this.nodes.set(node.name, node);
        started.push(node);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
    return started;
  }

  get(name: string): FakeNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no fake node ${name}`);
    return node;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
  }
}

/** A distinct address per fake node (10.x.y.z: never routed, only shown in statuses). */
function fakeIp(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
}
