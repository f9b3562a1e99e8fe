/** Definition of `skiff describe`; the work is in actions/describe.ts. */
import type { Command } from 'commander';
import type { DescribeOptions } from '../actions/describe.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadDescribeActions = () => import('../actions/describe.js');

export function defineDescribe(program: Command, ctx: CliContext): Command {
  return program
    .command('describe')
    .description('Show details of an object and its events: skiff describe TYPE [NAME_PREFIX] or TYPE/NAME (pods, deployments, nodes, configmaps, secrets, services, ingresses)')
    .argument('[args...]', 'TYPE [NAME_PREFIX...] | TYPE/NAME...')
    .option('-n, --namespace <namespace>', 'namespace to look in (default "default")')
    .option('-A, --all-namespaces', 'describe across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .addHelpText('after', '\nExamples:\n  skiff describe pod web-6d4cf56db6-abcde\n  skiff describe deployment/web\n  skiff describe nodes -l kubernetes.io/arch=arm64\n  skiff describe pods web -n staging\n')
    .action(async (args: string[], options: DescribeOptions) => (await loadDescribeActions()).runDescribe(args, options, ctx));
}
