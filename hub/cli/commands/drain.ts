/** Definition of `skiff drain`; the work is in actions/drain.ts. */
import type { Command } from 'commander';
import type { DrainOptions } from '../actions/drain.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadDrainActions = () => import('../actions/drain.js');

export function defineDrain(program: Command, ctx: CliContext): Command {
  return program
    .command('drain')
    .description('Cordon a node, then evict its Pods (a graceful delete: Skiff has no PodDisruptionBudgets yet)')
    .argument('[nodes...]', 'NODE... | node/NAME...')
    .option('--ignore-daemonsets', 'leave DaemonSet-managed Pods in place instead of refusing to drain')
    .option('--delete-emptydir-data', 'evict Pods with emptyDir volumes too (their data is lost)')
    .option('--force', 'evict Pods that declare no controller too (they are not recreated)')
    .option('--timeout <duration>', 'how long to wait for the Pods to go, e.g. 60s or 2m; 0 waits forever', '0s')
    .option('--grace-period <seconds>', "seconds each Pod gets to stop; negative uses the Pod's own", '-1')
    .addHelpText('after', '\nExamples:\n  skiff drain pi-3 --ignore-daemonsets --timeout 5m\n  skiff drain node/pi-3 --ignore-daemonsets --delete-emptydir-data --force --grace-period 30\n')
    .action(async (nodes: string[], options: Partial<DrainOptions>) =>
      (await loadDrainActions()).runDrain(
        nodes,
        {
          ignoreDaemonsets: options.ignoreDaemonsets ?? false,
          deleteEmptydirData: options.deleteEmptydirData ?? false,
          force: options.force ?? false,
          timeout: options.timeout ?? '0s',
          gracePeriod: options.gracePeriod ?? '-1',
        },
        ctx,
      ),
    );
}
