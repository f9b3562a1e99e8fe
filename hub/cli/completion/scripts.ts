/** The shells `skiff completion` writes scripts for, and which generator writes each. */
import { bashCompletionScript } from './bash.js';
import type { CompletionTree } from './command-tree.js';
import { fishCompletionScript } from './fish.js';
import { zshCompletionScript } from './zsh.js';
import type { CompletionShell } from './shells.js';

export { COMPLETION_SHELLS, type CompletionShell } from './shells.js';

const GENERATORS = {
  bash: bashCompletionScript,
  zsh: zshCompletionScript,
  fish: fishCompletionScript,
} as const satisfies Record<CompletionShell, (tree: CompletionTree) => string>;

export function completionScript(shell: CompletionShell, tree: CompletionTree): string {
  return GENERATORS[shell](tree);
}
