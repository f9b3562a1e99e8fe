/**
 * How the broker's persistence writes an MQTT packet to SQLite and reads it back unchanged: the
 * payload (Buffer or string, as given) in a column of its own, every other field as JSON in which
 * Buffers (MQTT 5 correlation data) and fields set to undefined (aedes' unassigned messageId)
 * survive. Also the copy aedes-packet makes of a packet it queues, so stored packets have the
 * shape aedes reads back from its own memory persistence.
 */

/** An MQTT packet as aedes hands it to a persistence: plain fields, payload a Buffer or string. */
export type StoredPacket = Record<string, unknown>;

export interface EncodedPacket {
  fields: string;
  /** NULL when the packet has no Buffer or string payload (a pubrel). */
  payload: Buffer | string | null;
}

const UNDEFINED = '$undefined';
const BUFFER = '$base64';

function toJsonValue(value: unknown): unknown {
  if (value === undefined) return { [UNDEFINED]: 1 };
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return { [BUFFER]: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, toJsonValue(field)]));
  }
  return value;
}

function fromJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJsonValue);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]![0] === UNDEFINED && entries[0]![1] === 1) return undefined;
  if (entries.length === 1 && entries[0]![0] === BUFFER && typeof entries[0]![1] === 'string') return Buffer.from(entries[0]![1], 'base64');
  return Object.fromEntries(entries.map(([key, field]) => [key, fromJsonValue(field)]));
}

export function encodePacket(packet: StoredPacket): EncodedPacket {
  const { payload, ...rest } = packet;
  const separate = Buffer.isBuffer(payload) || typeof payload === 'string';
  return { fields: JSON.stringify(toJsonValue(separate ? rest : packet)), payload: separate ? payload : null };
}

export function decodePacket(encoded: EncodedPacket): StoredPacket {
  const packet = fromJsonValue(JSON.parse(encoded.fields)) as StoredPacket;
  return encoded.payload === null ? packet : { ...packet, payload: encoded.payload };
}

/**
 * The copy aedes-packet 4 (`new Packet(original)`) makes of a packet before it is queued: the
 * same defaults and the same fields, with an unassigned messageId for QoS > 0 ([MQTT-2.3.1-1]).
 */
export function queuedCopy(original: StoredPacket): StoredPacket {
  const copy: StoredPacket = {};
  for (const key of ['clientId', 'nl', 'properties', 'messageExpiry']) {
    if (Object.prototype.hasOwnProperty.call(original, key)) copy[key] = original[key];
  }
  copy.cmd = original.cmd || 'publish';
  copy.brokerId = original.brokerId;
  copy.brokerCounter = original.brokerCounter || 0;
  copy.topic = original.topic;
  copy.payload = original.payload || Buffer.alloc(0);
  copy.qos = original.qos || 0;
  copy.retain = original.retain || false;
  copy.dup = original.dup || false;
  if ((copy.qos as number) > 0 || copy.cmd !== 'publish') copy.messageId = undefined;
  return copy;
}
