/**
 * Reads what a counting relay (counting-relay.ts) carried as the layers of an agent's link: TCP
 * (chunks and an estimate of segments and their headers), TLS records, MQTT packets. Each
 * connection and direction is its own byte stream; a frame is stamped with the arrival time of
 * the chunk that completed it, so frames can be counted per time window.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';
import type { Direction, RelayedChunk } from './counting-relay.js';

/** Payload bytes of one TCP segment on an Ethernet path: 1500 MTU less IPv4 20, TCP 20, timestamps 12. */
export const SEGMENT_PAYLOAD_BYTES = 1448;
/** IPv4 (20) + TCP (20) + the timestamp option (12) that Linux sends on every segment; IPv6 adds 20. */
export const TCP_IP_HEADER_BYTES = 52;
/**
 * TLS 1.3 cost of one application-data record (RFC 8446 §5.2): the 5-byte header, the 1-byte
 * inner content type and the 16-byte AEAD tag (AES-GCM and ChaCha20-Poly1305 alike).
 */
export const TLS13_RECORD_OVERHEAD_BYTES = 22;
const TLS_APPLICATION_DATA = 23;

export interface Window {
  fromMs: number;
  toMs: number;
}

export const inWindow = (atMs: number, window: Window): boolean => atMs >= window.fromMs && atMs < window.toMs;

/** TCP as seen by the relay: one way, in a window. */
export interface TcpTally {
  bytes: number;
  chunks: number;
  /** Data segments on a 1500-byte-MTU path: a chunk is one or more full segments. */
  segments: number;
}

export function tcpTally(chunks: readonly RelayedChunk[], direction: Direction, window: Window): TcpTally {
  const tally: TcpTally = { bytes: 0, chunks: 0, segments: 0 };
  for (const chunk of chunks) {
    if (chunk.direction !== direction || !inWindow(chunk.atMs, window)) continue;
    tally.bytes += chunk.bytes.length;
    tally.chunks += 1;
    tally.segments += Math.ceil(chunk.bytes.length / SEGMENT_PAYLOAD_BYTES);
  }
  return tally;
}

/** Splits the chunks into one ordered byte stream per connection for one direction. */
function streams(chunks: readonly RelayedChunk[], direction: Direction): Map<number, RelayedChunk[]> {
  const byConnection = new Map<number, RelayedChunk[]>();
  for (const chunk of chunks) {
    if (chunk.direction !== direction) continue;
    const list = byConnection.get(chunk.connection) ?? [];
    list.push(chunk);
    byConnection.set(chunk.connection, list);
  }
  return byConnection;
}

export interface TlsRecord {
  atMs: number;
  /** Outer content type: 22 handshake, 20 change_cipher_spec, 21 alert, 23 application data. */
  contentType: number;
  /** Bytes on the wire: header and fragment. */
  bytes: number;
}

/** TLS records from the record headers alone (RFC 8446 §5.1): nothing is decrypted. */
export function tlsRecords(chunks: readonly RelayedChunk[], direction: Direction): TlsRecord[] {
  const records: TlsRecord[] = [];
  for (const stream of streams(chunks, direction).values()) {
    let pending = Buffer.alloc(0);
    for (const chunk of stream) {
      pending = Buffer.concat([pending, chunk.bytes]);
      while (pending.length >= 5) {
        const bytes = 5 + pending.readUInt16BE(3);
        if (pending.length < bytes) break;
        records.push({ atMs: chunk.atMs, contentType: pending[0]!, bytes });
        pending = pending.subarray(bytes);
      }
    }
  }
  return records.sort((a, b) => a.atMs - b.atMs);
}

/** TLS in a window: records, their bytes, and the bytes of what they carry (MQTT) once the per-record cost is taken off. */
export function tlsTally(records: readonly TlsRecord[], window: Window): { records: number; bytes: number; overheadBytes: number; innerBytes: number } {
  const tally = { records: 0, bytes: 0, overheadBytes: 0, innerBytes: 0 };
  for (const record of records) {
    if (!inWindow(record.atMs, window)) continue;
    // Handshake records (only at connect) are all overhead; application data carries MQTT.
    const overhead = record.contentType === TLS_APPLICATION_DATA ? TLS13_RECORD_OVERHEAD_BYTES : record.bytes;
    tally.records += 1;
    tally.bytes += record.bytes;
    tally.overheadBytes += overhead;
    tally.innerBytes += record.bytes - overhead;
  }
  return tally;
}

export interface MqttFrame {
  atMs: number;
  direction: Direction;
  cmd: Packet['cmd'];
  /** PUBLISH only. */
  topic?: string;
  /** The application payload (PUBLISH: the message; CONNECT: none counted). */
  payloadBytes: number;
  /** The whole packet: fixed header, variable header, payload (MQTT 3.1.1 §2). */
  packetBytes: number;
  /** PUBLISH only: the message, to look inside. */
  payload?: Buffer;
}

/** Bytes of the fixed header of a packet whose remaining length is `remaining` (§2.2.3: 1-4 length bytes). */
function fixedHeaderBytes(remaining: number): number {
  return 1 + (remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4);
}

/** MQTT 3.1.1 packets of a plain (unencrypted) link, decoded with mqtt-packet as the broker and MQTT.js do. */
export function mqttFrames(chunks: readonly RelayedChunk[], direction: Direction): MqttFrame[] {
  const frames: MqttFrame[] = [];
  for (const stream of streams(chunks, direction).values()) {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let atMs = 0;
    parser.on('packet', (packet: Packet) => {
      const remaining = packet.length ?? 0;
      const publish = packet.cmd === 'publish' ? packet : undefined;
      frames.push({
        atMs,
        direction,
        cmd: packet.cmd,
        ...(publish ? { topic: publish.topic, payload: Buffer.from(publish.payload) } : {}),
        payloadBytes: publish ? Buffer.byteLength(publish.payload) : 0,
        packetBytes: fixedHeaderBytes(remaining) + remaining,
      });
    });
    parser.on('error', (err: unknown) => {
      throw new Error(`undecodable MQTT ${direction}: ${String(err)}`);
    });
    for (const chunk of stream) {
      atMs = chunk.atMs;
      parser.parse(chunk.bytes);
    }
  }
  return frames.sort((a, b) => a.atMs - b.atMs);
}

/** The last path segment of a node topic (status, metrics, desired, ...), or the whole topic. */
export function channelOf(topic: string): string {
  return topic.startsWith('skiff/v1/nodes/') ? (topic.split('/')[4] ?? topic) : topic;
}

/** A frame's row label: a PUBLISH by channel, anything else by packet type. */
export function frameKind(frame: MqttFrame): string {
  return frame.cmd === 'publish' ? `publish ${channelOf(frame.topic ?? '')}` : frame.cmd;
}
