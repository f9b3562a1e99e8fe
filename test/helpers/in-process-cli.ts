/**
 * The `skiff` CLI run inside the test process: hub/cli/main.ts's `run(argv, io)`, the function
 * bin/skiff.js ends up in, with an io that collects what it prints. For tests of what the CLI
 * asks a hub for and prints, a Node start-up and module load per call (~0.5 s on a small
 * machine) is pure overhead; the executable itself keeps its own spawn-based tests
 * (test/unit/cli/fixtures/run-cli.ts), so each file using this also runs a few commands that way.
 */
import { join } from 'node:path';
import { run } from '../../hub/cli/main.js';
import type { CliIO } from '../../hub/cli/io.js';
import { repoRoot } from './repo.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  /** SKIFF_CONFIG for this run; omitted: no client config at all. */
  config?: string;
  stdin?: string;
  env?: Record<string, string>;
  /** Pretend stdout and stderr are terminals (colour.ts colours only those). */
  tty?: boolean;
}

/**
 * Runs one command line with the same clean environment run-cli.ts gives the child process: no
 * SKIFF_* variables and a home directory that does not exist, so nothing of the developer's leaks in.
 */
export async function runCliInProcess(args: string[], options: InProcessOptions = {}): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const env: Record<string, string> = { ...options.env };
  if (options.config) env.SKIFF_CONFIG = options.config;
  const io: CliIO = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    readStdin: async () => options.stdin ?? '',
    stdoutIsTTY: options.tty === true,
    stderrIsTTY: options.tty === true,
    env,
    homedir: join(repoRoot(), 'does-not-exist-home'),
    waitForSignal: () => Promise.reject(new Error('runCliInProcess does not run long-lived commands (skiff hub)')),
    exit: (code) => {
      throw new Error(`the CLI tried to end the test process with exit code ${code}`);
    },
  };
  const code = await run(args, io);
  return { code, stdout, stderr };
}
