/** Definition of `skiff cluster-info`; the work is in actions/cluster-info.ts. */
import type { Command } from 'commander';
import { runClusterInfo } from '../actions/cluster-info.js';
import type { CliContext } from '../context.js';

export function defineClusterInfo(program: Command, ctx: CliContext): Command {
  return program
    .command('cluster-info')
    .description('Show where the hub is and whether it answers')
    .addHelpText('after', '\nExamples:\n  skiff cluster-info\n  skiff --server https://hub.local:7443 cluster-info\n')
    .action(() => runClusterInfo(ctx));
}
