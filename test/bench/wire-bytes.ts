/**
 * Bytes on the wire between one real agent and the hub (issue #10, target 8): per desired-state
 * update of a one-container Pod, and idle bits per second per agent, each way (target: idle
 * <= 250 bit/s, KubeEdge's ~0.25 kbit/s), with no Pods and with N running Pods whose usage is
 * sampled at the default interval.
 *
 * A counting relay (counting-relay.ts) sits between the agent process and the broker. The agent
 * dials the broker on the host of its --server URL at the port the join answered, so the agent
 * is given --server on 127.0.0.2 (loopback too, and in the hub certificate through --tls-san):
 * one relay there on the broker's port number forwards to the broker on 127.0.0.1, a second one on
 * the API's port number forwards the join. The link is measured as shipped (mqtts) and, to name
 * every message by topic, over plain MQTT (--plain-mqtt), where the bytes decode as MQTT packets
 * (wire-frames.ts). TCP/IP headers are not seen by a relay: they are estimated per segment in
 * their own columns.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { deflateRawSync } from 'node:zlib';
import type { MetricsSample } from '../../shared/metrics/samples.js';
import type { StatusReport } from '../../shared/mqtt/messages.js';
import { TestCluster } from '../helpers/cluster.js';
import { webDeployment } from '../helpers/manifests.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { waitFor } from '../helpers/wait.js';
import { startCountingRelay, type CountingRelay, type Direction } from './counting-relay.js';
import { percentile } from './stats.js';
import { frameKind, inWindow, mqttFrames, SEGMENT_PAYLOAD_BYTES, TCP_IP_HEADER_BYTES, TLS13_RECORD_OVERHEAD_BYTES, tcpTally, tlsRecords, tlsTally, type MqttFrame, type Window } from './wire-frames.js';

export interface WireBytesOptions {
  /** Length of each idle window (no Pods, then N Pods). */
  idleSeconds: number;
  /** Smoke-test sizes: 3 Pods instead of 10, short settling. */
  quick: boolean;
}

type Link = 'mqtts' | 'mqtt';
/** The agent's view of the hub: another loopback address, so relays can own the hub's port numbers there. */
const RELAY_HOST = '127.0.0.2';
const HUB_HOST = '127.0.0.1';
const APP = 'wire';
const WAYS: readonly Direction[] = ['up', 'down'];

interface LinkRun {
  link: Link;
  pods: number;
  mqtt: CountingRelay;
  api: CountingRelay;
  idleEmpty: Window;
  update: Window;
  idleLoaded: Window;
}

async function runningPods(cluster: TestCluster, count: number): Promise<void> {
  await waitFor(`${count} pods Running and Ready at the hub`, async () => (await listPods(cluster, `app=${APP}`)).filter(isRunningAndReady).length === count, {
    timeoutMs: 180_000,
    intervalMs: 100,
  });
}

async function idleWindow(seconds: number): Promise<Window> {
  const fromMs = performance.now();
  await sleep(seconds * 1000);
  return { fromMs, toMs: performance.now() };
}

