/**
 * Renders a meta.k8s.io Table as kubectl's human-readable printer does: upper-case headers,
 * cells left aligned in columns padded to the widest cell plus 3 spaces (Go's tabwriter with
 * kubectl's settings: minwidth 6, padding 3), the last column unpadded.
 */
import type { Table, TableCell } from '../printers/table.js';

export interface RenderOptions {
  /** `-o wide`: show columns of every priority, not just priority 0. */
  wide?: boolean;
  /** `-A`: a leading NAMESPACE column from each row's object metadata. */
  withNamespace?: boolean;
  /** When several kinds are printed, names read "deployment.apps/web" (kubectl's printWithKind). */
  kindPrefix?: string;
}

const TABWRITER_MIN_WIDTH = 6;
const TABWRITER_PADDING = 3;

export function tableToGrid(table: Table, options: RenderOptions = {}): string[][] {
  const shown = table.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) => options.wide || c.priority === 0);
  const header = shown.map(({ c }) => c.name.toUpperCase());
  const rows = table.rows.map((row) =>
    shown.map(({ c, i }) => {
      const text = cellText(row.cells[i]);
      return c.format === 'name' && options.kindPrefix ? `${options.kindPrefix}/${text}` : text;
    }),
  );
  if (!options.withNamespace) return [header, ...rows];
  return [['NAMESPACE', ...header], ...table.rows.map((row, r) => [row.object?.metadata?.namespace ?? '', ...rows[r]!])];
}

/** kubectl prints a missing cell as <none> and everything else with Go's %v. */
export function cellText(cell: TableCell | undefined): string {
  if (cell === null || cell === undefined) return '<none>';
  return String(cell);
}

/**
 * `remembered`, when given, is kubectl's tabwriter.RememberWidths: the widest each column has
 * been in earlier blocks (`get -w` prints every change as its own block). Columns never shrink
 * below it, and it is updated in place with this block's widths.
 */
export function alignColumns(grid: string[][], remembered?: number[]): string[] {
  const columns = Math.max(0, ...grid.map((r) => r.length));
  const widths: number[] = [];
  for (let col = 0; col < columns - 1; col++) {
    const widest = Math.max(0, ...grid.map((r) => displayWidth(r[col] ?? '')));
    widths.push(Math.max(TABWRITER_MIN_WIDTH, widest + TABWRITER_PADDING, remembered?.[col] ?? 0));
    if (remembered) remembered[col] = widths[col]!;
  }
  return grid.map((row) =>
    row
      .map((cell, col) => (col < row.length - 1 ? cell + ' '.repeat(widths[col]! - displayWidth(cell)) : cell))
      .join('')
      // an empty last cell would otherwise leave the padding of the one before it
      .trimEnd(),
  );
}

export function renderTable(table: Table, options: RenderOptions = {}): string[] {
  return alignColumns(tableToGrid(table, options));
}

/** Go's tabwriter counts runes (code points), not UTF-16 units. */
function displayWidth(text: string): number {
  return [...text].length;
}
