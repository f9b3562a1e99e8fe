/**
 * Colour in the CLI: only on a terminal, never with NO_COLOR (https://no-color.org: set and not
 * empty) or TERM=dumb, so pipes, scripts and logs always read plain text exactly as kubectl's.
 * Only the CLI's own labels are coloured (an error's or a warning's prefix, a finished rollout):
 * tables never are (ANSI codes would break their alignment and scripts that cut columns), and
 * text passed through from a container (exec, logs) is never touched.
 */

export type Tone = 'error' | 'warning' | 'success';

/** SGR codes: red, yellow, green; 39 resets the foreground only. */
const TONE_CODES: Record<Tone, string> = { error: '31', warning: '33', success: '32' };

export interface Colour {
  enabled: boolean;
  paint(tone: Tone, text: string): string;
  /** Colours a line's leading label (`error:`, `Error from server (NotFound):`, `Warning:`) and leaves the rest plain. */
  label(line: string): string;
}

export function colourEnabled(isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY === true;
}

/** The labels the CLI prints at the start of a line, and their tone. */
const LABELS: Array<[RegExp, Tone]> = [
  [/^(error:|Error from server(?: \([A-Za-z]+\))?:)/, 'error'],
  [/^([Ww]arning:)/, 'warning'],
];

export function colour(enabled: boolean): Colour {
  const paint = (tone: Tone, text: string): string => (enabled ? `\u001b[${TONE_CODES[tone]}m${text}\u001b[39m` : text);
  return {
    enabled,
    paint,
    label(line) {
      for (const [pattern, tone] of LABELS) {
        const match = pattern.exec(line);
        if (match) return paint(tone, match[1]!) + line.slice(match[1]!.length);
      }
      return line;
    },
  };
}
