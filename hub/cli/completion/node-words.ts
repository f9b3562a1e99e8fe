/**
 * One command of the tree as the word lists a completion script tests words against (every
 * shell's script is a table of these plus a small engine), and the alias table.
 */
import type { CompletionNode, CompletionTree } from './command-tree.js';

export interface NodeWords {
  /** The command path joined by spaces; '' for the program. */
  key: string;
  /** Subcommand names and their aliases. */
  subcommands: string[];
  flags: string[];
  /** Flags that take a value (the next word is that value, not an argument). */
  valueFlags: string[];
  fileFlags: string[];
  directoryFlags: string[];
  namespaceFlags: string[];
  args: CompletionNode['args']['kind'];
  choices: string[];
}

function flagNames(node: CompletionNode, keep: (value: CompletionNode['flags'][number]['value']) => boolean): string[] {
  return node.flags.filter((f) => keep(f.value)).flatMap((f) => f.names);
}

export function nodeWords(node: CompletionNode): NodeWords {
  return {
    key: node.path.join(' '),
    subcommands: node.subcommands.flatMap((s) => [s.name, ...s.aliases]),
    flags: flagNames(node, () => true),
    valueFlags: flagNames(node, (v) => v !== 'none'),
    fileFlags: flagNames(node, (v) => v === 'file'),
    directoryFlags: flagNames(node, (v) => v === 'directory'),
    namespaceFlags: flagNames(node, (v) => v === 'namespace'),
    args: node.args.kind,
    choices: node.args.kind === 'choices' ? node.args.values : [],
  };
}

/**
 * The shell variables a script sets for one command, each with its words, empty lists left out
 * (the scripts' engines read these names). One table for every shell; each writes it in its own
 * assignment syntax.
 */
export function nodeVariables(node: NodeWords): Array<[string, string]> {
  const lists: Array<[string, string[]]> = [
    ['__skiff_subs', node.subcommands],
    ['__skiff_flags', node.flags],
    ['__skiff_value_flags', node.valueFlags],
    ['__skiff_file_flags', node.fileFlags],
    ['__skiff_dir_flags', node.directoryFlags],
    ['__skiff_namespace_flags', node.namespaceFlags],
    ['__skiff_choices', node.choices],
  ];
  const variables = lists.filter(([, words]) => words.length > 0).map(([name, words]): [string, string] => [name, words.join(' ')]);
  if (node.args !== 'none') variables.push(['__skiff_args', node.args]);
  return variables;
}

export interface AliasEntry {
  /** The parent's path joined by spaces. */
  parent: string;
  aliases: string[];
  name: string;
}

/** Every alias with the canonical name it stands for, under its parent command. */
export function aliasEntries(tree: CompletionTree): AliasEntry[] {
  return tree.nodes.flatMap((node) =>
    node.subcommands.filter((s) => s.aliases.length > 0).map((s) => ({ parent: node.path.join(' '), aliases: s.aliases, name: s.name })),
  );
}
