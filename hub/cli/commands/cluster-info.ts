/** Definition of `skiff cluster-info`; the work is in actions/cluster-info.ts. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadClusterInfoActions = () => import('../actions/cluster-info.js');

export function defineClusterInfo(program: Command, ctx: CliContext): Command {
  return program
    .command('cluster-info')
    .description('Show where the hub is and whether it answers')
    .addHelpText('after', '\nExamples:\n  skiff cluster-info\n  skiff --server https://hub.local:7443 cluster-info\n')
    .action(async () => (await loadClusterInfoActions()).runClusterInfo(ctx));
}
