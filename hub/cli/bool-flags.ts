/**
 * kubectl (Go's pflag) takes boolean flags as `--wait` or `--wait=false`, and never lets a bare
 * `--wait` swallow the next argument. Commander's boolean flags take no value, so `--x=true` and
 * `--x=false` are rewritten before parsing: to `--x` or `--no-x` when that differs from the
 * flag's default, and to nothing when it restates the default.
 */

/** Every boolean flag the commands define, with its default. */
export const BOOLEAN_FLAG_DEFAULTS: Readonly<Record<string, boolean>> = {
  wait: true,
  'ignore-not-found': false,
  'all-namespaces': false,
  all: false,
  client: false,
  watch: false,
  'watch-only': false,
  'show-managed-fields': false,
  overwrite: false,
  force: false,
  'ignore-daemonsets': false,
  'delete-emptydir-data': false,
  'insecure-skip-tls-verify': false,
};

export function normalizeBoolFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i)); // everything after -- is an argument, never a flag
      break;
    }
    const match = /^--([a-z][a-z0-9-]*)=(true|false)$/i.exec(arg);
    const flag = match?.[1];
    const fallback = flag === undefined ? undefined : BOOLEAN_FLAG_DEFAULTS[flag];
    if (flag === undefined || fallback === undefined) {
      out.push(arg);
      continue;
    }
    const value = match![2]!.toLowerCase() === 'true';
    if (value !== fallback) out.push(value ? `--${flag}` : `--no-${flag}`);
  }
  return out;
}
