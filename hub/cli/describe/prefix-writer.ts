/**
 * kubectl's PrefixWriter (k8s.io/kubectl/pkg/describe): text written at an indentation level of
 * two spaces per level, buffered and aligned on its tabs by Go's tabwriter when flushed.
 */
import { alignTabs } from './tab-writer.js';

export const LEVEL_0 = 0;
export const LEVEL_1 = 1;
export const LEVEL_2 = 2;
export const LEVEL_3 = 3;

/**
 * printers.WriteEscaped: an escape character or carriage return in an object's fields must not
 * drive the user's terminal, so they are written as "^[" and "\\r".
 */
export function escapeTerminal(text: string): string {
  return text.replace(/\x1b/g, '^[').replace(/\r/g, '\\r');
}

export class PrefixWriter {
  private done = '';
  private pending = '';

  /** Text at a level; callers end lines with "\n" themselves, as the Go format strings do. */
  write(level: number, text: string): void {
    this.pending += escapeTerminal('  '.repeat(level) + text);
  }

  /** fmt.Sprintln: the text and a newline, no indentation. */
  writeLine(text = ''): void {
    this.pending += escapeTerminal(`${text}\n`);
  }

  /** Aligns what was written so far on its own; later text starts new column blocks. */
  flush(): void {
    this.done += alignTabs(this.pending);
    this.pending = '';
  }

  toString(): string {
    return this.done + alignTabs(this.pending);
  }
}

/** kubectl's tabbedString: runs a describer body against a fresh writer and returns the text. */
export function tabbedString(body: (w: PrefixWriter) => void): string {
  const w = new PrefixWriter();
  body(w);
  return w.toString();
}
