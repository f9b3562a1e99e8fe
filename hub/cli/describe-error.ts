/**
 * The one place that turns any failure into what the user reads and the exit code, in kubectl's
 * words (k8s.io/kubectl/pkg/cmd/util.StandardErrorMessage), so that scripts written for kubectl
 * read Skiff's errors the same way (style.md lesson 7).
 */
import { CommanderError } from 'commander';
import { isSkiffError } from '../../shared/errors.js';
import { ApiStatusError, HubUnreachableError } from './api-errors.js';

export interface CliFailure {
  /** Lines for stderr; empty when the message was already printed (commander's usage errors). */
  lines: string[];
  exitCode: number;
}

/** kubectl's DefaultErrorExitCode. */
const EXIT_ERROR = 1;

/** Commander "errors" that only mean help or a version was printed. */
const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

export function describeError(err: unknown): CliFailure {
  if (err instanceof ApiStatusError) return { lines: [statusMessage(err)], exitCode: EXIT_ERROR };
  if (err instanceof HubUnreachableError) return { lines: [unreachableMessage(err)], exitCode: EXIT_ERROR };
  if (err instanceof CommanderError) {
    // Help was asked for (exit 0) or shown for a missing command (exit 1): the text is out already.
    if (HELP_CODES.has(err.code)) return { lines: [], exitCode: err.exitCode };
    // Commander's messages already read "error: unknown option '--x'".
    return { lines: [err.message], exitCode: err.exitCode || EXIT_ERROR };
  }
  if (isSkiffError(err)) {
    // A SkiffError may list several problems, one per line (all manifest problems at once).
    return { lines: err.message.split('\n').map((line) => `error: ${line}`), exitCode: EXIT_ERROR };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { lines: [`error: ${message}`], exitCode: EXIT_ERROR };
}

function statusMessage(err: ApiStatusError): string {
  const { reason, message } = err.status;
  const text = message ?? err.message;
  if (reason === 'Unauthorized') return `error: You must be logged in to the server (${text})`;
  if (reason) return `Error from server (${reason}): ${text}`;
  return `Error from server: ${text}`;
}

function unreachableMessage(err: HubUnreachableError): string {
  let host = err.url;
  try {
    host = new URL(err.url).host;
  } catch {
    // keep the raw URL
  }
  if (err.errno === 'ECONNREFUSED') return `The connection to the server ${host} was refused - did you specify the right host or port?`;
  return `Unable to connect to the server: ${err.message}`;
}
