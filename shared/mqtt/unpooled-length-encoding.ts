/**
 * Keeps mqtt-packet's packet-length cache from pinning Node's Buffer pool. Import this module (it
 * acts on import) before MQTT.js or aedes is loaded; unpooledLengthEncoding() says whether it
 * could.
 *
 * mqtt-packet, the codec under MQTT.js (agent) and aedes (hub), caches the encoded remaining length
 * of every packet length below 16,384 it has written, for the life of the process. Each entry is
 * a 1-4 byte slice of Node's shared 8 KiB Buffer pool, and a slice keeps its whole pool block
 * alive. Packets of a length not seen before arrive minutes apart (status reports and metrics
 * vary in length with the Pods), so most new entries pin a block of their own: the agent's churn
 * benchmark found 87 blocks (0.7 MiB) more after 185 Pods came and went, and the bound is 16,384
 * blocks (128 MiB) on a device with 1 GB. Upstream: mqttjs/mqtt-packet#163, open; #164 proposes
 * the same cure. Here the encoder the writer captures when it loads is replaced by one that copies
 * each encoding into a buffer of its own (Buffer.allocUnsafeSlow: never pooled), so a cached entry
 * costs its few bytes and no block.
 */
import { createRequire } from 'node:module';

interface MqttPacketNumbers {
  genBufVariableByteInt(num: number): Buffer;
}

const require = createRequire(import.meta.url);
const WRITER = require.resolve('mqtt-packet/writeToStream.js');
const numbers = require('mqtt-packet/numbers.js') as MqttPacketNumbers;

/** Marks the replacement, so that a second import leaves it alone. */
const UNPOOLED = Symbol.for('skiff.mqtt-packet.unpooled-length-encoding');

/** writeToStream.js caches the encodings of lengths below this (its varByteIntCache); longer ones are used once and dropped. */
const CACHED_LENGTHS_BELOW = 16_384;

let installed = false;

/** True when this process's MQTT writes use the unpooled encoder (false: the writer loaded first). */
export function unpooledLengthEncoding(): boolean {
  return installed;
}

function install(): void {
  const current = numbers.genBufVariableByteInt as MqttPacketNumbers['genBufVariableByteInt'] & { [UNPOOLED]?: true };
  if (current[UNPOOLED]) {
    installed = true;
    return;
  }
  // The writer copies the function into a constant when it loads: replacing it later changes
  // nothing. Said once on stderr; the hub also logs it (a process that loaded an MQTT client first).
  if (require.cache[WRITER]) {
    process.emitWarning(`mqtt-packet's writer loaded before ${import.meta.url}: its length cache will pin Buffer pool blocks`, { code: 'SKIFF_MQTT_LENGTH_CACHE' });
    return;
  }
  const unpooled = (num: number): Buffer => {
    const pooled = current(num);
    // A length the writer does not cache is garbage after this packet: a pool slice is fine.
    if (num >= CACHED_LENGTHS_BELOW) return pooled;
    const own = Buffer.allocUnsafeSlow(pooled.length);
    pooled.copy(own);
    return own;
  };
  numbers.genBufVariableByteInt = Object.assign(unpooled, { [UNPOOLED]: true as const });
  installed = true;
}

install();
