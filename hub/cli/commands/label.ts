/** Definition of `skiff label`; the work is in actions/label.ts. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadLabelActions = () => import('../actions/label.js');

export function defineLabel(program: Command, ctx: CliContext): Command {
  return program
    .command('label')
    .description('Update the labels of objects: k=v sets, k- removes')
    .argument('[args...]', 'TYPE NAME... | TYPE/NAME..., then KEY=VALUE... KEY-...')
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .option('--overwrite', 'replace labels that already have a different value')
    .addHelpText('after', '\nExamples:\n  skiff label node pi-1 disktype=ssd\n  skiff label pods web-6d4cf56db6-abcde tier=frontend --overwrite\n  skiff label deployment/web tier-\n')
    .action(async (args: string[], options: { namespace?: string; overwrite?: boolean }) =>
      (await loadLabelActions()).runLabel(args, { namespace: options.namespace, overwrite: options.overwrite ?? false }, ctx),
    );
}
