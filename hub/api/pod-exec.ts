/**
 * pods/{name}/exec over WebSocket, as kube-apiserver serves kubectl 1.32: the query names the
 * command (`command` repeated), `container`, `stdin`, `stdout`, `stderr`, `tty`; the connection
 * speaks v5.channel.k8s.io (or v4): every binary message starts with its channel, 0 stdin,
 * 1 stdout, 2 stderr, 3 the final Status, 4 a terminal resize ({"Width","Height"}), and in v5 255
 * "close" ([255, 0]: stdin is at EOF). The command runs on the Pod's node (ingest/node-streams.ts,
 * agent/exec/exec-streamer.ts). The last message is the Status on channel 3: Success, or Failure
 * with reason NonZeroExitCode and the exit code as its cause, which kubectl turns into its own exit
 * code. Errors before the command starts are that same Failure Status, then the close.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KubeObject } from '../../shared/api/object.js';
import type { PodSpec } from '../../shared/api/schema/pod.js';
import { requestedContainer } from './pod-container.js';
import { SkiffError, errorMessage } from '../../shared/errors.js';
import type { NodeStreams } from '../ingest/node-streams.js';

/** The subprotocols served, best first (kubectl 1.32 offers v5 first). */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export interface ExecParameters {
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const truthy = (query: URLSearchParams, name: string): boolean => ['true', '1'].includes(query.get(name) ?? '');

/** The query's exec options for `pod`, checked as kube-apiserver checks them. */
export function execParameters(pod: KubeObject, query: URLSearchParams): ExecParameters {
  const command = query.getAll('command');
  if (command.length === 0) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'you must specify at least 1 command');
  const container = requestedContainer(pod, query);
  const parameters = { container, command, stdin: truthy(query, 'stdin'), stdout: truthy(query, 'stdout'), stderr: truthy(query, 'stderr'), tty: truthy(query, 'tty') };
  if (!parameters.stdin && !parameters.stdout && !parameters.stderr) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'you must specify at least 1 of stdin, stdout, stderr');
  return parameters;
}

/** The Status kube-apiserver sends on the error channel when the command ended. */
export function exitStatus(command: readonly string[], exitCode: number | undefined, error?: string): object {
  if (error !== undefined) return { metadata: {}, status: 'Failure', message: error, reason: 'InternalError', code: 500 };
  if (exitCode === 0 || exitCode === undefined) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

const frame = (channel: number, data: Buffer | string): Buffer => Buffer.concat([Buffer.from([channel]), typeof data === 'string' ? Buffer.from(data) : data]);

export class PodExecServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  constructor(private readonly streams: Pick<NodeStreams, 'isConnected' | 'requestExec'>) {}

  /** Takes over an upgrade request already authorized for `pod`. Rejects (nothing written) when the request is bad. */
  accept(pod: KubeObject, query: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const parameters = execParameters(pod, query);
    const node = ((pod.spec ?? {}) as PodSpec).nodeName;
    if (!node) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `pod ${pod.metadata.name} does not have a host assigned`);
    if (!this.streams.isConnected(node)) throw new SkiffError('SKIFF_ERR_UNREACHABLE', `node "${node}" is not connected to the hub: cannot exec in pod "${pod.metadata.name}"`);
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.some((p) => (EXEC_PROTOCOLS as readonly string[]).includes(p))) {
      throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `unable to upgrade connection: none of the offered subprotocols (${offered.join(', ') || 'none'}) is one of ${EXEC_PROTOCOLS.join(', ')}`);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.run(ws, pod, node, parameters));
  }

  close(): void {
    this.wss.close();
  }

  private run(ws: WebSocket, pod: KubeObject, node: string, parameters: ExecParameters): void {
    let ended = false;
    const stream = this.streams.requestExec(
      node,
      { pod: { namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! }, container: parameters.container, command: parameters.command, stdin: parameters.stdin, tty: parameters.tty },
      {
        onData: (data, channel) => {
          if (channel === 2 ? !parameters.stderr : !parameters.stdout) return;
          ws.send(frame(channel ?? CHANNEL.stdout, data));
        },
        onEnd: (error, exitCode) => {
          ended = true;
          ws.send(frame(CHANNEL.error, JSON.stringify(exitStatus(parameters.command, exitCode, error))), () => ws.close(1000));
        },
      },
    );
    ws.on('message', (message: Buffer, isBinary: boolean) => {
      const data = isBinary ? message : Buffer.from(message);
      if (data.length === 0) return;
      const channel = data[0]!;
      const body = data.subarray(1);
      if (channel === CHANNEL.stdin && parameters.stdin && body.length > 0) stream.stdin(body);
      else if (channel === CHANNEL.close && body[0] === CHANNEL.stdin) stream.closeStdin();
      else if (channel === CHANNEL.resize) {
        try {
          const size = JSON.parse(body.toString()) as { Width?: number; Height?: number };
          if (Number.isInteger(size.Width) && Number.isInteger(size.Height) && size.Width! > 0 && size.Height! > 0) stream.resize(size.Width!, size.Height!);
        } catch (err) {
          ws.send(frame(CHANNEL.error, JSON.stringify({ metadata: {}, status: 'Failure', message: `bad resize message: ${errorMessage(err)}`, reason: 'BadRequest', code: 400 })));
        }
      }
    });
    ws.on('close', () => {
      if (!ended) stream.cancel();
    });
    ws.on('error', () => stream.cancel());
  }
}