/** One cluster, one agent behind the relays: idle with no Pods, one Pod's update, idle with `pods` Pods. */
async function measureLink(link: Link, options: WireBytesOptions): Promise<LinkRun> {
  const plain = link === 'mqtt';
  const pods = options.quick ? 3 : 10;
  // Settling lets the join's burst (desired state, Services view, first status) and the Pods'
  // start-up (events, status changes) pass before an idle window opens.
  const settleMs = options.quick ? 1_000 : 20_000;
  // A failed run prints the last lines of the hub's and the agent's logs (TestCluster.destroy) on stderr.
  let failed = false;
  const tap = { teardown: () => undefined, passing: () => !failed, comment: (...message: unknown[]) => console.error(...message) };
  const cluster = await TestCluster.start(tap, { plain, hubArgs: plain ? [] : ['--tls-san', RELAY_HOST] });
  const relays: CountingRelay[] = [];
  try {
    const mqtt = await startCountingRelay({ listen: { host: RELAY_HOST, port: cluster.mqttPort }, target: { host: HUB_HOST, port: cluster.mqttPort } });
    relays.push(mqtt);
    const api = await startCountingRelay({ listen: { host: RELAY_HOST, port: cluster.apiPort }, target: { host: HUB_HOST, port: cluster.apiPort } });
    relays.push(api);
    // The last --server wins (node:util parseArgs): the agent joins, and dials MQTT, through the relays.
    await cluster.startAgent(APP, ['--server', `${plain ? 'http' : 'https'}://${RELAY_HOST}:${cluster.apiPort}`]);
    await sleep(settleMs);
    const idleEmpty = await idleWindow(options.idleSeconds);

    const updateFrom = performance.now();
    await cluster.create('/apis/apps/v1/namespaces/default/deployments', JSON.parse(webDeployment(APP)));
    await runningPods(cluster, 1);
    // The PUBACK of the status report that said Running follows it by a round trip.
    await sleep(200);
    const update = { fromMs: updateFrom, toMs: performance.now() };

    const scaled = await cluster.skiff(['scale', `deployment/${APP}`, '--replicas', String(pods)]);
    if (scaled.code !== 0) throw new Error(`skiff scale failed: ${scaled.stderr}`);
    await runningPods(cluster, pods);
    await sleep(settleMs);
    const idleLoaded = await idleWindow(options.idleSeconds);
    if (mqtt.connections !== 1) throw new Error(`the agent connected ${mqtt.connections} times: a reconnect would mix a handshake into the windows`);
    return { link, pods, mqtt, api, idleEmpty, update, idleLoaded };
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await Promise.all(relays.map((relay) => relay.close()));
    await cluster.destroy();
  }
}

const seconds = (window: Window): number => (window.toMs - window.fromMs) / 1000;
const bitsPerSecond = (bytes: number, window: Window): string => ((bytes * 8) / seconds(window)).toFixed(0);

/**
 * One row per way of an idle window: what the relay counted, what of it is TLS, and the estimated
 * TCP/IP headers: 52 B per data segment, plus (upper bound) one pure ACK per data segment of the
 * other way, when no data is going back within the delayed-ACK time to carry the acknowledgement.
 */
function idleRows(run: LinkRun, label: string, window: Window): string[] {
  const records = run.link === 'mqtts' ? { up: tlsRecords(run.mqtt.chunks, 'up'), down: tlsRecords(run.mqtt.chunks, 'down') } : undefined;
  return WAYS.map((way) => {
    const tcp = tcpTally(run.mqtt.chunks, way, window);
    const other = tcpTally(run.mqtt.chunks, way === 'up' ? 'down' : 'up', window);
    const tls = records ? tlsTally(records[way], window) : undefined;
    const headers = tcp.segments * TCP_IP_HEADER_BYTES;
    const pureAcks = other.segments * TCP_IP_HEADER_BYTES;
    const mqttBytes = tls ? tls.innerBytes : tcp.bytes;
    return `| ${run.link} | ${label} | ${way} | ${seconds(window).toFixed(0)} | ${mqttBytes} | ${tls ? `${tls.overheadBytes} (${tls.records} rec)` : '-'} | ${tcp.bytes} | ${tcp.segments} | ${bitsPerSecond(tcp.bytes, window)} | ${bitsPerSecond(tcp.bytes + headers, window)} | ${bitsPerSecond(tcp.bytes + headers + pureAcks, window)} |`;
  });
}

/** MQTT packets of a window by kind (publish per channel, acks, pings): count, typical sizes, share of the bytes. */
function frameRows(frames: readonly MqttFrame[], label: string, window: Window, perSecond: boolean): string[] {
  const inside = frames.filter((frame) => inWindow(frame.atMs, window));
  const rows: string[] = [];
  for (const way of WAYS) {
    const ofWay = inside.filter((frame) => frame.direction === way);
    const total = ofWay.reduce((sum, frame) => sum + frame.packetBytes, 0);
    const kinds = [...new Set(ofWay.map(frameKind))].sort();
    for (const kind of kinds) {
      const ofKind = ofWay.filter((frame) => frameKind(frame) === kind);
      const bytes = ofKind.reduce((sum, frame) => sum + frame.packetBytes, 0);
      const payloads = ofKind.map((frame) => frame.payloadBytes);
      const packets = ofKind.map((frame) => frame.packetBytes);
      const rate = perSecond ? ` ${bitsPerSecond(bytes, window)} |` : '';
      rows.push(`| ${label} | ${way} | ${kind} | ${ofKind.length} | ${percentile(payloads, 50)} | ${percentile(packets, 50)} | ${bytes} | ${total > 0 ? ((bytes / total) * 100).toFixed(0) : 0}% |${rate}`);
    }
  }
  return rows;
}

