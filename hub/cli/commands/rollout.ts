/** Definition of `skiff rollout status|history|undo|restart|pause|resume`; the work is in actions/rollout.ts. */
import type { Command } from 'commander';
import type { HistoryOptions, NamespaceOption, StatusOptions, UndoOptions } from '../actions/rollout.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadRolloutActions = () => import('../actions/rollout.js');

const NAMESPACE_HELP = 'namespace (default "default")';
const TARGET_HELP = 'deployment/NAME | deployment NAME';
const WITH_DAEMONSET_HELP = 'deployment/NAME | daemonset/NAME | TYPE NAME';

export function defineRollout(program: Command, ctx: CliContext): Command {
  const rollout = program.command('rollout').description('Manage the rollout of a Deployment (status, history, undo and restart also of a DaemonSet)');
  rollout
    .command('status')
    .description('Watch a rollout until it finishes')
    .argument('[args...]', WITH_DAEMONSET_HELP)
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .option('--timeout <duration>', 'how long to wait, e.g. 60s or 2m; 0 waits forever', '0')
    .addHelpText('after', '\nExamples:\n  skiff rollout status deployment/web\n  skiff rollout status daemonset/node-exporter -n monitoring --timeout 5m\n')
    .action(async (args: string[], options: StatusOptions) => (await loadRolloutActions()).runRolloutStatus(args, options, ctx));
  rollout
    .command('history')
    .description('List the revisions of a Deployment or DaemonSet, or show one with --revision')
    .argument('[args...]', WITH_DAEMONSET_HELP)
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .option('--revision <n>', 'show the pod template of this revision')
    .addHelpText('after', '\nExamples:\n  skiff rollout history deployment/web\n  skiff rollout history deployment/web --revision 2\n')
    .action(async (args: string[], options: HistoryOptions) => (await loadRolloutActions()).runRolloutHistory(args, options, ctx));
  rollout
    .command('undo')
    .description('Roll back to the previous revision, or to --to-revision')
    .argument('[args...]', WITH_DAEMONSET_HELP)
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .option('--to-revision <n>', 'the revision to roll back to (default: the previous one)')
    .addHelpText('after', '\nExamples:\n  skiff rollout undo deployment/web\n  skiff rollout undo daemonset/node-exporter --to-revision 2 -n monitoring\n')
    .action(async (args: string[], options: UndoOptions) => (await loadRolloutActions()).runRolloutUndo(args, options, ctx));
  rollout
    .command('restart')
    .description('Restart every Pod of a Deployment or DaemonSet (a new rollout of the same template)')
    .argument('[args...]', WITH_DAEMONSET_HELP)
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .addHelpText('after', '\nExamples:\n  skiff rollout restart deployment/web\n  skiff rollout restart daemonset node-exporter -n monitoring\n')
    .action(async (args: string[], options: NamespaceOption) => (await loadRolloutActions()).runRolloutRestart(args, options, ctx));
  rollout
    .command('pause')
    .description('Stop a Deployment from rolling out template changes')
    .argument('[args...]', TARGET_HELP)
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .addHelpText('after', '\nExamples:\n  skiff rollout pause deployment/web\n  skiff rollout pause deployment web -n staging\n')
    .action(async (args: string[], options: NamespaceOption) => (await loadRolloutActions()).runRolloutPause(args, options, ctx, true));
  rollout
    .command('resume')
    .description('Let a paused Deployment roll out again')
    .argument('[args...]', TARGET_HELP)
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .addHelpText('after', '\nExamples:\n  skiff rollout resume deployment/web\n  skiff rollout resume deployment web -n staging\n')
    .action(async (args: string[], options: NamespaceOption) => (await loadRolloutActions()).runRolloutPause(args, options, ctx, false));
  return rollout;
}
