/**
 * The shape of the command line that shell completion needs, read from the commander program
 * itself (so a completion script can never drift from the command definitions): every command
 * path with its subcommands and aliases, its flags (own, inherited from the program, and the
 * help flag) and what its first positional argument is. The script generators in this folder
 * are pure functions of this plain data.
 */
import type { Command, Option } from 'commander';
import { SkiffError } from '../../../shared/errors.js';

/** What a flag's value is, so that a shell can offer files, directories or namespaces for it. */
export type FlagValue = 'none' | 'file' | 'directory' | 'namespace' | 'other';

export interface CompletionFlag {
  /** `-n` and `--namespace`, or just `--all`. */
  names: string[];
  value: FlagValue;
}

/** What the first positional argument of a command is. */
export type CompletionArgs =
  | { kind: 'none' }
  /** A resource type (pods, deploy, ...), then names of objects of that type, or TYPE/NAME. */
  | { kind: 'resource-type' }
  /** One of a fixed list (commander's Argument.choices). */
  | { kind: 'choices'; values: string[] };

export interface CompletionSubcommand {
  name: string;
  aliases: string[];
}

export interface CompletionNode {
  /** Canonical command names from the root; [] is the program itself. */
  path: string[];
  subcommands: CompletionSubcommand[];
  flags: CompletionFlag[];
  args: CompletionArgs;
}

export interface CompletionTree {
  /** The executable's name, `skiff`. */
  program: string;
  /** Every command, the program first, parents before their subcommands. */
  nodes: CompletionNode[];
  /** Every name a resource type answers to: plurals, singulars and short names. */
  resourceTypes: string[];
  /**
   * Flags copied from the command line into the `skiff get TYPE -o name` a script runs to list
   * object names: the connection flags and the namespace, so names come from the right hub.
   */
  lookupFlags: string[];
}

export interface TreeInputs {
  resourceTypes: string[];
  /** Command paths whose first argument is a resource type, e.g. [['get'], ['delete']]. */
  resourceArgCommands: string[][];
}

// Every word lands unquoted in a shell `case` pattern or word list: refuse anything else.
const SAFE_WORD = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const SAFE_FLAG = /^--?[A-Za-z0-9][A-Za-z0-9-]*$/;

function checked(word: string, pattern: RegExp, what: string): string {
  if (!pattern.test(word)) throw new SkiffError('SKIFF_ERR_INTERNAL', `cannot generate shell completion for ${what} "${word}": only letters, digits, ".", "_", ":" and "-" are safe`);
  return word;
}

/** `<file>`, `<path>`, `<[key=]path>`: a file; `<dir>`: a directory; `--namespace`: a namespace. */
export function flagValueOf(option: Pick<Option, 'flags' | 'long' | 'required' | 'optional'>): FlagValue {
  if (!option.required && !option.optional) return 'none';
  if (option.long === '--namespace') return 'namespace';
  const placeholder = /[<[](.*)[>\]]$/.exec(option.flags.trim())?.[1] ?? '';
  if (/(^|\W)dir$/.test(placeholder)) return 'directory';
  if (/(^|\W)(file|path)$/.test(placeholder)) return 'file';
  return 'other';
}

function flagOf(option: Option): CompletionFlag {
  const names = [option.short, option.long].filter((n): n is string => n !== undefined).map((n) => checked(n, SAFE_FLAG, 'flag'));
  return { names, value: flagValueOf(option) };
}

function argsOf(command: Command, path: string[], resourceArgPaths: Set<string>): CompletionArgs {
  if (resourceArgPaths.has(path.join(' '))) return { kind: 'resource-type' };
  const choices = command.registeredArguments[0]?.argChoices;
  if (choices && choices.length > 0) return { kind: 'choices', values: choices.map((c) => checked(c, SAFE_WORD, 'argument choice')) };
  return { kind: 'none' };
}

/** Walks the program (visible commands and options only, as `--help` shows them). */
export function describeCommandTree(program: Command, inputs: TreeInputs): CompletionTree {
  const help = program.createHelp();
  const programFlags = program.options.filter((o) => !o.hidden).map(flagOf);
  const resourceArgPaths = new Set(inputs.resourceArgCommands.map((p) => p.join(' ')));
  const nodes: CompletionNode[] = [];
  const visit = (command: Command, path: string[], inherited: CompletionFlag[]): void => {
    const subcommands = help.visibleCommands(command);
    const own = help.visibleOptions(command).map(flagOf);
    const ownNames = new Set(own.flatMap((f) => f.names));
    // commander lets a parent's options (the program's, `hub`'s) appear after its subcommands too.
    const flags = [...own, ...inherited.filter((f) => !f.names.some((n) => ownNames.has(n)))];
    nodes.push({
      path,
      subcommands: subcommands.map((c) => ({ name: checked(c.name(), SAFE_WORD, 'command'), aliases: c.aliases().map((a) => checked(a, SAFE_WORD, 'alias')) })),
      flags,
      args: argsOf(command, path, resourceArgPaths),
    });
    for (const sub of subcommands) visit(sub, [...path, sub.name()], flags);
  };
  visit(program, [], []);
  const known = new Set(nodes.map((n) => n.path.join(' ')));
  for (const path of resourceArgPaths) {
    if (!known.has(path)) throw new SkiffError('SKIFF_ERR_INTERNAL', `shell completion: no command "${path}" takes resource types (is it still defined?)`);
  }
  const lookupFlags = [...programFlags.flatMap((f) => f.names), '-n', '--namespace'];
  return {
    program: checked(program.name(), SAFE_WORD, 'program'),
    nodes,
    resourceTypes: inputs.resourceTypes.map((t) => checked(t, SAFE_WORD, 'resource type')),
    lookupFlags,
  };
}
