/** Definition of `skiff exec`; the work is in actions/exec.ts. */
import type { Command } from 'commander';
import type { ExecOptions } from '../actions/exec.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadExecActions = () => import('../actions/exec.js');

export function defineExec(program: Command, ctx: CliContext): Command {
  return program
    .command('exec')
    .description('Run a command in a container of a pod: skiff exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- CMD [ARGS...]')
    .argument('<pod>', 'the pod, or deployment/NAME (also replicaset/, daemonset/) for one of its pods')
    .argument('[command...]', 'the command and its arguments, after --')
    .option('-n, --namespace <namespace>', 'namespace to look in (default "default")')
    .option('-c, --container <name>', 'the container (needed when the pod has several)')
    .option('-i, --stdin', 'pass stdin to the command')
    .option('-t, --tty', 'stdin is a terminal (raw, with its size)')
    .addHelpText('after', '\nExamples:\n  skiff exec web-6d4cf56db6-abcde -- ls /\n  skiff exec -it web-6d4cf56db6-abcde -- sh\n  skiff exec deployment/web -- env\n  echo hello | skiff exec -i web-6d4cf56db6-abcde -c sidecar -- cat\n')
    .action(async (pod: string, command: string[], options: ExecOptions) => (await loadExecActions()).runExec(pod, command, options, ctx));
}
