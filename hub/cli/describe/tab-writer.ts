/**
 * Go's text/tabwriter as kubectl's describers configure it (tabbedString: minwidth 0, tabwidth 8,
 * padding 2, padchar ' ', no flags), ported cell for cell so that describe output lines up
 * exactly as kubectl's does.
 *
 * The rules that matter: a cell is text terminated by a tab; the text after a line's last tab is
 * not a cell of any column and is never padded. A column is aligned only over a block of
 * *consecutive* lines that all have a cell in it, so a line with fewer cells (say "Containers:")
 * ends the blocks of the columns it lacks, and the lines after it align on their own.
 */

/** tabbedString's padding: two spaces between a column's widest cell and the next. */
const PADDING = 2;
/** tabbedString's minwidth. */
const MIN_WIDTH = 0;

/** Go's tabwriter measures cells in runes (code points), not UTF-16 units. */
function runeCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Aligns one flushed segment of text. Lines are separated by "\n"; a trailing partial line (no
 * newline) is written as is, like the writer's last buffered line.
 */
export function alignTabs(text: string): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const out: string[] = [];
  format(lines, [], 0, lines.length, out);
  return out.join('\n');
}

/** tabwriter.format: finds the column blocks at depth widths.length and recurses into each. */
function format(lines: string[][], widths: number[], first: number, end: number, out: string[]): void {
  const column = widths.length;
  let line0 = first;
  for (let i = first; i < end; i++) {
    if (column >= lines[i]!.length - 1) continue;
    // This line has a cell in the column: print what came before, then size the block.
    writeLines(lines, widths, line0, i, out);
    line0 = i;
    let width = MIN_WIDTH;
    for (; i < end; i++) {
      const line = lines[i]!;
      if (column >= line.length - 1) break;
      width = Math.max(width, runeCount(line[column]!) + PADDING);
    }
    format(lines, [...widths, width], line0, i, out);
    line0 = i;
  }
  writeLines(lines, widths, line0, end, out);
}

/** tabwriter.writeLines: every cell with a known column width is padded to it with spaces. */
function writeLines(lines: string[][], widths: number[], from: number, to: number, out: string[]): void {
  for (let i = from; i < to; i++) {
    out.push(lines[i]!.map((cell, j) => (j < widths.length ? cell + ' '.repeat(widths[j]! - runeCount(cell)) : cell)).join(''));
  }
}
