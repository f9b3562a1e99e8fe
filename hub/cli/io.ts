/**
 * Everything the CLI touches outside itself, passed in so that actions stay testable and
 * `main` is the only place that knows about `process`.
 */
import { homedir } from 'node:os';

export interface CliIO {
  /** Writes text as is; callers add the newline. */
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  /** The process's stdin as a stream, for commands that pass it on as it comes (exec -i); absent in tests. */
  stdinStream?: NodeJS.ReadStream;
  /** Whether stdout and stderr are terminals: colour is only ever written to one (colour.ts). */
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  /** Resolves with the signal's name on the first SIGINT or SIGTERM (used by `skiff hub`). */
  waitForSignal(): Promise<string>;
  /** Ends the process now: `skiff hub` must not linger on a handle its server forgot to close. */
  exit(code: number): void;
}

export function processIO(): CliIO {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stdinStream: process.stdin,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    homedir: homedir(),
    waitForSignal: () =>
      new Promise((resolve) => {
        const onSignal = (signal: string): void => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(signal);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }),
    exit: (code) => process.exit(code),
  };
}

/** Writes each line followed by a newline; nothing at all for an empty list. */
export function writeLines(write: (text: string) => void, lines: string[]): void {
  if (lines.length > 0) write(lines.map((l) => `${l}\n`).join(''));
}
