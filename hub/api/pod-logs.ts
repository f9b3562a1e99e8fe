/**
 * GET /api/v1/namespaces/{ns}/pods/{name}/log: a Pod container's output, as kube-apiserver serves
 * it (PodLogOptions in the query: container, follow, previous, timestamps, tailLines,
 * sinceSeconds, sinceTime, limitBytes), text/plain, streamed while `follow` lasts. kube-apiserver
 * proxies to the kubelet; the hub asks the Pod's agent over MQTT (ingest/node-streams.ts). Errors
 * before the first byte are Statuses in Kubernetes' words (`a container name must be specified
 * ...`, kubelet's `... is waiting to start: ...`); a node that is not connected is 503.
 */
import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../../shared/api/object.js';
import type { PodSpec } from '../../shared/api/schema/pod.js';
import { requestedContainer } from './pod-container.js';
import { SkiffError } from '../../shared/errors.js';
import type { LogOptions } from '../../shared/mqtt/node-requests.js';
import type { NodeStreams } from '../ingest/node-streams.js';

/** How long the node has to answer (its first chunk) before the request fails. */
export const FIRST_CHUNK_TIMEOUT_MS = 10_000;

function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === 'true' || value === '1';
}

function count(query: URLSearchParams, name: string, min: number): number | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new SkiffError('SKIFF_ERR_INVALID', `PodLogOptions "" is invalid: ${name}: Invalid value: ${JSON.stringify(text)}: must be greater than or equal to ${min}`);
  return value;
}

/** The query's PodLogOptions for `pod`, checked as kube-apiserver checks them. */
export function podLogOptions(pod: KubeObject, query: URLSearchParams): LogOptions {
  const container = requestedContainer(pod, query);
  const sinceTime = query.get('sinceTime') ?? undefined;
  if (sinceTime !== undefined && Number.isNaN(Date.parse(sinceTime))) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `sinceTime: ${JSON.stringify(sinceTime)} is not an RFC 3339 time`);
  const tailLines = count(query, 'tailLines', 0);
  const sinceSeconds = count(query, 'sinceSeconds', 1);
  const limitBytes = count(query, 'limitBytes', 1);
  if (sinceSeconds !== undefined && sinceTime !== undefined) throw new SkiffError('SKIFF_ERR_INVALID', 'PodLogOptions "" is invalid: sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  return {
    container,
    follow: flag(query, 'follow'),
    previous: flag(query, 'previous'),
    timestamps: flag(query, 'timestamps'),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(sinceTime !== undefined ? { sinceTime } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
}

/** Streams the logs of `pod` as `query` asks; resolves when the response has ended. */
export function servePodLogs(streams: NodeStreams, pod: KubeObject, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const options = podLogOptions(pod, query);
  const { namespace, name, uid } = pod.metadata;
  const node = ((pod.spec ?? {}) as PodSpec).nodeName;
  if (!node) throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `container "${options.container}" in pod "${name}" is waiting to start: ContainerCreating`);
  if (!streams.isConnected(node)) throw new SkiffError('SKIFF_ERR_UNREACHABLE', `node "${node}" is not connected to the hub: the logs of pod "${name}" cannot be read until it is back`);
  return new Promise((resolve, reject) => {
    let started = false;
    let finished = false;
    const start = (): void => {
      if (started) return;
      started = true;
      clearTimeout(timer);
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache, private', 'x-content-type-options': 'nosniff' });
    };
    const stream = streams.requestLogs(node, { namespace: namespace!, name: name!, uid: uid! }, options, {
      onData: (data) => {
        start();
        res.write(data);
      },
      onEnd: (error) => {
        finished = true;
        if (!started && error !== undefined) {
          clearTimeout(timer);
          reject(new SkiffError('SKIFF_ERR_BAD_REQUEST', error));
          return;
        }
        start();
        res.end();
        resolve();
      },
    });
    const timer = setTimeout(() => {
      if (started || finished) return;
      finished = true;
      stream.cancel();
      reject(new SkiffError('SKIFF_ERR_UNREACHABLE', `node "${node}" did not answer for the logs of pod "${name}" within ${FIRST_CHUNK_TIMEOUT_MS / 1000} s`));
    }, FIRST_CHUNK_TIMEOUT_MS);
    // The caller went away (kubectl logs -f interrupted): the node stops reading.
    res.on('close', () => {
      if (!finished) {
        finished = true;
        clearTimeout(timer);
        stream.cancel();
        resolve();
      }
    });
  });
}
