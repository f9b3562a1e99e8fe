/** Definition of `skiff port-forward`; the work is in actions/port-forward.ts. */
import type { Command } from 'commander';
import type { PortForwardOptions } from '../actions/port-forward.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadPortForwardActions = () => import('../actions/port-forward.js');

export function definePortForward(program: Command, ctx: CliContext): Command {
  return program
    .command('port-forward')
    .description('Forward local ports to a pod until interrupted: skiff port-forward pod/NAME [LOCAL:]REMOTE...')
    .argument('<target>', 'POD, pod/NAME or deployment/NAME (one of its pods)')
    .argument('[ports...]', 'LOCAL:REMOTE, REMOTE (same number locally) or :REMOTE (a free local port)')
    .option('-n, --namespace <namespace>', 'namespace to look in (default "default")')
    .option('--address <address>', 'local address to listen on (default 127.0.0.1)')
    .addHelpText('after', '\nExamples:\n  skiff port-forward pod/web-6d4cf56db6-abcde 8080:80\n  skiff port-forward deployment/web :80\n')
    .action(async (target: string, ports: string[], options: PortForwardOptions) => (await loadPortForwardActions()).runPortForward(target, ports, options, ctx));
}
