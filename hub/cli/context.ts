/** What every action gets: the outside world, the hub connection, and the exit code so far. */
import { colour, colourEnabled, type Colour } from './colour.js';
import { describeError } from './describe-error.js';
import type { HubClient } from './hub-client.js';
import type { CliIO } from './io.js';
import { writeLines } from './io.js';

export interface CliContext {
  io: CliIO;
  /** The hub client, built on first use from --config / $SKIFF_CONFIG / --server / --token. */
  connect(): Promise<HubClient>;
  /** Prints an error the one kubectl-style way and remembers the failure for the exit code. */
  report(err: unknown): void;
  exitCode: number;
  /** Colour for each stream: plain unless that stream is a terminal and NO_COLOR is not set. */
  colours: { stdout: Colour; stderr: Colour };
}

export function createContext(io: CliIO, connect: () => Promise<HubClient>): CliContext {
  let client: Promise<HubClient> | undefined;
  const ctx: CliContext = {
    io,
    connect: () => (client ??= connect()),
    report(err) {
      const failure = describeError(err);
      writeLines(io.stderr, failure.lines.map((line) => ctx.colours.stderr.label(line)));
      // A later success never hides an earlier failure.
      ctx.exitCode = Math.max(ctx.exitCode, failure.exitCode);
    },
    exitCode: 0,
    colours: { stdout: colour(colourEnabled(io.stdoutIsTTY, io.env)), stderr: colour(colourEnabled(io.stderrIsTTY, io.env)) },
  };
  return ctx;
}
