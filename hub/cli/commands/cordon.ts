/** Definition of `skiff cordon` and `skiff uncordon`; the work is in actions/cordon.ts. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadCordonActions = () => import('../actions/cordon.js');

export function defineCordon(program: Command, ctx: CliContext): void {
  program
    .command('cordon')
    .description('Mark a node as unschedulable')
    .argument('[nodes...]', 'NODE... | node/NAME...')
    .addHelpText('after', '\nExamples:\n  skiff cordon pi-3\n  skiff cordon node/pi-3 node/pi-4\n')
    .action(async (nodes: string[]) => (await loadCordonActions()).runCordon(nodes, ctx, true));
  program
    .command('uncordon')
    .description('Mark a node as schedulable')
    .argument('[nodes...]', 'NODE... | node/NAME...')
    .addHelpText('after', '\nExamples:\n  skiff uncordon pi-3\n  skiff uncordon node/pi-3 node/pi-4\n')
    .action(async (nodes: string[]) => (await loadCordonActions()).runCordon(nodes, ctx, false));
}
