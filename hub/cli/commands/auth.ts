/** Definition of `skiff auth can-i` and `skiff auth whoami`; the work is in actions/auth.ts. */
import type { Command } from 'commander';
import type { CanIOptions } from '../actions/auth.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadAuthActions = () => import('../actions/auth.js');

export function defineAuth(program: Command, ctx: CliContext): Command {
  const auth = program.command('auth').description('Inspect authorization: what the current credentials may do, and who they are');
  auth
    .command('can-i')
    .description('Check whether an action is allowed (exit code 0 yes, 1 no): skiff auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL] [NAME]')
    .argument('<verb>', 'get, list, watch, create, update, patch, delete, deletecollection, or *')
    .argument('<target>', 'resource type (pods, deployments.apps), TYPE/NAME, or a URL path such as /metrics')
    .argument('[name]', 'object name')
    .option('-n, --namespace <namespace>', 'namespace to check in (default "default")')
    .option('-A, --all-namespaces', 'check in all namespaces')
    .option('--subresource <subresource>', 'subresource, such as log or eviction')
    .option('-q, --quiet', 'print nothing; only the exit code tells')
    .addHelpText('after', '\nExamples:\n  skiff auth can-i create deployments.apps\n  skiff auth can-i get pods/web -n staging\n  skiff auth can-i get /metrics\n  skiff auth can-i delete pods --all-namespaces -q && echo allowed\n')
    .action(async (verb: string, target: string, name: string | undefined, options: CanIOptions) => (await loadAuthActions()).runCanI(verb, target, name, options, ctx));
  auth
    .command('whoami')
    .description('Print the user and groups the hub sees for the current credentials')
    .addHelpText('after', '\nExamples:\n  skiff auth whoami\n  skiff --token "$CI_TOKEN" auth whoami\n')
    .action(async () => (await loadAuthActions()).runWhoami(ctx));
  return auth;
}
