/** Definition of `skiff create configmap` and `skiff create secret generic|docker-registry`; the work is in actions/create.ts. */
import type { Command } from 'commander';
import type { CreateDockerRegistryOptions, CreateFromSourcesOptions } from '../actions/create.js';
import type { CliContext } from '../context.js';
import { collect } from './shared-options.js';
import { defineCreateRbac } from './create-rbac.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadCreateActions = () => import('../actions/create.js');

function withCommonOptions(command: Command): Command {
  return command
    .option('--dry-run <strategy>', '"client" prints the object that would be created without creating it ("none" or "client")')
    .option('-o, --output <format>', 'output format: json, yaml or name')
    .option('-n, --namespace <namespace>', 'namespace (default "default")');
}

function withSourceOptions(command: Command): Command {
  return withCommonOptions(
    command
      .option('--from-literal <key=value>', 'a key and literal value (repeatable)', collect, [])
      .option('--from-file <[key=]path>', 'a file (key: its base name unless given) or a directory of files (repeatable)', collect, [])
      .option('--from-env-file <path>', 'a file of KEY=VALUE lines (repeatable)', collect, []),
  );
}

export function defineCreate(program: Command, ctx: CliContext): Command {
  const create = program.command('create').description('Create a resource: skiff create configmap|secret ...');
  withSourceOptions(
    create
      .command('configmap')
      .alias('cm')
      .description('Create a ConfigMap: skiff create configmap NAME [--from-literal k=v] [--from-file [k=]path] [--from-env-file path]')
      .argument('[name...]', 'the ConfigMap name')
      .addHelpText('after', '\nExamples:\n  skiff create configmap web-config --from-literal LOG_LEVEL=debug --from-file nginx.conf\n  skiff create configmap app-env --from-env-file app.env -n staging\n  skiff create configmap web-config --from-file config/ --dry-run=client -o yaml\n'),
  ).action(async (args: string[], options: CreateFromSourcesOptions) => (await loadCreateActions()).runCreateConfigMap(args, options, ctx));
  const secret = create.command('secret').description('Create a Secret: skiff create secret generic|docker-registry NAME ...');
  withSourceOptions(
    secret
      .command('generic')
      .description('Create a Secret from literals, files or env files: skiff create secret generic NAME [--from-literal k=v] [--from-file [k=]path] [--type T]')
      .argument('[name...]', 'the Secret name')
      .option('--type <type>', 'the Secret type (default Opaque)')
      .addHelpText('after', '\nExamples:\n  skiff create secret generic db-pass --from-literal password=s3cret\n  skiff create secret generic web-tls --type kubernetes.io/tls --from-file tls.crt --from-file tls.key\n'),
  ).action(async (args: string[], options: CreateFromSourcesOptions) => (await loadCreateActions()).runCreateSecretGeneric(args, options, ctx));
  withCommonOptions(
    secret
      .command('docker-registry')
      .description('Create a Secret for pulling images from a registry: skiff create secret docker-registry NAME --docker-username U --docker-password P [--docker-server S] [--docker-email E]')
      .argument('[name...]', 'the Secret name')
      .option('--docker-server <server>', 'server location for the registry (default "https://index.docker.io/v1/")')
      .option('--docker-username <username>', 'username for registry authentication (required)')
      .option('--docker-password <password>', 'password for registry authentication (required)')
      .option('--docker-email <email>', 'email for the registry')
      .addHelpText('after', '\nExamples:\n  skiff create secret docker-registry regcred --docker-server registry.local:5000 --docker-username pi --docker-password s3cret\n'),
  ).action(async (args: string[], options: CreateDockerRegistryOptions) => (await loadCreateActions()).runCreateSecretDockerRegistry(args, options, ctx));
  defineCreateRbac(create, ctx);
  return create;
}
