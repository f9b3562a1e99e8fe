/** Definition of `skiff delete`; the work is in actions/delete.ts. */
import type { Command } from 'commander';
import type { DeleteOptions } from '../actions/delete.js';
import type { CliContext } from '../context.js';
import { collect } from './shared-options.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadDeleteActions = () => import('../actions/delete.js');

export function defineDelete(program: Command, ctx: CliContext): Command {
  return program
    .command('delete')
    .description('Delete objects by TYPE NAME..., TYPE/NAME..., label selector, or from manifests (-f)')
    .argument('[args...]', 'TYPE NAME... | TYPE/NAME...')
    .option('-f, --filename <path>', 'file, directory or - for stdin naming the objects (repeatable)', collect, [])
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .option('-l, --selector <selector>', 'delete every object of the type matching this label selector')
    .option('--all', 'delete every object of the type in the namespace')
    .option('--wait', 'wait until the objects are gone (default true; --wait=false to return at once)')
    .option('--no-wait', 'return as soon as the deletions are accepted')
    .option('--timeout <duration>', 'how long --wait waits, e.g. 60s or 2m; 0 waits forever', '60s')
    .option('--ignore-not-found', 'treat objects that do not exist as deleted')
    .addHelpText('after', '\nExamples:\n  skiff delete pod web-6d4cf56db6-abcde\n  skiff delete deployment/web service/web\n  skiff delete pods -l app=web -n staging\n  skiff delete -f app.yaml --wait=false --ignore-not-found\n')
    .action(async (args: string[], options: Partial<DeleteOptions>) =>
      (await loadDeleteActions()).runDelete(
        args,
        {
          ...options,
          filename: options.filename ?? [],
          // with both --wait and --no-wait defined commander leaves the default to us
          wait: options.wait ?? true,
          timeout: options.timeout ?? '60s',
          ignoreNotFound: options.ignoreNotFound ?? false,
        },
        ctx,
      ),
    );
}
