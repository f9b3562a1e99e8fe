/** Definition of `skiff get`; the work is in actions/get.ts. */
import type { Command } from 'commander';
import type { GetOptions } from '../actions/get.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadGetActions = () => import('../actions/get.js');

export function defineGet(program: Command, ctx: CliContext): Command {
  return program
    .command('get')
    .description('Display one or many objects: skiff get TYPE[,TYPE] [NAME...] or TYPE/NAME')
    .argument('[args...]', 'TYPE[,TYPE] [NAME...] | TYPE/NAME...')
    .option('-n, --namespace <namespace>', 'namespace to look in (default "default")')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-o, --output <format>', 'output format: wide, yaml, json or name')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('-w, --watch', 'after listing/getting the requested object, watch for changes')
    .option('--watch-only', 'watch for changes to the requested object(s), without listing/getting first')
    .option('--show-managed-fields', 'keep metadata.managedFields in -o json|yaml output (left out by default, as kubectl does)')
    .addHelpText('after', '\nExamples:\n  skiff get pods\n  skiff get deployments,services -n staging -o wide\n  skiff get pods -l app=web --watch\n  skiff get deployment/web -o yaml\n  skiff get pods -A -o name\n')
    .action(async (args: string[], options: GetOptions) => (await loadGetActions()).runGet(args, options, ctx));
}
