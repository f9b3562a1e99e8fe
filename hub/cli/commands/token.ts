/** Definition of `skiff token create|list|delete`; the work is in actions/token.ts. */
import type { Command } from 'commander';
import type { TokenCreateFlags } from '../actions/token.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadTokenActions = () => import('../actions/token.js');

export function defineToken(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('Manage bootstrap join tokens (as kubeadm token)');
  token
    .command('create')
    .description('Create a bootstrap join token and print it (the only time its secret is shown)')
    .option('--ttl <duration>', 'how long the token is valid, e.g. 2h or 30m; 0 means it never expires', '24h')
    .option('--description <text>', 'a human-friendly description of what the token is for')
    .option('--print-join-command', 'print the whole `skiff agent` command line instead of just the token')
    .addHelpText('after', '\nExamples:\n  skiff token create\n  skiff token create --ttl 2h --description "kitchen pi"\n  skiff token create --ttl 0 --print-join-command\n')
    .action(async (flags: TokenCreateFlags) => (await loadTokenActions()).runTokenCreate(flags, ctx));
  token
    .command('list')
    .description('List bootstrap join tokens (ids only, never their secrets)')
    .option('-o, --output <format>', 'json or yaml (default: a table)')
    .addHelpText('after', '\nExamples:\n  skiff token list\n  skiff token list -o yaml\n')
    .action(async (flags: { output?: string }) => (await loadTokenActions()).runTokenList(flags, ctx));
  token
    .command('delete')
    .description('Delete (revoke) bootstrap join tokens: joins with them are refused from now on')
    .argument('<tokens...>', 'TOKEN-ID... (or whole tokens)')
    .addHelpText('after', '\nExamples:\n  skiff token delete abcdef\n  skiff token delete abcdef 0a1b2c\n')
    .action(async (tokens: string[]) => (await loadTokenActions()).runTokenDelete(tokens, ctx));
}
