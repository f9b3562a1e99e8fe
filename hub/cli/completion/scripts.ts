/** The shells `skiff completion` writes scripts for, and which generator writes each. */
import { bashCompletionScript } from './bash.js';
import type { CompletionTree } from './command-tree.js';
import { fishCompletionScript } from './fish.js';
import { zshCompletionScript } from './zsh.js';

const GENERATORS = {
  bash: bashCompletionScript,
  zsh: zshCompletionScript,
  fish: fishCompletionScript,
} as const satisfies Record<string, (tree: CompletionTree) => string>;

export type CompletionShell = keyof typeof GENERATORS;
export const COMPLETION_SHELLS = Object.keys(GENERATORS) as CompletionShell[];

export function completionScript(shell: CompletionShell, tree: CompletionTree): string {
  return GENERATORS[shell](tree);
}
