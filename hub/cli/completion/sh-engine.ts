/**
 * The part of the bash and zsh completion scripts that both shells run alike: the command table
 * generated from the tree, and the engine that walks the words typed so far (resolving aliases,
 * skipping flags and their values) and decides what the word being completed can be. It uses
 * only what bash and zsh share (`[[ ]]`, `case`, `(( ))`, `"$@"`, arrays appended with +=, no
 * indexing and no unquoted word splitting of variables), so one text serves both; bash.ts and
 * zsh.ts add how each shell hands over the words and takes the answer back.
 */
import type { CompletionTree } from './command-tree.js';
import { aliasEntries, nodeVariables, nodeWords, type NodeWords } from './node-words.js';

/** Variables the engine sets; each shell's entry function makes them local. */
export const ENGINE_SCALARS = [
  '__skiff_command',
  '__skiff_path',
  '__skiff_positionals',
  '__skiff_first_arg',
  '__skiff_pending',
  '__skiff_dashdash',
  '__skiff_kind',
  '__skiff_words',
  '__skiff_subs',
  '__skiff_flags',
  '__skiff_value_flags',
  '__skiff_file_flags',
  '__skiff_dir_flags',
  '__skiff_namespace_flags',
  '__skiff_args',
  '__skiff_choices',
  'REPLY',
] as const;
export const ENGINE_ARRAYS = ['__skiff_lookup'] as const;

const quoted = (word: string): string => `'${word}'`;

function nodeCase(node: NodeWords): string {
  const lines = nodeVariables(node).map(([name, value]) => `      ${name}=${quoted(value)}`);
  return `    ${quoted(node.key)})\n${lines.join('\n')}\n      ;;`;
}

function aliasCase(tree: CompletionTree): string {
  const cases = aliasEntries(tree).map((e) => `    ${e.aliases.map((a) => quoted(`${e.parent}>${a}`)).join('|')}) REPLY=${e.name} ;;`);
  return [...cases, '    *) REPLY=$2 ;;'].join('\n');
}

export function shEngine(tree: CompletionTree): string {
  return `__skiff_resource_types=${quoted(tree.resourceTypes.join(' '))}
__skiff_lookup_flags=${quoted(tree.lookupFlags.join(' '))}

# The words a command accepts after it: __skiff_node PATH sets them for that command.
__skiff_node() {
  __skiff_subs='' __skiff_flags='' __skiff_value_flags='' __skiff_file_flags='' __skiff_dir_flags='' __skiff_namespace_flags='' __skiff_args=none __skiff_choices=''
  case "$1" in
${tree.nodes.map((n) => nodeCase(nodeWords(n))).join('\n')}
  esac
}

# __skiff_canonical PARENT WORD sets REPLY to the command name WORD stands for (it may be an alias).
__skiff_canonical() {
  case "$1>$2" in
${aliasCase(tree)}
  esac
}

# Names of the objects of type $1 from the hub (skiff get TYPE -o name, with the connection and
# namespace flags typed so far); nothing at all when no hub answers within 5 seconds.
__skiff_object_names() {
  local line
  local -a lookup
  lookup=("$__skiff_command" get "$1" -o name "\${__skiff_lookup[@]}")
  if command -v timeout >/dev/null 2>&1; then lookup=(timeout 5 "\${lookup[@]}"); fi
  "\${lookup[@]}" 2>/dev/null </dev/null | while IFS= read -r line; do printf '%s\\n' "\${line##*/}"; done
}

# Walks the words between the program name and the word being completed.
__skiff_walk() {
  __skiff_path='' __skiff_positionals=0 __skiff_first_arg='' __skiff_pending='' __skiff_dashdash=''
  __skiff_lookup=()
  __skiff_node ''
  local word
  for word in "$@"; do
    # bash splits --flag=value into --flag, = and value: the word after = is a value.
    if [[ $word == = ]]; then __skiff_pending=\${__skiff_pending:-=}; continue; fi
    if [[ -n $__skiff_pending ]]; then
      if [[ " $__skiff_lookup_flags " == *" $__skiff_pending "* ]]; then __skiff_lookup+=("$__skiff_pending" "$word"); fi
      __skiff_pending=''
      continue
    fi
    if [[ -n $__skiff_dashdash ]]; then continue; fi
    case "$word" in
      --) __skiff_dashdash=1; continue ;;
      -*=*)
        if [[ " $__skiff_lookup_flags " == *" \${word%%=*} "* ]]; then __skiff_lookup+=("$word"); fi
        continue ;;
      -?*)
        if [[ " $__skiff_value_flags " == *" $word "* ]]; then __skiff_pending=$word
        elif [[ " $__skiff_lookup_flags " == *" $word "* ]]; then __skiff_lookup+=("$word"); fi
        continue ;;
    esac
    if (( __skiff_positionals == 0 )) && [[ " $__skiff_subs " == *" $word "* ]]; then
      __skiff_canonical "$__skiff_path" "$word"
      __skiff_path=\${__skiff_path:+$__skiff_path }$REPLY
      __skiff_node "$__skiff_path"
      continue
    fi
    if (( __skiff_positionals == 0 )); then __skiff_first_arg=$word; fi
    __skiff_positionals=$(( __skiff_positionals + 1 ))
  done
}

# What the word being completed ($1) can be, after __skiff_walk: __skiff_kind is words (the
# candidates are in __skiff_words, not yet filtered by what is typed), file, directory, or empty.
__skiff_candidates() {
  local cur=$1 name type
  __skiff_kind=words __skiff_words=''
  if [[ -n $__skiff_dashdash ]]; then __skiff_kind=''; return; fi
  if [[ -n $__skiff_pending ]]; then
    if [[ " $__skiff_file_flags " == *" $__skiff_pending "* ]]; then __skiff_kind=file
    elif [[ " $__skiff_dir_flags " == *" $__skiff_pending "* ]]; then __skiff_kind=directory
    elif [[ " $__skiff_namespace_flags " == *" $__skiff_pending "* ]]; then __skiff_words=$(__skiff_object_names namespaces)
    else __skiff_kind=''; fi
    return
  fi
  if [[ $cur == -* ]]; then __skiff_words=$__skiff_flags; return; fi
  if (( __skiff_positionals == 0 )) && [[ -n $__skiff_subs ]]; then __skiff_words=$__skiff_subs; return; fi
  case $__skiff_args in
    choices)
      if (( __skiff_positionals == 0 )); then __skiff_words=$__skiff_choices; fi ;;
    resource-type)
      if (( __skiff_positionals == 0 )) && [[ $cur == */* ]]; then
        type=\${cur%%/*}
        for name in $(__skiff_object_names "$type"); do __skiff_words+=" $type/$name"; done
      elif (( __skiff_positionals == 0 )); then
        __skiff_words=$__skiff_resource_types
      elif [[ $__skiff_first_arg != */* ]]; then
        __skiff_words=$(__skiff_object_names "$__skiff_first_arg")
      fi ;;
  esac
}
`;
}
