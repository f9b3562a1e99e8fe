/**
 * A byte bound on what one MQTT client can make the broker buffer. aedes (1.x) parses with
 * mqtt-packet, which holds a packet until its last byte arrived whatever length its header
 * declares (up to 256 MiB), and has no size option. This guard reads the fixed header of every
 * packet a connection sends (MQTT 3.1.1 §2.2: one type byte, then the remaining length in 1-4
 * bytes of 7 bits) and reports the first one declaring more than the limit, so the connection can
 * be dropped before the body is buffered.
 */
import type { Duplex } from 'node:stream';

type State = 'type' | 'length' | 'body';

/** Follows packet boundaries across chunks; pure, no I/O. */
export class MqttFrameSizeGuard {
  private state: State = 'type';
  private declared = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private bodyLeft = 0;

  constructor(private readonly maxRemainingLength: number) {}

  /**
   * Consumes the next bytes of the stream. Returns the remaining length declared by the first
   * packet over the limit (Infinity for a length field longer than 4 bytes), else undefined.
   */
  feed(chunk: Uint8Array): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'type') {
        i++;
        this.state = 'length';
        this.declared = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
      } else if (this.state === 'length') {
        const byte = chunk[i++]!;
        this.declared += (byte & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes++;
        if (byte & 0x80) {
          if (this.lengthBytes === 4) return Infinity; // malformed: the parser would fail on it too
          continue;
        }
        if (this.declared > this.maxRemainingLength) return this.declared;
        this.bodyLeft = this.declared;
        this.state = this.bodyLeft === 0 ? 'type' : 'body';
      } else {
        const skipped = Math.min(this.bodyLeft, chunk.length - i);
        i += skipped;
        this.bodyLeft -= skipped;
        if (this.bodyLeft === 0) this.state = 'type';
      }
    }
    return undefined;
  }
}

/**
 * Watches what aedes reads from `connection` and destroys the connection at the first packet
 * declaring more than `maxRemainingLength` bytes. Call it after aedes.handle(connection): aedes
 * reads on 'readable', and a 'data' listener added then sees each chunk as aedes reads it,
 * without changing the flow ('readable' keeps control; Node stream docs, "Choose one API style").
 */
export function guardFrameSizes(connection: Duplex, maxRemainingLength: number, onOversized: (declaredBytes: number) => void): void {
  const guard = new MqttFrameSizeGuard(maxRemainingLength);
  const watch = (chunk: Buffer) => {
    const declared = guard.feed(chunk);
    if (declared === undefined) return;
    connection.off('data', watch);
    onOversized(declared);
    connection.destroy();
  };
  connection.on('data', watch);
}
