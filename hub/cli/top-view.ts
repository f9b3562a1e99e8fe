/**
 * The rows of `skiff top nodes|pods`, as kubectl 1.32's top prints them (metricsutil's printer):
 * CPU in millicores rounded up ("250m"), memory in whole MiB ("64Mi"), percentages of the node's
 * allocatable as whole numbers ("12%"), and nodes without metrics as <unknown>. Pure.
 */
import { SkiffError } from '../../shared/errors.js';
import { bytes, cpuMillicores, parseQuantity } from '../../shared/api/quantity.js';
import { alignColumns } from './render-table.js';

export interface Usage {
  cpu: string;
  memory: string;
}

export interface NodeMetricsView {
  metadata: { name: string };
  usage: Usage;
}

export interface PodMetricsView {
  metadata: { name: string; namespace: string };
  containers: Array<{ name: string; usage: Usage }>;
}

export interface NodeView {
  metadata: { name?: string };
  status?: { allocatable?: Record<string, string> };
}

export const SORT_KEYS = ['cpu', 'memory'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export function checkSortKey(value: string | undefined): SortKey | undefined {
  if (value === undefined) return undefined;
  if (!(SORT_KEYS as readonly string[]).includes(value)) {
    throw new SkiffError('SKIFF_ERR_CONFIG', `--sort-by: ${JSON.stringify(value)} is not one of ${SORT_KEYS.join(', ')}`);
  }
  return value as SortKey;
}

/** Exact sums, as kubectl adds resource.Quantity values; rounded only when printed. */
interface Measured {
  nanoCpu: number;
  memoryBytes: number;
}

function measure(usage: Usage): Measured {
  return { nanoCpu: Math.round((parseQuantity(usage.cpu) ?? 0) * 1e9), memoryBytes: bytes(usage.memory) };
}

function add(a: Measured, b: Measured): Measured {
  return { nanoCpu: a.nanoCpu + b.nanoCpu, memoryBytes: a.memoryBytes + b.memoryBytes };
}

/** Quantity.MilliValue(): rounded up. */
const milliCpu = (m: Measured): number => Math.ceil(m.nanoCpu / 1e6);
const cpuText = (m: Measured): string => `${milliCpu(m)}m`;
const memoryText = (m: Measured): string => `${Math.floor(m.memoryBytes / 2 ** 20)}Mi`;

function percent(used: number, allocatable: string | undefined, toUnits: (q: string) => number): string {
  if (allocatable === undefined || parseQuantity(allocatable) === undefined) return '<unknown>';
  const total = toUnits(allocatable);
  return total > 0 ? `${Math.floor((used / total) * 100)}%` : '<unknown>';
}

function sortRows<T extends { measured: Measured; name: string }>(rows: T[], sortBy: SortKey | undefined): T[] {
  if (sortBy === 'cpu') return [...rows].sort((a, b) => b.measured.nanoCpu - a.measured.nanoCpu || a.name.localeCompare(b.name));
  if (sortBy === 'memory') return [...rows].sort((a, b) => b.measured.memoryBytes - a.measured.memoryBytes || a.name.localeCompare(b.name));
  return rows;
}

export interface TopOptions {
  sortBy?: SortKey;
  noHeaders?: boolean;
}

export function topNodesLines(metrics: NodeMetricsView[], nodes: NodeView[], options: TopOptions = {}): string[] {
  const allocatable = new Map(nodes.map((n) => [n.metadata.name, n.status?.allocatable ?? {}]));
  const rows = sortRows(
    metrics.map((m) => ({ name: m.metadata.name, measured: measure(m.usage) })),
    options.sortBy,
  );
  const grid = rows.map(({ name, measured }) => {
    const alloc = allocatable.get(name) ?? {};
    return [name, cpuText(measured), percent(milliCpu(measured), alloc.cpu, cpuMillicores), memoryText(measured), percent(measured.memoryBytes, alloc.memory, bytes)];
  });
  // Nodes the hub has no usage for yet (just joined, or silent) are listed last, as kubectl does.
  const measuredNames = new Set(metrics.map((m) => m.metadata.name));
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    if (!measuredNames.has(name)) grid.push([name, '<unknown>', '<unknown>', '<unknown>', '<unknown>']);
  }
  const header = ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'];
  return alignColumns(options.noHeaders ? grid : [header, ...grid]);
}

export function topPodsLines(metrics: PodMetricsView[], options: TopOptions & { containers?: boolean; allNamespaces?: boolean; sum?: boolean } = {}): string[] {
  const header: string[] = [];
  if (options.allNamespaces) header.push('NAMESPACE');
  header.push(...(options.containers ? ['POD', 'NAME'] : ['NAME']), 'CPU(cores)', 'MEMORY(bytes)');
  const rows = sortRows(
    metrics.map((m) => ({ name: m.metadata.name, pod: m, measured: m.containers.map((c) => measure(c.usage)).reduce(add, { nanoCpu: 0, memoryBytes: 0 }) })),
    options.sortBy,
  );
  const grid: string[][] = [];
  let total: Measured = { nanoCpu: 0, memoryBytes: 0 };
  for (const row of rows) {
    const ns = options.allNamespaces ? [row.pod.metadata.namespace] : [];
    total = add(total, row.measured);
    if (options.containers) {
      for (const c of row.pod.containers) {
        const m = measure(c.usage);
        grid.push([...ns, row.name, c.name, cpuText(m), memoryText(m)]);
      }
    } else {
      grid.push([...ns, row.name, cpuText(row.measured), memoryText(row.measured)]);
    }
  }
  if (options.sum && grid.length > 0) {
    // kubectl's --sum: a rule of eight underscores under the CPU and memory columns, then their totals.
    const blanks: string[] = Array(header.length - 2).fill('');
    grid.push([...blanks, '________', '________'], [...blanks, cpuText(total), memoryText(total)]);
  }
  return alignColumns(options.noHeaders ? grid : [header, ...grid]);
}