/** JSON bytes of each top-level field of a message (and of one level below for the big ones). */
function fieldSizes(message: Record<string, unknown>, expand: readonly string[]): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(message)) {
    const bytes = JSON.stringify(value).length + key.length + 3; // "key": and a comma
    if (expand.includes(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const inner = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k} ${JSON.stringify(v).length + k.length + 3}`);
      parts.push(`${key} ${bytes} (${inner.join(', ')})`);
    } else if (Array.isArray(value) && value.length > 0) {
      parts.push(`${key} ${bytes} (${value.length} x ~${Math.round((bytes - key.length - 5) / value.length)})`);
    } else {
      parts.push(`${key} ${bytes}`);
    }
  }
  return parts.join(', ');
}

/**
 * The two states the idle windows measure, each from when it began (so that a quick run's short
 * window still finds the messages a state sends): no Pods since the join, `pods` Pods since the
 * one Pod's update (the newest messages then carry all of them).
 */
function states(run: LinkRun): Array<{ label: string; idle: Window; since: Window }> {
  return [
    { label: '0', idle: run.idleEmpty, since: { fromMs: 0, toMs: run.idleEmpty.toMs } },
    { label: String(run.pods), idle: run.idleLoaded, since: { fromMs: run.update.toMs, toMs: run.idleLoaded.toMs } },
  ];
}

/** PUBLISH frames of the agent on one channel within a window, oldest first. */
const published = (frames: readonly MqttFrame[], channel: string, window: Window): MqttFrame[] =>
  frames.filter((f) => f.direction === 'up' && inWindow(f.atMs, window) && frameKind(f) === `publish ${channel}` && f.payload !== undefined);

/** The newest `count` metrics samples of these reports, in one report as a longer send interval would batch them. */
function batchedSamples(metrics: readonly MqttFrame[], count: number, keepDevice: (device: string) => boolean = () => true): { json: Buffer; samples: number } {
  const samples = metrics
    .flatMap((f) => (JSON.parse(f.payload!.toString()) as { samples: MetricsSample[] }).samples)
    .slice(-count)
    .map((sample) => ({ ...sample, node: { ...sample.node, network: sample.node.network.filter((n) => keepDevice(n.device)) } }));
  return { json: Buffer.from(JSON.stringify({ samples })), samples: samples.length };
}

/** Where a message's bytes are, and what deflate (zlib, raw) would make of it, alone and, for metrics, batched. */
function anatomyRows(run: LinkRun, frames: readonly MqttFrame[]): string[] {
  const rows: string[] = [];
  const describe = (what: string, payload: Buffer | undefined, expand: readonly string[]): void => {
    if (!payload) return void rows.push(`- ${what}: none`);
    const message = JSON.parse(payload.toString()) as Record<string, unknown>;
    rows.push(`- ${what}: ${payload.length} B JSON, ${deflateRawSync(payload).length} B deflated; fields: ${fieldSizes(message, expand)}`);
  };
  const desired = frames.filter((f) => f.direction === 'down' && inWindow(f.atMs, run.update) && frameKind(f) === 'publish desired');
  describe('desired state (1 Pod)', desired.at(-1)?.payload, []);
  for (const state of states(run)) {
    describe(`newest status report with ${state.label} Pods`, published(frames, 'status', state.since).at(-1)?.payload, ['nodeStatus']);
    const metrics = published(frames, 'metrics', state.since);
    const newest = metrics.at(-1)?.payload;
    describe(`newest metrics report with ${state.label} Pods`, newest, []);
    const sample = newest ? (JSON.parse(newest.toString()) as { samples: MetricsSample[] }).samples[0] : undefined;
    if (sample) {
      const veths = sample.node.network.filter((device) => device.device.startsWith('veth')).length;
      rows.push(`  - its sample: ${fieldSizes(sample as unknown as Record<string, unknown>, ['node'])}; node.network lists ${sample.node.network.length} devices, ${veths} of them veth* (one per running sandbox on the host, any cluster's)`);
    }
    const batch = batchedSamples(metrics, METRICS_BATCH);
    if (batch.samples > 1) {
      const deflated = deflateRawSync(batch.json).length;
      rows.push(`  - its newest ${batch.samples} samples as one report: ${batch.json.length} B JSON, ${deflated} B deflated (${Math.round(deflated / batch.samples)} B per sample)`);
      const withoutVeths = batchedSamples(metrics, METRICS_BATCH, (device) => !device.startsWith('veth'));
      rows.push(`  - the same without veth* devices in node.network: ${withoutVeths.json.length} B JSON, ${deflateRawSync(withoutVeths.json).length} B deflated`);
    }
    const status = published(frames, 'status', state.since).at(-1)?.payload;
    const pod = status ? (JSON.parse(status.toString()) as StatusReport).pods[0] : undefined;
    if (pod) rows.push(`  - one Pod of the status report: ${JSON.stringify(pod).length} B; its status: ${fieldSizes(pod.status as unknown as Record<string, unknown>, [])}`);
  }
  return rows;
}

