/** Definition of `skiff logs`; the work is in actions/logs.ts. */
import type { Command } from 'commander';
import type { LogsOptions } from '../actions/logs.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadLogsActions = () => import('../actions/logs.js');

export function defineLogs(program: Command, ctx: CliContext): Command {
  return program
    .command('logs')
    .description('Print the logs of a container in a pod: skiff logs POD [-c CONTAINER] [-f], or skiff logs deployment/NAME (one of its pods)')
    .argument('<target>', 'POD, or TYPE/NAME (pod, deployment, replicaset, daemonset)')
    .option('-n, --namespace <namespace>', 'namespace to look in (default "default")')
    .option('-c, --container <name>', "the container (needed when the pod has several)")
    .option('-f, --follow', 'keep streaming, also across a restart of the container, until interrupted')
    .option('-p, --previous', 'the logs of the previous, terminated instance of the container')
    .option('--timestamps', 'prefix every line with its RFC 3339 time')
    .option('--tail <lines>', 'the last N lines only (-1: all)')
    .option('--since <duration>', 'only logs newer than this, e.g. 5s, 2m, 3h')
    .option('--since-time <time>', 'only logs after this RFC 3339 time')
    .option('--limit-bytes <bytes>', 'at most this many bytes')
    .addHelpText('after', '\nExamples:\n  skiff logs web-6d4cf56db6-abcde\n  skiff logs -f --tail 20 deployment/web\n  skiff logs web-6d4cf56db6-abcde -c sidecar --since 10m --timestamps\n')
    .action(async (target: string, options: LogsOptions) => (await loadLogsActions()).runLogs(target, options, ctx));
}
