/** Definition of `skiff taint`; the work is in actions/taint.ts. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadTaintActions = () => import('../actions/taint.js');

export function defineTaint(program: Command, ctx: CliContext): Command {
  return program
    .command('taint')
    .description('Update the taints of nodes: k=v:Effect adds, k:Effect- or k- removes')
    .argument('[args...]', 'node NAME... | node/NAME..., then KEY[=VALUE]:EFFECT... KEY[:EFFECT]-...')
    .option('--overwrite', 'replace taints that already exist with the same key and effect')
    .addHelpText('after', '\nExamples:\n  skiff taint node pi-1 dedicated=camera:NoSchedule\n  skiff taint node/pi-1 dedicated=camera:NoExecute --overwrite\n  skiff taint node pi-1 dedicated:NoSchedule-\n')
    .action(async (args: string[], options: { overwrite?: boolean }) => (await loadTaintActions()).runTaint(args, { overwrite: options.overwrite ?? false }, ctx));
}
