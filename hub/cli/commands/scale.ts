/** Definition of `skiff scale`; the work is in actions/rollout.ts. */
import type { Command } from 'commander';
import type { ScaleOptions } from '../actions/rollout.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadRolloutActions = () => import('../actions/rollout.js');

export function defineScale(program: Command, ctx: CliContext): Command {
  return program
    .command('scale')
    .description('Set a new size for a Deployment: skiff scale deployment/NAME --replicas=N')
    .argument('[args...]', 'deployment/NAME | deployment NAME')
    .option('--replicas <count>', 'the new desired number of replicas (required)')
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .addHelpText('after', '\nExamples:\n  skiff scale deployment/web --replicas=3\n  skiff scale deployment web --replicas=0 -n staging\n')
    .action(async (args: string[], options: ScaleOptions) => (await loadRolloutActions()).runScale(args, options, ctx));
}
