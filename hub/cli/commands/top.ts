/** Definition of `skiff top nodes|pods`; the work is in actions/top.ts. */
import type { Command } from 'commander';
import type { TopNodesOptions, TopPodsOptions } from '../actions/top.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadTopActions = () => import('../actions/top.js');

export function defineTop(program: Command, ctx: CliContext): Command {
  const top = program.command('top').description('Display resource (CPU/memory) usage of nodes or pods, as measured by the agents');
  top
    .command('node')
    .aliases(['nodes', 'no'])
    .description('Display CPU and memory usage of nodes: skiff top node [NAME]')
    .argument('[name]', 'one node')
    .option('-l, --selector <selector>', 'label selector, e.g. kubernetes.io/arch=arm64')
    .option('--sort-by <key>', 'sort by cpu or memory')
    .option('--no-headers', 'do not print headers')
    .addHelpText('after', '\nExamples:\n  skiff top node\n  skiff top node pi-1\n  skiff top nodes -l kubernetes.io/arch=arm64 --sort-by memory\n')
    .action(async (name: string | undefined, options: TopNodesOptions) => (await loadTopActions()).runTopNodes(name, options, ctx));
  top
    .command('pod')
    .aliases(['pods', 'po'])
    .description('Display CPU and memory usage of pods: skiff top pod [NAME] [--containers]')
    .argument('[name]', 'one pod')
    .option('-n, --namespace <namespace>', 'namespace to look in (default "default")')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web')
    .option('--containers', 'show each container of a pod')
    .option('--sort-by <key>', 'sort by cpu or memory')
    .option('--sum', 'print the sum of the usage')
    .option('--no-headers', 'do not print headers')
    .addHelpText('after', '\nExamples:\n  skiff top pod\n  skiff top pod -A --sort-by cpu\n  skiff top pod web-6d4cf56db6-abcde --containers\n')
    .action(async (name: string | undefined, options: TopPodsOptions) => (await loadTopActions()).runTopPods(name, options, ctx));
  return top;
}
