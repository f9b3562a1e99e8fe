/** Definition of `skiff completion`; the work is in actions/completion.ts and completion/. */
import { Argument, type Command } from 'commander';
import { COMPLETION_SHELLS, type CompletionShell } from '../completion/shells.js';
import type { CliContext } from '../context.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadCompletionActions = () => import('../actions/completion.js');

const INSTALL_HELP = `
Load the completions in the current shell:
  bash:  source <(skiff completion bash)
  zsh:   source <(skiff completion zsh)     (after autoload -U compinit; compinit)
  fish:  skiff completion fish | source

Load them in every new shell:
  bash:  skiff completion bash > /etc/bash_completion.d/skiff   (or add the source line to ~/.bashrc)
  zsh:   skiff completion zsh > "\${fpath[1]}/_skiff"             (a directory on $fpath, with compinit in ~/.zshrc)
  fish:  skiff completion fish > ~/.config/fish/completions/skiff.fish

Examples:
  source <(skiff completion bash)
  skiff completion zsh > "\${fpath[1]}/_skiff"
  skiff completion fish | source
`;

export function defineCompletion(program: Command, ctx: CliContext): Command {
  return program
    .command('completion')
    .description('Print a shell completion script (bash, zsh or fish): commands, flags, resource types and, when a hub answers, object names')
    .addArgument(new Argument('<shell>', 'the shell to write a script for').choices(COMPLETION_SHELLS))
    .addHelpText('after', INSTALL_HELP)
    .action(async (shell: CompletionShell) => (await loadCompletionActions()).runCompletion(shell, program, ctx));
}
