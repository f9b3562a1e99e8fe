/** Definition of `skiff apply`; the work is in actions/apply.ts. */
import type { Command } from 'commander';
import type { ApplyOptions } from '../actions/apply.js';
import type { CliContext } from '../context.js';
import { collect } from './shared-options.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadApplyActions = () => import('../actions/apply.js');

export function defineApply(program: Command, ctx: CliContext): Command {
  return program
    .command('apply')
    .description('Create or update objects from manifests (YAML or JSON; a directory means its *.yaml, *.yml and *.json files)')
    .option('-f, --filename <path>', 'file, directory or - for stdin (repeatable)', collect, [])
    .option('-n, --namespace <namespace>', 'namespace for documents that name none (default "default")')
    .option('--wait', 'then wait until each Deployment and DaemonSet applied has rolled out, showing image pull progress')
    .option('--timeout <duration>', 'how long --wait waits for each, e.g. 60s or 5m; 0 waits forever', '0')
    .addHelpText('after', '\nExamples:\n  skiff apply -f app.yaml\n  skiff apply -f manifests/ -n staging\n  skiff apply -f app.yaml --wait --timeout=5m\n  cat app.yaml | skiff apply -f -\n')
    .action(async (options: ApplyOptions) => (await loadApplyActions()).runApply(options, ctx));
}
