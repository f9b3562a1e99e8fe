/** Definition of `skiff version`; the work is in actions/version.ts. */
import type { Command } from 'commander';
import type { VersionOptions } from '../actions/version.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadVersionActions = () => import('../actions/version.js');

export function defineVersion(program: Command, ctx: CliContext): Command {
  return program
    .command('version')
    .description("Print the client's version and, unless --client, the hub's")
    .option('--client', 'client version only (no hub needed)')
    .addHelpText('after', '\nExamples:\n  skiff version\n  skiff version --client\n')
    .action(async (options: VersionOptions) => (await loadVersionActions()).runVersion(options, ctx));
}
