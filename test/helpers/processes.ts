/** Running the real `skiff` executable and `docker` from tests. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo.js';

export const SKIFF_BIN = join(repoRoot(), 'bin', 'skiff.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(file: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

export function docker(args: string[]): Promise<RunResult> {
  return run('docker', args);
}

/** Starts a long-running `skiff` process (hub or agent), logging to `logFile`. */
export function spawnSkiff(args: string[], logFile: string, env: NodeJS.ProcessEnv = {}, wrap: readonly string[] = []): ChildProcess {
  // `wrap` runs it under another command, e.g. `ip netns exec NS` (test/chaos/netns.ts).
  const [command, ...prefix] = [...wrap, process.execPath];
  const child = spawn(command!, [...prefix, SKIFF_BIN, ...args], { env: { ...process.env, SKIFF_LOG_LEVEL: 'debug', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

/** Signals a process and waits for it to exit. */
export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
