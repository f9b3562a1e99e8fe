/** Definition of `skiff create serviceaccount|token|role|clusterrole|rolebinding|clusterrolebinding`; the work is in actions/create-rbac.ts. */
import type { Command } from 'commander';
import type { CreateBindingOptions, CreateRbacCommonOptions, CreateRoleOptions, CreateTokenOptions } from '../actions/create-rbac.js';
import type { CliContext } from '../context.js';
import { collect } from './shared-options.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadCreateRbacActions = () => import('../actions/create-rbac.js');

function common(command: Command, namespaced: boolean): Command {
  command.option('--dry-run <strategy>', '"client" prints the object that would be created without creating it ("none" or "client")').option('-o, --output <format>', 'output format: json, yaml or name');
  return namespaced ? command.option('-n, --namespace <namespace>', 'namespace (default "default")') : command;
}

const ROLE_EXAMPLES = '\nExamples:\n  skiff create role pod-reader --verb=get,list,watch --resource=pods\n  skiff create role web-restarter --verb=get,patch --resource=deployments.apps --resource-name=web -n staging\n';
const CLUSTER_ROLE_EXAMPLES = '\nExamples:\n  skiff create clusterrole node-viewer --verb=get,list,watch --resource=nodes\n  skiff create clusterrole metrics-reader --verb=get --non-resource-url=/metrics\n';
const ROLE_BINDING_EXAMPLES = '\nExamples:\n  skiff create rolebinding read-pods --role=pod-reader --serviceaccount=default:ci\n  skiff create rolebinding view-nodes --clusterrole=node-viewer --user=alice -n staging\n';
const CLUSTER_ROLE_BINDING_EXAMPLES = '\nExamples:\n  skiff create clusterrolebinding ops-node-viewers --clusterrole=node-viewer --group=ops\n  skiff create clusterrolebinding scraper --clusterrole=metrics-reader --serviceaccount=monitoring:prometheus\n';

export function defineCreateRbac(create: Command, ctx: CliContext): void {
  common(create.command('serviceaccount').alias('sa').description('Create a ServiceAccount: skiff create serviceaccount NAME').argument('[name...]', 'the ServiceAccount name').addHelpText('after', '\nExamples:\n  skiff create serviceaccount ci\n  skiff create sa camera -n edge\n'), true).action(
    async (args: string[], options: CreateRbacCommonOptions) => (await loadCreateRbacActions()).runCreateServiceAccount(args, options, ctx),
  );
  create
    .command('token')
    .description("Request a ServiceAccount token and print it: skiff create token SERVICEACCOUNT [--duration 1h]")
    .argument('[name...]', 'the ServiceAccount name')
    .option('-n, --namespace <namespace>', 'namespace (default "default")')
    .option('--duration <duration>', 'how long the token lives (default 1h, at least 10m, at most 48h)')
    .option('-o, --output <format>', 'json or yaml: the whole TokenRequest instead of the token')
    .addHelpText('after', '\nExamples:\n  skiff create token ci\n  skiff create token camera -n edge --duration 24h\n')
    .action(async (args: string[], options: CreateTokenOptions) => (await loadCreateRbacActions()).runCreateToken(args, options, ctx));
  for (const clusterScoped of [false, true]) {
    const kind = clusterScoped ? 'clusterrole' : 'role';
    common(
      create
        .command(kind)
        .description(`Create a ${clusterScoped ? 'ClusterRole' : 'Role'}: skiff create ${kind} NAME --verb=get,list --resource=pods,deployments.apps [--resource-name=N]`)
        .argument('[name...]', 'the role name')
        .option('--verb <verbs>', 'verbs the rule allows (repeatable, comma-separated)', collect, [])
        .option('--resource <resources>', 'resources the rule applies to, as TYPE[.GROUP][/SUBRESOURCE] (repeatable, comma-separated)', collect, [])
        .option('--resource-name <names>', 'object names the rule is limited to (repeatable)', collect, []),
      !clusterScoped,
    );
    const role = create.commands.find((c) => c.name() === kind)!;
    if (clusterScoped) role.option('--non-resource-url <urls>', 'URL paths the rule allows, such as /metrics (repeatable)', collect, []);
    role.addHelpText('after', clusterScoped ? CLUSTER_ROLE_EXAMPLES : ROLE_EXAMPLES);
    role.action(async (args: string[], options: CreateRoleOptions) => (await loadCreateRbacActions()).runCreateRole(args, options, ctx, clusterScoped));

    const bindingKind = clusterScoped ? 'clusterrolebinding' : 'rolebinding';
    const binding = common(
      create
        .command(bindingKind)
        .description(`Create a ${clusterScoped ? 'ClusterRoleBinding' : 'RoleBinding'}: skiff create ${bindingKind} NAME --clusterrole=NAME${clusterScoped ? '' : '|--role=NAME'} [--user U] [--group G] [--serviceaccount NS:NAME]`)
        .argument('[name...]', 'the binding name')
        .option('--clusterrole <name>', 'the ClusterRole to bind')
        .option('--user <name>', 'a user to bind (repeatable)', collect, [])
        .option('--group <name>', 'a group to bind (repeatable)', collect, [])
        .option('--serviceaccount <namespace:name>', 'a ServiceAccount to bind (repeatable)', collect, []),
      !clusterScoped,
    );
    if (!clusterScoped) binding.option('--role <name>', 'the Role (of the same namespace) to bind');
    binding.addHelpText('after', clusterScoped ? CLUSTER_ROLE_BINDING_EXAMPLES : ROLE_BINDING_EXAMPLES);
    binding.action(async (args: string[], options: CreateBindingOptions) => (await loadCreateRbacActions()).runCreateBinding(args, options, ctx, clusterScoped));
  }
}
