/**
 * Definition of `skiff config`: kubectl's contexts for several hubs (the work is in
 * actions/config-contexts.ts) and `kubeconfig` (actions/config-kubeconfig.ts).
 */
import type { Command } from 'commander';
import type { ConfigKubeconfigOptions } from '../actions/config-kubeconfig.js';
import type { GetContextsOptions, SetContextOptions } from '../actions/config-contexts.js';
import type { ConnectionFlags } from '../client-config-loader.js';
import type { CliContext } from '../context.js';
import { DEFAULT_KUBECONFIG_NAME } from '../../../shared/defaults.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadConfigKubeconfigActions = () => import('../actions/config-kubeconfig.js');
const loadConfigContextsActions = () => import('../actions/config-contexts.js');


/** Every subcommand edits or reads the file --config, $SKIFF_CONFIG or ~/.skiff/config names. */
const FILE_NOTE = '\nThe file is --config FILE, else $SKIFF_CONFIG, else ~/.skiff/config.';

export function defineConfig(program: Command, ctx: CliContext): Command {
  const config = program
    .command('config')
    .description('Show and edit the client configuration: contexts for several hubs, and a kubeconfig for kubectl')
    .addHelpText('after', `${FILE_NOTE}\n\nExamples:\n  skiff config get-contexts\n  skiff config use-context lab\n  skiff --context edge get nodes\n`);
  config
    .command('kubeconfig')
    .description('Print a kubeconfig for the current client config (server, CA, token), for kubectl: skiff config kubeconfig > FILE')
    .option('--name <name>', 'name of the cluster, user and context in the kubeconfig', DEFAULT_KUBECONFIG_NAME)
    // The connection flags are the program's (--config, --context, --server, --token, --insecure-skip-tls-verify).
    .action(async (_options: ConfigKubeconfigOptions, command: Command) => (await loadConfigKubeconfigActions()).runConfigKubeconfig(command.optsWithGlobals<ConfigKubeconfigOptions>(), ctx))
    .addHelpText('after', '\nExamples:\n  skiff config kubeconfig > ~/.kube/skiff\n  skiff --context edge config kubeconfig --name edge > ~/.kube/edge\n');
  config
    .command('get-contexts')
    .description('List the contexts of the client config; * marks the one commands use (--context, else $SKIFF_CONTEXT, else the current context)')
    .argument('[names...]', 'only these contexts')
    .option('-o, --output <format>', 'output format: name (one context name a line)')
    .action(async (names: string[], _options: GetContextsOptions, command: Command) => (await loadConfigContextsActions()).runGetContexts(names, command.optsWithGlobals<GetContextsOptions>(), ctx))
    .addHelpText('after', `${FILE_NOTE}\n\nExamples:\n  skiff config get-contexts\n  skiff config get-contexts -o name\n  skiff --config ./fleet.config config get-contexts edge\n`);
  config
    .command('current-context')
    .description('Print the name of the context commands use (--context, else $SKIFF_CONTEXT, else the current context)')
    .action(async (_options: ConnectionFlags, command: Command) => (await loadConfigContextsActions()).runCurrentContext(command.optsWithGlobals<ConnectionFlags>(), ctx))
    .addHelpText('after', `${FILE_NOTE}\n\nExamples:\n  skiff config current-context\n`);
  config
    .command('use-context')
    .description('Make NAME the current context: the hub every later command talks to (the file is rewritten, mode 0600)')
    .argument('<name>', 'the context')
    .action(async (name: string, _options: ConnectionFlags, command: Command) => (await loadConfigContextsActions()).runUseContext(name, command.optsWithGlobals<ConnectionFlags>(), ctx))
    .addHelpText('after', `${FILE_NOTE}\n\nExamples:\n  skiff config use-context lab\n`);
  config
    .command('set-context')
    .description('Add the context NAME, or change the fields given of an existing one (the file is created if needed, mode 0600)')
    .argument('<name>', 'the context')
    // --server, --token and --insecure-skip-tls-verify are the program's flags: here they are the context's values.
    .option('--certificate-authority <file>', 'PEM file of the CA the hub certificate must chain to (embedded in the file)')
    .option('--from <file>', "take the hub, token and CA from another client config, such as the hub's admin.config")
    .action(async (name: string, _options: SetContextOptions, command: Command) => (await loadConfigContextsActions()).runSetContext(name, command.optsWithGlobals<SetContextOptions>(), ctx))
    .addHelpText(
      'after',
      '\nThe global flags give the values: --server URL, --token TOKEN, --insecure-skip-tls-verify.\n' +
        'A new context needs --server and --token, or --from FILE; flags given with --from override what FILE says.\n' +
        'The first context of a file without a current context becomes current.\n' +
        FILE_NOTE +
        '\n\nExamples:\n' +
        '  skiff config set-context edge --from /var/lib/skiff/hub/admin.config\n' +
        '  skiff config set-context lab --server https://10.0.0.5:7443 --token skiff-admin.abc --certificate-authority lab-ca.pem\n' +
        '  skiff config set-context lab --token skiff-admin.new\n',
    );
  config
    .command('delete-context')
    .description('Remove the context NAME from the client config (deleting the current one leaves none current)')
    .argument('<name>', 'the context')
    .action(async (name: string, _options: ConnectionFlags, command: Command) => (await loadConfigContextsActions()).runDeleteContext(name, command.optsWithGlobals<ConnectionFlags>(), ctx))
    .addHelpText('after', `${FILE_NOTE}\n\nExamples:\n  skiff config delete-context old-lab\n`);
  return config;
}