/** What one MQTT packet of `packetBytes` costs on an mqtts link: one TLS record, its TCP segments and their headers. */
function mqttsWireBytes(packetBytes: number): number {
  const record = packetBytes + TLS13_RECORD_OVERHEAD_BYTES;
  return record + Math.ceil(record / SEGMENT_PAYLOAD_BYTES) * TCP_IP_HEADER_BYTES;
}

/** A message the agent sends every `periodSeconds`: QoS 1 gets a PUBACK back (and acknowledges it); QoS 0 a pure TCP ACK. */
interface Periodic {
  packetBytes: number;
  periodSeconds: number;
  qos: 0 | 1;
}

function bitsPerSecondOf(messages: readonly Periodic[]): { up: number; down: number } {
  let up = 0;
  let down = 0;
  for (const m of messages) {
    up += (mqttsWireBytes(m.packetBytes) + (m.qos === 1 ? TCP_IP_HEADER_BYTES : 0)) / m.periodSeconds;
    down += (m.qos === 1 ? mqttsWireBytes(PUBACK_BYTES) : TCP_IP_HEADER_BYTES) / m.periodSeconds;
  }
  return { up: up * 8, down: down * 8 };
}

const PUBACK_BYTES = 4;
/** Kubernetes' nodeStatusReportFrequency: a full NodeStatus at least this often when nothing changed (the Lease says alive meanwhile). */
const FULL_STATUS_PERIOD_SECONDS = 300;
/** The default metrics interval, and a longer send interval whose reports carry the samples taken meanwhile. */
const METRICS_PERIOD_SECONDS = 10;
const BATCHED_METRICS_PERIOD_SECONDS = 60;
const METRICS_BATCH = BATCHED_METRICS_PERIOD_SECONDS / METRICS_PERIOD_SECONDS;

/** A PUBLISH packet's size for a payload on a topic (MQTT 3.1.1: fixed header, topic length + topic, packet id at QoS 1). */
function publishBytes(topic: string, payloadBytes: number, qos: 0 | 1): number {
  const remaining = 2 + Buffer.byteLength(topic) + (qos === 1 ? 2 : 0) + payloadBytes;
  return 1 + (remaining < 128 ? 1 : remaining < 16_384 ? 2 : 3) + remaining;
}

/**
 * The idle link under heartbeat and metrics schemes, from this run's message sizes (the newest
 * status and metrics reports of each state): the full status every 10 s (the design at issue
 * #10's time; also a check of the model against the measured rows), a Lease-like heartbeat (an
 * empty QoS 0 message on nodes/{node}/lease, the full status on change and every 5 min, as
 * Kubernetes' node Lease replaced most NodeStatus updates) every 5 s or 10 s, then metrics
 * batched every 60 s and deflated, then none, then the floor of a silent live session.
 */
