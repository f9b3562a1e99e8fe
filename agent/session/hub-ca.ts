/**
 * Which hub this agent trusts, decided once, as k3s' agent does: a join token
 * `K10<sha256 of the hub CA>::<credential>` names the CA; on first contact the agent fetches
 * GET /cacerts trusting nothing, and goes on only if that PEM hashes to the token's value. A
 * wrong hub (a spoofed address, another cluster) is refused before it sees the node's name or
 * token. The CA is then kept in DATA/ca.crt (0600) and is the only CA trusted for the join,
 * renewals and MQTTS; later starts use the stored file and need no hub (an offline start works).
 *
 * node:https is imported only when a CA has to be fetched: the agent runs on 1 GB Pis.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_FILES } from '../../shared/defaults.js';
import { errorMessage } from '../../shared/errors.js';
import { caHashOf, parseJoinToken } from '../../shared/join-token.js';
import type { Logger } from '../../shared/log.js';
import { abortableSleep } from '../../shared/sleep.js';
import { reconnectDelayMs } from './reconnect-delay.js';

const CACERTS_PATH = '/cacerts';
const FETCH_TIMEOUT_MS = 15_000;
/** A CA bundle is a few KB; anything much bigger is not one. */
const MAX_CA_BYTES = 256 * 1024;

/** The hub cannot be trusted (or the token cannot say which hub to trust): fatal, never retried. */
export class HubTrustError extends Error {
  override readonly name = 'HubTrustError';
}

export interface HubTrust {
  /** PEM of the only CA trusted for the hub; undefined for a plain-HTTP hub. */
  caPem?: string;
  /** What the agent presents at join: the token's credential part. */
  credential: string;
}

/** GET /cacerts without trusting the certificate: the body is checked by hash, not by the chain. */
export async function fetchHubCa(server: string, signal?: AbortSignal): Promise<string> {
  const { request } = await import('node:https');
  const url = new URL(CACERTS_PATH, server);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', rejectUnauthorized: false, timeout: FETCH_TIMEOUT_MS, ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_CA_BYTES) req.destroy(new Error(`${url.href} answered more than ${MAX_CA_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${url.href} answered HTTP ${res.statusCode}`));
        else resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.href} within ${FETCH_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Throws HubTrustError naming both hashes when `caPem` is not the CA the token names. */
export function checkCaHash(caPem: string, expectedHash: string, server: string): void {
  const actual = caHashOf(caPem);
  if (actual !== expectedHash) {
    throw new HubTrustError(
      `refusing the hub at ${server}: its CA certificate has sha256 ${actual}, but the join token expects ${expectedHash} ` +
        '(a different hub, or a wrong token: use the K10 token printed by the hub you mean to join)',
    );
  }
}

async function writePrivateFile(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp`;
  await writeFile(temp, text, { mode: 0o600 });
  await chmod(temp, 0o600); // in case the file existed with looser bits
  await rename(temp, file);
}

export interface TrustOptions {
  server: string;
  token: string;
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
  random?: () => number;
  fetchCa?: typeof fetchHubCa;
}

/**
 * The CA to trust for this hub: stored, or fetched and pinned (retried with backoff while the hub
 * is unreachable). Throws HubTrustError when the hub must be refused; undefined if `signal` aborts.
 */
export async function establishHubTrust(options: TrustOptions): Promise<HubTrust | undefined> {
  const { server, log } = options;
  let parsed: ReturnType<typeof parseJoinToken>;
  try {
    parsed = parseJoinToken(options.token);
  } catch (err) {
    throw new HubTrustError(errorMessage(err));
  }
  if (new URL(server).protocol !== 'https:') {
    if (parsed.caHash) log.warn({ server }, 'the hub serves plain HTTP: the CA hash in the join token cannot be checked');
    return { credential: parsed.credential };
  }
  const file = join(options.dataDir, AGENT_FILES.hubCa);
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8');
    // The token may be gone from later starts' flags; when present it must still name this CA.
    if (parsed.caHash) checkCaHash(stored, parsed.caHash, `${server} (CA stored in ${file}; delete it and credentials.json to join another hub)`);
    return { caPem: stored, credential: parsed.credential };
  }
  if (!parsed.caHash) {
    throw new HubTrustError(
      `refusing to join ${server} with a bare token: an https hub can only be verified with the K10<ca-hash>::... token it prints (DATA/join-token on the hub)`,
    );
  }
  const fetchCa = options.fetchCa ?? fetchHubCa;
  const random = options.random ?? Math.random;
  for (let attempt = 0; !options.signal.aborted; attempt++) {
    let caPem: string;
    try {
      caPem = await fetchCa(server, options.signal);
    } catch (err) {
      if (options.signal.aborted) break;
      const delayMs = reconnectDelayMs(attempt, random());
      log.warn({ server, attempt: attempt + 1, retryInMs: delayMs, err: errorMessage(err) }, 'cannot fetch the hub CA; retrying');
      await abortableSleep(delayMs, options.signal);
      continue;
    }
    checkCaHash(caPem, parsed.caHash, server);
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    await writePrivateFile(file, caPem);
    log.info({ server, caHash: parsed.caHash, file }, 'pinned the hub CA');
    return { caPem, credential: parsed.credential };
  }
  return undefined;
}
