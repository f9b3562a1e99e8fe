/**
 * The shells `skiff completion` writes scripts for, apart from the generators (scripts.ts): the
 * command's argument choices name them, and building the command tree must not load the generators.
 */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;

export type CompletionShell = (typeof COMPLETION_SHELLS)[number];
