/** Option parsers more than one command uses. */

/** For repeatable flags like `-f a.yaml -f b.yaml`. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
