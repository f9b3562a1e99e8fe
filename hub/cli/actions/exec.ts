/**
 * `skiff exec POD|TYPE/NAME [-c C] [-i] [-t] -- CMD [ARGS...]`: runs a command in a Pod container (of
 * a Deployment, ReplicaSet or DaemonSet: one of its Pods, as kubectl picks it) through
 * the API's pods/{name}/exec WebSocket (v5.channel.k8s.io, as kubectl 1.32; hub/api/pod-exec.ts).
 * stdout and stderr go to ours; with -i our stdin goes to the command (EOF included); with -t the
 * terminal is raw and its size follows. The remote exit code becomes ours, and is said on stderr
 * as kubectl says it.
 */
import { resolveResource, resourcePath } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError } from '../../../shared/errors.js';
import { podNameFor } from '../attachable-pod.js';
import type { CliContext } from '../context.js';

export interface ExecOptions {
  namespace?: string;
  container?: string;
  stdin?: boolean;
  tty?: boolean;
}

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

interface ExitStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

export async function runExec(pod: string, command: string[], options: ExecOptions, ctx: CliContext): Promise<void> {
  if (command.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', 'you must specify at least one command for the container: skiff exec POD -- CMD [ARGS...]');
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const client = await ctx.connect();
  const name = await podNameFor(pod, namespace, client, ctx, 'exec');
  const query = new URLSearchParams();
  for (const arg of command) query.append('command', arg);
  if (options.container) query.set('container', options.container);
  query.set('stdout', 'true');
  query.set('stderr', options.tty ? 'false' : 'true'); // a terminal has one output stream
  if (options.stdin) query.set('stdin', 'true');
  if (options.tty) query.set('tty', 'true');
  const ws = await client.websocket(`${resourcePath(resolveResource('pods')!, namespace, name)}/exec`, query, PROTOCOLS);
  const v5 = ws.protocol === PROTOCOLS[0];
  const send = (channel: number, data: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), typeof data === 'string' ? Buffer.from(data) : data]));
  };
  const decoders = { [STDOUT]: new TextDecoder(), [STDERR]: new TextDecoder() };
  let status: ExitStatus | undefined;
  const terminal = options.tty && options.stdin && ctx.io.stdinStream?.isTTY ? ctx.io.stdinStream : undefined;
  const restore: Array<() => void> = [];
  if (terminal) {
    terminal.setRawMode(true);
    restore.push(() => terminal.setRawMode(false));
    const resize = (): void => send(RESIZE, JSON.stringify({ Width: process.stdout.columns, Height: process.stdout.rows }));
    resize();
    process.stdout.on('resize', resize);
    restore.push(() => process.stdout.off('resize', resize));
  }
  const closed = new Promise<void>((resolve, reject) => {
    ws.on('message', (message: Buffer) => {
      if (message.length === 0) return;
      const channel = message[0]!;
      const body = message.subarray(1);
      if (channel === STDOUT) ctx.io.stdout(decoders[STDOUT].decode(body, { stream: true }));
      else if (channel === STDERR) ctx.io.stderr(decoders[STDERR].decode(body, { stream: true }));
      else if (channel === ERROR && body.length > 0) status = JSON.parse(body.toString()) as ExitStatus;
    });
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  if (options.stdin) {
    const stream = ctx.io.stdinStream;
    const endStdin = (): void => (v5 ? send(CLOSE, Buffer.from([STDIN])) : undefined);
    if (stream) {
      stream.on('data', (data: Buffer | string) => send(STDIN, typeof data === 'string' ? Buffer.from(data) : data));
      stream.on('end', endStdin);
      restore.push(() => stream.pause());
    } else {
      const text = await ctx.io.readStdin();
      if (text.length > 0) send(STDIN, text);
      endStdin();
    }
  }
  try {
    await closed;
  } finally {
    for (const undo of restore) undo();
  }
  if (!status || status.status === 'Success') return;
  const exitCode = status.reason === 'NonZeroExitCode' ? Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message) : NaN;
  if (Number.isInteger(exitCode) && exitCode > 0) {
    ctx.io.stderr(`command terminated with exit code ${exitCode}\n`);
    ctx.exitCode = Math.min(exitCode, 255);
    return;
  }
  throw new SkiffError('SKIFF_ERR_INTERNAL', status.message ?? 'the command could not be run');
}