function projectionRows(run: LinkRun, frames: readonly MqttFrame[]): string[] {
  const rows: string[] = [];
  for (const state of states(run)) {
    const status = published(frames, 'status', state.since).at(-1);
    const metrics = published(frames, 'metrics', state.since);
    if (!status || metrics.length === 0) {
      rows.push(`| ${state.label} | (no ${status ? 'metrics' : 'status'} report seen) | | | |`);
      continue;
    }
    // Typical sizes: the idle window's median where it has the message, else the newest of the state.
    const typical = (channel: string, newest: MqttFrame): number => {
      const inIdle = published(frames, channel, state.idle).map((f) => f.packetBytes);
      return inIdle.length > 0 ? percentile(inIdle, 50) : newest.packetBytes;
    };
    const statusEvery = (seconds: number): Periodic => ({ packetBytes: typical('status', status), periodSeconds: seconds, qos: 1 });
    const metricsNow: Periodic = { packetBytes: typical('metrics', metrics.at(-1)!), periodSeconds: METRICS_PERIOD_SECONDS, qos: 1 };
    const batch = batchedSamples(metrics, METRICS_BATCH);
    // Per sample, scaled to a full batch: a quick run's window may hold fewer.
    const batchPayload = Math.round((deflateRawSync(batch.json).length / batch.samples) * METRICS_BATCH);
    const metricsBatched: Periodic = { packetBytes: publishBytes(status.topic!.replace(/status$/, 'metrics'), batchPayload, 1), periodSeconds: BATCHED_METRICS_PERIOD_SECONDS, qos: 1 };
    const statusDeflated: Periodic = { packetBytes: publishBytes(status.topic!, deflateRawSync(status.payload!).length, 1), periodSeconds: FULL_STATUS_PERIOD_SECONDS, qos: 1 };
    const leasePacket = publishBytes(status.topic!.replace(/status$/, 'lease'), 0, 0);
    const leaseEvery = (seconds: number): Periodic => ({ packetBytes: leasePacket, periodSeconds: seconds, qos: 0 });
    const schemes: Array<[string, Periodic[]]> = [
      [`status (${statusEvery(10).packetBytes} B) + metrics (${metricsNow.packetBytes} B) every 10 s, QoS 1`, [statusEvery(10), metricsNow]],
      [`lease (${leasePacket} B, QoS 0) every 5 s + status every 5 min; metrics as now`, [leaseEvery(5), statusEvery(FULL_STATUS_PERIOD_SECONDS), metricsNow]],
      ['lease every 10 s + status every 5 min; metrics as now', [leaseEvery(10), statusEvery(FULL_STATUS_PERIOD_SECONDS), metricsNow]],
      [`lease every 10 s + status every 5 min + metrics every 60 s (6 samples deflated: ${metricsBatched.packetBytes} B)`, [leaseEvery(10), statusEvery(FULL_STATUS_PERIOD_SECONDS), metricsBatched]],
      ['lease every 10 s + status every 5 min, no metrics', [leaseEvery(10), statusEvery(FULL_STATUS_PERIOD_SECONDS)]],
      ['lease every 5 s + status every 5 min, no metrics', [leaseEvery(5), statusEvery(FULL_STATUS_PERIOD_SECONDS)]],
      [`lease every 10 s + status deflated (${statusDeflated.packetBytes} B) every 5 min, no metrics`, [leaseEvery(10), statusDeflated]],
    ];
    for (const [scheme, messages] of schemes) {
      const rate = bitsPerSecondOf(messages);
      rows.push(`| ${state.label} | ${scheme} | ${rate.up.toFixed(0)} | ${rate.down.toFixed(0)} | ${(rate.up + rate.down).toFixed(0)} |`);
    }
  }
  // A session that sends nothing else keeps alive with PINGREQ/PINGRESP (2 B each) every keepalive (15 s).
  const pingUp = ((mqttsWireBytes(2) + TCP_IP_HEADER_BYTES) * 8) / 15;
  const pingDown = (mqttsWireBytes(2) * 8) / 15;
  rows.push(`| any | MQTT keepalive only (PINGREQ/PINGRESP every 15 s): the floor of a live TLS session | ${pingUp.toFixed(0)} | ${pingDown.toFixed(0)} | ${(pingUp + pingDown).toFixed(0)} |`);
  return rows;
}

function updateRows(run: LinkRun): string[] {
  const records = run.link === 'mqtts' ? { up: tlsRecords(run.mqtt.chunks, 'up'), down: tlsRecords(run.mqtt.chunks, 'down') } : undefined;
  return WAYS.map((way) => {
    const tcp = tcpTally(run.mqtt.chunks, way, run.update);
    const tls = records ? tlsTally(records[way], run.update) : undefined;
    const mqttBytes = tls ? tls.innerBytes : tcp.bytes;
    return `| ${run.link} | ${way} | ${(seconds(run.update) * 1000).toFixed(0)} | ${mqttBytes} | ${tls ? `${tls.overheadBytes} (${tls.records} rec)` : '-'} | ${tcp.bytes} | ${tcp.chunks} | ${tcp.segments} | ${tcp.bytes + tcp.segments * TCP_IP_HEADER_BYTES} |`;
  });
}

