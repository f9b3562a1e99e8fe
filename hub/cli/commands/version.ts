/** Definition of `skiff version`; the work is in actions/version.ts. */
import type { Command } from 'commander';
import { runVersion, type VersionOptions } from '../actions/version.js';
import type { CliContext } from '../context.js';

export function defineVersion(program: Command, ctx: CliContext): Command {
  return program
    .command('version')
    .description("Print the client's version and, unless --client, the hub's")
    .option('--client', 'client version only (no hub needed)')
    .addHelpText('after', '\nExamples:\n  skiff version\n  skiff version --client\n')
    .action((options: VersionOptions) => runVersion(options, ctx));
}
