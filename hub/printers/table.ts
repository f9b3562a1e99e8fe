/**
 * meta.k8s.io/v1 Table, the shape the hub answers with when a client sends
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (as kube-apiserver does), so that the
 * CLI renders columns the server chose and never re-derives a pod's STATUS itself.
 */
import type { ObjectMeta } from '../../shared/api/schema/meta.js';

/** The Accept header that asks for a Table instead of the objects. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io';

export interface TableColumnDefinition {
  name: string;
  /** OpenAPI type of the cells: 'string' | 'integer' | 'number' | 'boolean'. */
  type: string;
  /** 'name' marks the column holding the object's name (kubectl prefixes it with the kind). */
  format: string;
  description: string;
  /** 0 is shown by default; higher only with `-o wide`. */
  priority: number;
}

export type TableCell = string | number | boolean | null;

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  object: PartialObjectMetadata;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** Shorthand for the column lists of the printers (format is "name" only for the NAME column). */
export function column(name: string, type: string, priority = 0, description = '', format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

export const NAME_COLUMN = column('Name', 'string', 0, 'Name must be unique within a namespace.', 'name');
export const AGE_COLUMN = column('Age', 'string', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.');

export function partialObjectMetadata(metadata: ObjectMeta): PartialObjectMetadata {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

export function isTable(value: unknown): value is Table {
  const v = value as Partial<Table> | null;
  return typeof v === 'object' && v !== null && v.kind === 'Table' && Array.isArray(v.columnDefinitions) && Array.isArray(v.rows);
}
