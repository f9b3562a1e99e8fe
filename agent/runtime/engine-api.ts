/**
 * DockerApi over node:http, speaking the Docker Engine API (v1.41: Docker 20.10, Debian 12 and
 * Raspberry Pi OS Bookworm; newer engines still serve it) on the engine's unix socket.
 *
 * Why not dockerode: measured on Node 20, importing dockerode adds ~17 MB of RSS and its first
 * request another ~16 MB of external memory (docker-modem eagerly loads ssh2, dockerode loads
 * gRPC and protobufjs for BuildKit), about as much as the rest of the agent together, on a
 * device with 1 GB. The agent needs ten endpoints; this file is all of them.
 *
 * DOCKER_HOST is honoured for unix:// and tcp:// (plain HTTP; TLS is not supported yet).
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AttachedExec, ContainerDetails, ContainerLogOptions, ContainerRunState, ExecAttachOptions, ContainerSummary, CreateContainerBody, DockerApi, DockerEvent, EventSubscription, ExecResult } from './docker-api.js';
import { collectMultiplexed, eventSubscription, followPull } from './docker-streams.js';
import { detailsFromInspect, type RawInspect } from './inspect.js';
import { parseImageRef } from './image-ref.js';
import type { RegistryAuth } from '../config/pull-auth.js';
import type { PullProgress } from '../../shared/pull-progress-message.js';

const API_VERSION = 'v1.41';
const DEFAULT_SOCKET = '/var/run/docker.sock';
/** Ordinary calls; stop waits up to the grace period on top of this. */
const CALL_TIMEOUT_MS = 30_000;

/** An error answer of the engine: `message` is the engine's own text (shown in pod status). */
export class EngineError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Where the engine listens, from DOCKER_HOST as the docker CLI reads it. */
export function engineEndpoint(dockerHost: string | undefined): { socketPath: string } | { host: string; port: number } {
  if (!dockerHost) return { socketPath: DEFAULT_SOCKET };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) || DEFAULT_SOCKET };
  if (dockerHost.startsWith('tcp://')) {
    const url = new URL(`http://${dockerHost.slice('tcp://'.length)}`);
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  throw new Error(`unsupported DOCKER_HOST ${JSON.stringify(dockerHost)} (use unix:// or tcp://)`);
}


function query(params: Record<string, string | number | boolean | object>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) search.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  return `?${search.toString()}`;
}

interface RawContainer {
  Id: string;
  Labels?: Record<string, string> | null;
  State: string;
  Created: number;
  ImageID: string;
}


/**
 * X-Registry-Auth (Engine API, ImageCreate): the AuthConfig JSON in URL-safe base64 WITH padding.
 * Go's base64.URLEncoding rejects unpadded text, and engine 20.10 then pulls without credentials,
 * silently (so Node's 'base64url', which drops the padding, does not do).
 */
export function registryAuthHeader(auth: RegistryAuth): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