export async function benchWireBytes(options: WireBytesOptions): Promise<string[]> {
  const links = ['mqtts', 'mqtt'] as const;
  // The smoke run measures both links at once (each its own hub and agent): it proves the code
  // runs. The full run measures one at a time, so that neither disturbs the other's timing.
  const runs: LinkRun[] = options.quick ? await Promise.all(links.map((link) => measureLink(link, options))) : [];
  if (!options.quick) for (const link of links) runs.push(await measureLink(link, options));
  const plain = runs.find((run) => run.link === 'mqtt')!;
  const frames = [...mqttFrames(plain.mqtt.chunks, 'up'), ...mqttFrames(plain.mqtt.chunks, 'down')].sort((a, b) => a.atMs - b.atMs);
  const lines = [
    `# wire-bytes (${options.quick ? 'quick' : 'full'}): one agent's MQTT link through a counting relay; idle windows ${options.idleSeconds} s, metrics at the default interval; command: npm run bench -- --only wire-bytes${options.quick ? ' --quick' : ''}`,
    `# TCP/IP headers are estimated: ${TCP_IP_HEADER_BYTES} B (IPv4 + TCP + timestamps) per data segment of ${SEGMENT_PAYLOAD_BYTES} B payload; "+ACKs" adds at most one pure ACK per data segment of the other way. mqtts = TLS 1.3 as shipped (MQTT bytes inferred from record headers: 22 B per record)`,
    '',
    '## idle, per agent',
    '| link | pods | way | window s | MQTT B | TLS overhead B | TCP payload B | data segments | bit/s payload | bit/s +TCP/IP hdr | bit/s +hdr +ACKs |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.flatMap((run) => [...idleRows(run, '0', run.idleEmpty), ...idleRows(run, String(run.pods), run.idleLoaded)]),
    '',
    `## idle, by message (plain mqtt run): packet = MQTT fixed + variable header + payload`,
    '| pods | way | message | count | payload B (p50) | packet B (p50) | packet B total | share of the way | bit/s |',
    '|---|---|---|---|---|---|---|---|---|',
    ...frameRows(frames, '0', plain.idleEmpty, true),
    ...frameRows(frames, String(plain.pods), plain.idleLoaded, true),
    '',
    '## one desired-state update: apply a 1-replica, 1-container Deployment until the hub sees the Pod Running and Ready',
    '| link | way | ms | MQTT B | TLS overhead B | TCP payload B | chunks | data segments | +TCP/IP hdr B |',
    '|---|---|---|---|---|---|---|---|---|',
    ...runs.flatMap(updateRows),
    '',
    '| window | way | message | count | payload B (p50) | packet B (p50) | packet B total | share of the way |',
    '|---|---|---|---|---|---|---|---|',
    ...frameRows(frames, 'update', plain.update, false),
    '',
    '## where the bytes of each message are (plain run)',
    ...anatomyRows(plain, frames),
    '',
    '## what would close the gap: idle bit/s per way over mqtts, TLS and TCP/IP headers and ACKs included (a model fed with the sizes measured above)',
    '| pods | scheme | up bit/s | down bit/s | up+down |',
    '|---|---|---|---|---|',
    ...projectionRows(plain, frames),
    `- the join (HTTP API, through its own relay): ${runs.map((run) => `${run.link === 'mqtts' ? 'https' : 'http'} ${tcpTally(run.api.chunks, 'up', { fromMs: 0, toMs: Infinity }).bytes} B up, ${tcpTally(run.api.chunks, 'down', { fromMs: 0, toMs: Infinity }).bytes} B down`).join('; ')}; in the idle windows: ${runs.map((run) => tcpTally(run.api.chunks, 'up', run.idleLoaded).bytes + tcpTally(run.api.chunks, 'down', run.idleLoaded).bytes).join(', ')} B`,
  ];
  return lines;
}
