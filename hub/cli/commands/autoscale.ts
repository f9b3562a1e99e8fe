/** Definition of `skiff autoscale`; the work is in actions/autoscale.ts. */
import type { Command } from 'commander';
import type { AutoscaleOptions } from '../actions/autoscale.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadAutoscaleActions = () => import('../actions/autoscale.js');

export function defineAutoscale(program: Command, ctx: CliContext): Command {
  return program
    .command('autoscale')
    .description('Create a HorizontalPodAutoscaler for a Deployment or ReplicaSet: skiff autoscale deployment/NAME --min=2 --max=10 --cpu-percent=80')
    .argument('[args...]', 'deployment/NAME | deployment NAME | replicaset/NAME')
    .option('--max <count>', 'the upper limit for the number of pods that can be set by the autoscaler (required)')
    .option('--min <count>', 'the lower limit for the number of pods that can be set by the autoscaler (default 1)')
    .option('--cpu-percent <percent>', 'the target average CPU utilization, as a percentage of the requested CPU (default 80)')
    .option('--name <name>', "the name of the HorizontalPodAutoscaler (default: the target's name)")
    .option('--dry-run <strategy>', '"client" prints the object that would be created without creating it ("none" or "client")')
    .option('-o, --output <format>', 'output format: json, yaml or name')
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .addHelpText('after', '\nExamples:\n  skiff autoscale deployment/web --min=2 --max=10 --cpu-percent=80\n  skiff autoscale deployment web --max=5 --dry-run=client -o yaml\n')
    .action(async (args: string[], options: AutoscaleOptions) => (await loadAutoscaleActions()).runAutoscale(args, options, ctx));
}
