/** Definition of `skiff set image`; the work is in actions/rollout.ts. */
import { Command } from 'commander';
import type { NamespaceOption } from '../actions/rollout.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadRolloutActions = () => import('../actions/rollout.js');

export function defineSet(program: Command, ctx: CliContext): Command {
  const set = program.command('set').description('Set specific features on objects');
  set
    .command('image')
    .description("Update a Deployment's container images: skiff set image deployment/NAME CONTAINER=IMAGE...")
    .argument('[args...]', 'deployment/NAME CONTAINER=IMAGE... (CONTAINER * means every container)')
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .addHelpText('after', '\nExamples:\n  skiff set image deployment/web web=nginx:1.27-alpine\n  skiff set image deployment/web \'*=registry.local:5000/web:2\' -n staging\n')
    .action(async (args: string[], options: NamespaceOption) => (await loadRolloutActions()).runSetImage(args, options, ctx));
  return set;
}
