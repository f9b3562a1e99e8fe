/**
 * The node's requests topic, decoded and handed to whoever serves each kind: logs
 * (logs/log-streamer.ts), exec and its stdin and resizes (exec/exec-streamer.ts), port-forward
 * connections (exec/port-forwarder.ts), and the hub's ask for a full status report (the reporter). stdin and cancel name a stream by id: the caller gives
 * them to every server that may hold it (only the holder acts). A request that does not decode, or is
 * addressed to another node, is logged and dropped.
 */
import type { Logger } from '../../shared/log.js';
import { errorMessage } from '../../shared/errors.js';
import { decodeNodeRequest, type ExecRequest, type LogsRequest, type NodeRequest, type PortForwardRequest, type ResizeRequest, type StdinRequest } from '../../shared/mqtt/node-requests.js';

export interface RequestHandlers {
  logs(request: LogsRequest): void;
  exec(request: ExecRequest): void;
  portForward(request: PortForwardRequest): void;
  stdin(request: StdinRequest): void;
  resize(request: ResizeRequest): void;
  cancel(id: string): void;
  /** Send the full status report now (the hub lost track of the node). */
  report(): void;
}

export class NodeRequestRouter {
  constructor(
    private readonly node: string,
    private readonly handlers: RequestHandlers,
    private readonly log: Logger,
  ) {}

  onMessage(payload: Buffer, topic: string): void {
    let request: NodeRequest;
    try {
      request = decodeNodeRequest(payload, topic);
    } catch (err) {
      this.log.warn({ topic, err: errorMessage(err) }, 'ignored a request that does not decode');
      return;
    }
    if (request.node !== this.node) {
      this.log.warn({ topic, node: request.node }, 'ignored a request addressed to another node');
      return;
    }
    switch (request.kind) {
      case 'logs':
        return this.handlers.logs(request);
      case 'exec':
        return this.handlers.exec(request);
      case 'portforward':
        return this.handlers.portForward(request);
      case 'stdin':
        return this.handlers.stdin(request);
      case 'resize':
        return this.handlers.resize(request);
      case 'cancel':
        return this.handlers.cancel(request.id);
      case 'report':
        return this.handlers.report();
    }
  }
}
