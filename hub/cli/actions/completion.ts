/** `skiff completion bash|zsh|fish`: prints a completion script generated from the command tree itself. */
import type { Command } from 'commander';
import { RESOURCES } from '../../../shared/api/resources.js';
import { describeCommandTree, type CompletionTree } from '../completion/command-tree.js';
import { completionScript, type CompletionShell } from '../completion/scripts.js';
import type { CliContext } from '../context.js';

/** Commands whose first argument is a resource type (TYPE NAME... or TYPE/NAME...). */
export const RESOURCE_ARGUMENT_COMMANDS: readonly string[][] = [['get'], ['describe'], ['delete'], ['label']];

/** Every name a resource type answers to on the command line (resolveResource's plural, singular, short names). */
export function resourceTypeWords(): string[] {
  return [...new Set(RESOURCES.flatMap((rt) => [rt.plural, rt.singular, ...rt.shortNames]))];
}

export function completionTreeOf(program: Command): CompletionTree {
  return describeCommandTree(program, { resourceTypes: resourceTypeWords(), resourceArgCommands: [...RESOURCE_ARGUMENT_COMMANDS] });
}

export function runCompletion(shell: CompletionShell, program: Command, ctx: CliContext): void {
  ctx.io.stdout(completionScript(shell, completionTreeOf(program)));
}
