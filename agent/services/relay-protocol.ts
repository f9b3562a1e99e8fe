/**
 * The one line a proxy sends to another node's relay before the connection carries the client's
 * bytes (as HAProxy's PROXY header precedes them), and the relay's one-line answer:
 *
 *   proxy -> relay: "SKIFF-RELAY/1 <token> <ip> <port>\n"
 *   relay -> proxy: "OK\n", then the endpoint's bytes; or "ERR <reason>\n" and the end.
 *
 * The answer lets the proxy try another endpoint when the remote one refuses, as it does for a
 * local one. Parsing is pure and bounded: a line longer than MAX_LINE_BYTES is refused.
 */
import { isIPv4 } from 'node:net';

export const RELAY_MAGIC = 'SKIFF-RELAY/1';
export const MAX_LINE_BYTES = 256;

export interface RelayRequest {
  token: string;
  ip: string;
  port: number;
}

export function relayRequestLine(request: RelayRequest): string {
  return `${RELAY_MAGIC} ${request.token} ${request.ip} ${request.port}\n`;
}

/** The request in `line` (without its newline), or why it is not one. */
export function parseRelayRequest(line: string): RelayRequest | { error: string } {
  const parts = line.trim().split(' ');
  if (parts.length !== 4 || parts[0] !== RELAY_MAGIC) return { error: 'not a relay request' };
  const [, token, ip, portText] = parts as [string, string, string, string];
  const port = Number(portText);
  if (!isIPv4(ip)) return { error: 'bad endpoint address' };
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) return { error: 'bad endpoint port' };
  return { token, ip, port };
}

/**
 * Splits the first line off `buffered`: the line (without '\n') and the bytes after it, or
 * undefined while no newline has arrived; throws when the line is over MAX_LINE_BYTES.
 */
export function takeLine(buffered: Buffer): { line: string; rest: Buffer } | undefined {
  const newline = buffered.indexOf(0x0a);
  if (newline === -1) {
    if (buffered.length > MAX_LINE_BYTES) throw new Error(`relay line over ${MAX_LINE_BYTES} bytes`);
    return undefined;
  }
  if (newline > MAX_LINE_BYTES) throw new Error(`relay line over ${MAX_LINE_BYTES} bytes`);
  return { line: buffered.subarray(0, newline).toString('latin1'), rest: buffered.subarray(newline + 1) };
}
