import t from 'tap';
import { printTable, printerFor } from '../../../hub/printers/registry.js';
import { isTable } from '../../../hub/printers/table.js';
import { RESOURCES, type ResourceType } from '../../../shared/api/resources.js';
import type { KubeObject } from '../../../shared/api/object.js';
import { NOW, ago, pod, running } from './fixtures/objects.js';

function resource(kind: string): ResourceType {
  return RESOURCES.find((rt) => rt.kind === kind)!;
}

t.test('printTable answers a meta.k8s.io/v1 Table with one row per object', async (t) => {
  const p = pod('web-1', 1, { phase: 'Running', containerStatuses: [running()] });
  const table = printTable(resource('Pod'), [p as unknown as KubeObject], NOW);
  t.equal(table.kind, 'Table');
  t.equal(table.apiVersion, 'meta.k8s.io/v1');
  t.same(table.columnDefinitions.map((c) => c.name).slice(0, 5), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  t.equal(table.rows.length, 1);
  t.same(table.rows[0]!.cells.slice(0, 5), ['web-1', '1/1', 'Running', '0', '10m']);
  t.same(table.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
  for (const row of table.rows) t.equal(row.cells.length, table.columnDefinitions.length, 'a cell for every column');
});

t.test('every registered kind has its own printer; unknown kinds get NAME and AGE', async (t) => {
  const generic = printerFor({ group: 'example.com', kind: 'Widget' });
  for (const rt of RESOURCES) t.not(printerFor(rt), generic, `${rt.kind} has a specific printer`);
  const unknown = { ...resource('Pod'), group: 'example.com', kind: 'Widget', plural: 'widgets' };
  const table = printTable(unknown, [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', creationTimestamp: ago(30) } }], NOW);
  t.same(table.columnDefinitions.map((c) => c.name), ['Name', 'Age']);
  t.same(table.rows[0]!.cells, ['w', '30s']);
});

t.test('an empty list is a Table with columns and no rows', async (t) => {
  const table = printTable(resource('Node'), [], NOW);
  t.equal(table.rows.length, 0);
  t.ok(table.columnDefinitions.length > 0);
});

t.test('isTable tells a Table from a list or an object', async (t) => {
  t.ok(isTable(printTable(resource('Pod'), [], NOW)));
  t.notOk(isTable({ kind: 'PodList', items: [] }));
  t.notOk(isTable({ kind: 'Table' }));
  t.notOk(isTable(null));
});
