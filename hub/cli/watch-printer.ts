/**
 * How `get -w` prints, as kubectl 1.32 does (k8s.io/cli-runtime HumanReadablePrinter and
 * kubectl's skipPrinter, on one tabwriter with RememberWidths that is flushed after every
 * event): the header once, then each change as its own rows; columns keep the widths they had
 * (and widen for good when a wider cell comes). Pure: it returns text, the caller writes it.
 */
import type { KubeObject } from '../../shared/api/object.js';
import type { ResourceType } from '../../shared/api/resources.js';
import type { Table, TableColumnDefinition } from '../printers/table.js';
import { documentFor, formatJson, formatNames, formatYaml } from './output-format.js';
import { alignColumns, tableToGrid, type RenderOptions } from './render-table.js';

/** A Table as watch events carry it: after the first event the server sends no columns. */
export type WatchTable = Omit<Table, 'columnDefinitions'> & { columnDefinitions?: TableColumnDefinition[] | null };

export interface WatchPrinter {
  /**
   * The text for one Table (table formats) or object (json, yaml, name). With `show` false
   * nothing is printed (kubectl's skipPrinter, for --watch-only and for the synthetic first
   * event of a single-object watch), but a Table's columns are still remembered.
   */
  print(item: unknown, show: boolean): string;
}

export class TableWatchPrinter implements WatchPrinter {
  private lastColumns: TableColumnDefinition[] = [];
  private printedHeaders = false;
  /** The tabwriter's remembered column widths. */
  private readonly widths: number[] = [];

  constructor(private readonly options: RenderOptions) {}

  print(item: unknown, show: boolean): string {
    const table = item as WatchTable;
    const columns = table.columnDefinitions ?? [];
    const rows = show ? table.rows : [];
    // No header again unless the columns changed.
    const noHeaders = this.printedHeaders && (columns.length === 0 || sameColumns(columns, this.lastColumns));
    if (columns.length > 0 && !sameColumns(columns, this.lastColumns)) {
      this.lastColumns = columns;
      this.printedHeaders = false;
    }
    // kubectl prints not even a header for a Table without rows.
    if (rows.length === 0) return '';
    this.printedHeaders = true;
    const grid = tableToGrid({ ...table, columnDefinitions: this.lastColumns, rows }, this.options);
    return alignColumns(noHeaders ? grid.slice(1) : grid, this.widths)
      .map((line) => `${line}\n`)
      .join('');
  }
}

function sameColumns(a: TableColumnDefinition[], b: TableColumnDefinition[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `-o json|yaml|name`: every object on its own; YAML documents are separated by `---` as kubectl's YAMLPrinter does. */
export class ObjectWatchPrinter implements WatchPrinter {
  private printed = 0;

  constructor(
    private readonly format: 'json' | 'yaml' | 'name',
    private readonly resource: ResourceType,
  ) {}

  print(item: unknown, show: boolean): string {
    if (!show) return '';
    const fetched = { resource: this.resource, object: item as KubeObject };
    if (this.format === 'name') return `${formatNames([fetched])[0]}\n`;
    const document = documentFor([fetched], true);
    if (this.format === 'json') return formatJson(document);
    return `${this.printed++ > 0 ? '---\n' : ''}${formatYaml(document)}`;
  }
}
