/** Definition of `skiff config kubeconfig`; the work is in actions/config-kubeconfig.ts. */
import type { Command } from 'commander';
import { runConfigKubeconfig, type ConfigKubeconfigOptions } from '../actions/config-kubeconfig.js';
import { DEFAULT_KUBECONFIG_NAME } from '../../kubeconfig.js';
import type { CliContext } from '../context.js';

export function defineConfig(program: Command, ctx: CliContext): Command {
  const config = program.command('config').description('Show the client configuration in other forms');
  config
    .command('kubeconfig')
    .description('Print a kubeconfig for the current client config (server, CA, token), for kubectl: skiff config kubeconfig > FILE')
    .option('--name <name>', 'name of the cluster, user and context in the kubeconfig', DEFAULT_KUBECONFIG_NAME)
    // The connection flags are the program's (--config, --server, --token, --insecure-skip-tls-verify).
    .action((_options: ConfigKubeconfigOptions, command: Command) => runConfigKubeconfig(command.optsWithGlobals<ConfigKubeconfigOptions>(), ctx));
  return config;
}
