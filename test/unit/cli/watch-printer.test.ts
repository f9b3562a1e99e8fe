import t from 'tap';
import type { KubeObject } from '../../../shared/api/object.js';
import { resolveResource } from '../../../shared/api/resources.js';
import { alignColumns } from '../../../hub/cli/render-table.js';
import { ObjectWatchPrinter, TableWatchPrinter, type WatchTable } from '../../../hub/cli/watch-printer.js';
import { column, partialObjectMetadata, type TableColumnDefinition } from '../../../hub/printers/table.js';

const columns: TableColumnDefinition[] = [column('Name', 'string', 0, '', 'name'), column('Status', 'string'), column('Age', 'string'), column('Extra', 'string', 1)];

/** A one-Table page as the hub sends it: rows of [name, status, age, extra]; columns only when asked. */
function page(rows: string[][], withColumns = true, namespace = 'default'): WatchTable {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: withColumns ? columns : null,
    rows: rows.map((cells) => ({ cells, object: partialObjectMetadata({ name: cells[0]!, namespace }) })),
  };
}

t.test('kubectl get -w: the header once, then each change on its own, in the widths of the first page', async (t) => {
  const printer = new TableWatchPrinter({});
  t.equal(
    printer.print(page([['default', 'Active', '72s', 'x'], ['kube-system', 'Active', '72s', 'x']]), true),
    'NAME          STATUS   AGE\ndefault       Active   72s\nkube-system   Active   72s\n',
  );
  t.equal(printer.print(page([['a', 'Active', '0s', 'x']], false), true), 'a             Active   0s\n', 'a short row keeps the columns');
  // A wider cell widens its column from then on (tabwriter.RememberWidths), never back.
  t.equal(printer.print(page([['a-very-long-namespace-name-here', 'Active', '0s', 'x']], false), true), 'a-very-long-namespace-name-here   Active   0s\n');
  t.equal(printer.print(page([['bb', 'Terminating', '2s', 'x']], false), true), 'bb                                Terminating   2s\n');
  t.equal(printer.print(page([['bb', 'Active', '2s', 'x']], false), true), 'bb                                Active        2s\n');
  t.equal(printer.print(page([['bb', 'Active', '2s', 'x']], true), true), 'bb                                Active        2s\n', 'the same columns again print no header');
});

t.test('no header for a page without rows; it comes with the first row', async (t) => {
  const printer = new TableWatchPrinter({});
  t.equal(printer.print(page([]), true), '');
  t.equal(printer.print(page([['a', 'Active', '0s', 'x']], false), true), 'NAME   STATUS   AGE\na      Active   0s\n', 'columns remembered from the empty page');
});

t.test('--watch-only and the synthetic first event print nothing, but the columns are remembered', async (t) => {
  const printer = new TableWatchPrinter({});
  t.equal(printer.print(page([['web', 'Active', '1s', 'x']]), false), '');
  t.equal(printer.print(page([['web', 'Active', '2s', 'x']], false), false), '');
  t.equal(printer.print(page([['web', 'Terminating', '3s', 'x']], false), true), 'NAME   STATUS        AGE\nweb    Terminating   3s\n');
});

t.test('new columns print a new header; -o wide and -A shape the rows as get does', async (t) => {
  const printer = new TableWatchPrinter({ wide: true, withNamespace: true });
  t.equal(printer.print(page([['a', 'Active', '0s', 'x']], true, 'edge'), true), 'NAMESPACE   NAME   STATUS   AGE   EXTRA\nedge        a      Active   0s    x\n');
  const other = { ...page([['b', 'Active', '0s', 'x']], true, 'edge'), columnDefinitions: columns.slice(0, 2) };
  t.equal(printer.print(other, true), 'NAMESPACE   NAME   STATUS\nedge        b      Active\n');
});

t.test('alignColumns without remembered widths is unchanged; with them it widens and remembers', async (t) => {
  t.same(alignColumns([['A', 'B'], ['xx', 'y']]), ['A     B', 'xx    y']);
  const remembered = [10];
  t.same(alignColumns([['a', 'b']], remembered), ['a         b']);
  t.same(alignColumns([['a-long-name-here', 'b']], remembered), ['a-long-name-here   b']);
  t.same(remembered, [19]);
});

const pods = resolveResource('pods')!;
const deployments = resolveResource('deployments')!;
const web: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } };

t.test('-o name prints kind/name per object, -o json each object whole', async (t) => {
  const names = new ObjectWatchPrinter('name', deployments);
  t.equal(names.print(web, true), 'deployment.apps/web\n');
  t.equal(names.print(web, false), '');
  const json = new ObjectWatchPrinter('json', pods);
  const item = { metadata: { name: 'p' } } as KubeObject; // list items may come without apiVersion and kind
  t.equal(json.print(item, true), '{\n    "metadata": {\n        "name": "p"\n    },\n    "apiVersion": "v1",\n    "kind": "Pod"\n}\n');
});

t.test('-o yaml separates the documents with --- as kubectl does', async (t) => {
  const yaml = new ObjectWatchPrinter('yaml', deployments);
  t.equal(yaml.print(web, false), '', 'a suppressed object does not count');
  t.equal(yaml.print(web, true), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\n');
  t.equal(yaml.print(web, true), '---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\n');
});
