/**
 * Request/response calls to an https hub through node:https, trusting exactly the client config's
 * CA (or, insecure, anything). Not undici's fetch: undici takes 200-300 ms to load on a busy
 * 2-core device, more than most commands spend talking to the hub (issue #10). Streams (watch)
 * still go through undici (hub-client.ts), loaded on the first one.
 */
import { Agent, request } from 'node:https';
import type { Exchange, TlsTrust } from './hub-client.js';

export function httpsExchange(trust: TlsTrust): Exchange {
  // One keep-alive agent per client: apply and rollout status make many calls to one hub. Node
  // unrefs idle keep-alive sockets, so they never hold the process open.
  const agent = new Agent({
    keepAlive: true,
    // An empty list trusts nothing (not the system CAs), like undici's `ca: []` before it.
    ...(trust.insecureSkipTlsVerify ? { rejectUnauthorized: false } : { ca: trust.caPem ?? [], rejectUnauthorized: true }),
  });
  return (url, init) =>
    new Promise((resolve, reject) => {
      const headers = init.body === undefined ? init.headers : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) };
      const req = request(url, { method: init.method, headers, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(init.body);
    });
}