export class EngineApi implements DockerApi {
  /**
   * Enough sockets that the reconcile loop's reads and each Pod's next step never queue behind
   * other Pods' starts: dockerd takes seconds per start amid a burst (15 s for the 30th of 30), and
   * with 8 sockets a Pod's container create waited until all 30 sandbox starts had gone out
   * (issue #10). At most 8 idle sockets stay open, as before.
   */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 128, maxFreeSockets: 8 });
  private readonly endpoint: ReturnType<typeof engineEndpoint>;

  constructor(dockerHost: string | undefined = process.env.DOCKER_HOST) {
    this.endpoint = engineEndpoint(dockerHost);
  }

  /** Sends one request; resolves with the response stream once headers arrive, rejecting on >= 400. */
  private open(method: string, path: string, body?: unknown, timeoutMs: number | undefined = CALL_TIMEOUT_MS, extraHeaders: Record<string, string> = {}): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...this.endpoint,
          agent: this.agent,
          method,
          path: `/${API_VERSION}${path}`,
          headers: { ...extraHeaders, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) },
          ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status < 400) return resolve(res);
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let message = text.trim() || `HTTP ${status}`;
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? message;
            } catch {
              // plain text body
            }
            reject(new EngineError(status, message));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`docker engine did not answer ${method} ${path} within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** One request with its whole (JSON or empty) answer. */
  private async call<T>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<{ status: number; value: T }> {
    const res = await this.open(method, path, body, timeoutMs);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    return { status: res.statusCode ?? 0, value: (text.trim() === '' ? undefined : JSON.parse(text)) as T };
  }

  private async ignoring(codes: number[], work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (err) {
      if (err instanceof EngineError && codes.includes(err.statusCode)) return;
      throw err;
    }
  }

  async listContainers(labelFilters: string[]): Promise<ContainerSummary[]> {
    const { value } = await this.call<RawContainer[]>('GET', `/containers/json${query({ all: 1, filters: { label: labelFilters } })}`);
    return value.map((c) => ({ id: c.Id, labels: c.Labels ?? {}, state: c.State as ContainerRunState, createdMs: c.Created * 1000, imageID: c.ImageID }));
  }

  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    let info: RawInspect;
    try {
      info = (await this.call<RawInspect>('GET', `/containers/${encodeURIComponent(id)}/json`)).value;
    } catch (err) {
      if (err instanceof EngineError && err.statusCode === 404) return undefined;
      throw err;
    }
    return detailsFromInspect(info);
  }

  async createContainer(body: CreateContainerBody): Promise<string> {
    const { name, ...config } = body;
    const { value } = await this.call<{ Id: string }>('POST', `/containers/create${name ? query({ name }) : ''}`, config);
    return value.Id;
  }

  async startContainer(id: string): Promise<void> {
    await this.ignoring([304], this.call('POST', `/containers/${encodeURIComponent(id)}/start`));
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    const timeoutMs = CALL_TIMEOUT_MS + graceSeconds * 1000;
    await this.ignoring([304, 404], this.call('POST', `/containers/${encodeURIComponent(id)}/stop${query({ t: graceSeconds })}`, undefined, timeoutMs));
  }

  async exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const { value } = await this.call<{ Id: string }>('POST', `/containers/${encodeURIComponent(id)}/exec`, { AttachStdout: true, AttachStderr: true, Cmd: command });
    const execPath = `/exec/${encodeURIComponent(value.Id)}`;
    // The engine streams the output until the command exits, then closes the connection.
    const res = await this.open('POST', `${execPath}/start`, { Detach: false, Tty: false }, timeoutMs);
    const output = await collectMultiplexed(res, { timeoutMs, command });
    const { value: info } = await this.call<{ ExitCode: number | null; Running: boolean }>('GET', `${execPath}/json`);
    return { exitCode: info.ExitCode ?? -1, output };
  }

  async execAttach(id: string, options: ExecAttachOptions): Promise<AttachedExec> {
    const { value } = await this.call<{ Id: string }>('POST', `/containers/${encodeURIComponent(id)}/exec`, {
      AttachStdin: options.stdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: options.tty,
      Cmd: options.command,
    });
    const execPath = `/exec/${encodeURIComponent(value.Id)}`;
    // Hijacked as the docker CLI does it (Upgrade: tcp): one socket, stdin in, output out; its
    // write side closed is the command's stdin at EOF.
    const payload = JSON.stringify({ Detach: false, Tty: options.tty });
    const socket = await new Promise<Duplex>((resolve, reject) => {
      const req = request({
        ...this.endpoint,
        agent: false,
        method: 'POST',
        path: `/${API_VERSION}${execPath}/start`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), connection: 'Upgrade', upgrade: 'tcp' },
      });
      req.on('upgrade', (_res, upgraded, head) => {
        if (head.length > 0) upgraded.unshift(head);
        resolve(upgraded);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(new EngineError(res.statusCode ?? 0, Buffer.concat(chunks).toString().trim() || `HTTP ${res.statusCode}`)));
      });
      req.on('error', reject);
      req.end(payload);
    });
    return {
      socket,
      exitCode: async () => (await this.call<{ ExitCode: number | null }>('GET', `${execPath}/json`)).value.ExitCode ?? -1,
      resize: async (width, height) => void (await this.call('POST', `${execPath}/resize${query({ h: height, w: width })}`)),
    };
  }

  async removeContainer(id: string): Promise<void> {
    // 409: a removal is already in progress.
    await this.ignoring([404, 409], this.call('DELETE', `/containers/${encodeURIComponent(id)}${query({ force: 1 })}`));
  }

  async listImageRefs(): Promise<string[]> {
    const { value } = await this.call<Array<{ RepoTags?: string[] | null; RepoDigests?: string[] | null }>>('GET', '/images/json');
    return value.flatMap((i) => [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])]).filter((ref) => !ref.startsWith('<none>'));
  }

  async pullImage(ref: string, auth?: RegistryAuth, onProgress?: (progress: PullProgress) => void): Promise<void> {
    const image = parseImageRef(ref);
    const headers: Record<string, string> = auth ? { 'x-registry-auth': registryAuthHeader(auth) } : {};
    // A pull may take minutes on a Pi: no overall timeout, the engine reports failures in-stream.
    const res = await this.open('POST', `/images/create${query({ fromImage: image.repository, tag: image.digest ?? image.tag ?? 'latest' })}`, undefined, undefined, headers);
    await followPull(res, onProgress);
  }

  async subscribeEvents(
    labelFilters: string[],
    actions: string[],
    onEvent: (event: DockerEvent) => void,
    onEnd: (err?: Error) => void,
  ): Promise<EventSubscription> {
    const res = await this.open('GET', `/events${query({ filters: { type: ['container'], label: labelFilters, event: actions } })}`, undefined, undefined);
    return eventSubscription(res, onEvent, onEnd);
  }

  async containerLogs(id: string, options: ContainerLogOptions): Promise<IncomingMessage> {
    const params = {
      stdout: 1,
      stderr: 1,
      follow: options.follow ? 1 : 0,
      timestamps: options.timestamps ? 1 : 0,
      ...(options.tail !== undefined ? { tail: options.tail } : {}),
      ...(options.since !== undefined ? { since: options.since } : {}),
    };
    // A followed stream lasts as long as the container: no call timeout.
    return this.open('GET', `/containers/${encodeURIComponent(id)}/logs${query(params)}`, undefined, options.follow ? undefined : CALL_TIMEOUT_MS);
  }

  async engineVersion(): Promise<string> {
    return (await this.call<{ Version: string }>('GET', '/version')).value.Version;
  }

  /** Closes idle keep-alive sockets (shutdown, tests). */
  close(): void {
    this.agent.destroy();
  }
}
