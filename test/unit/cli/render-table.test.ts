import t from 'tap';
import { alignColumns, cellText, renderTable } from '../../../hub/cli/render-table.js';
import { column, partialObjectMetadata, type Table } from '../../../hub/printers/table.js';

function table(rows: Array<{ ns: string; cells: Table['rows'][number]['cells'] }>): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: [
      column('Name', 'string', 0, '', 'name'),
      column('Ready', 'string'),
      column('Status', 'string'),
      column('Restarts', 'string'),
      column('Age', 'string'),
      column('IP', 'string', 1),
      column('Node', 'string', 1),
    ],
    rows: rows.map(({ ns, cells }) => ({ cells, object: partialObjectMetadata({ name: String(cells[0]), namespace: ns }) })),
  };
}

const pods = table([
  { ns: 'default', cells: ['nginx', '1/1', 'Running', '0', '5m', '10.42.0.7', 'pi-1'] },
  { ns: 'edge', cells: ['sensor-reader-7d9f', '0/1', 'CrashLoopBackOff', '4 (35s ago)', '12m', '10.42.1.3', 'pi-2'] },
]);

t.test('renders kubectl layout: upper-case headers, 3-space gutters, left aligned', async (t) => {
  t.same(renderTable(pods), [
    'NAME                 READY   STATUS             RESTARTS      AGE',
    'nginx                1/1     Running            0             5m',
    'sensor-reader-7d9f   0/1     CrashLoopBackOff   4 (35s ago)   12m',
  ]);
});

t.test('-o wide adds the priority-1 columns', async (t) => {
  t.same(renderTable(pods, { wide: true }), [
    'NAME                 READY   STATUS             RESTARTS      AGE   IP          NODE',
    'nginx                1/1     Running            0             5m    10.42.0.7   pi-1',
    'sensor-reader-7d9f   0/1     CrashLoopBackOff   4 (35s ago)   12m   10.42.1.3   pi-2',
  ]);
});

t.test('-A adds a leading NAMESPACE column from each row object', async (t) => {
  t.same(renderTable(pods, { withNamespace: true }).map((l) => l.slice(0, 33)), [
    'NAMESPACE   NAME                 ',
    'default     nginx                ',
    'edge        sensor-reader-7d9f   ',
  ]);
});

t.test('several kinds on screen: the name column carries the kind', async (t) => {
  t.equal(renderTable(pods, { kindPrefix: 'pod' })[1]!.startsWith('pod/nginx   '), true);
});

t.test('no line ends in whitespace, even when the last cell is empty', async (t) => {
  const lines = alignColumns([
    ['NAME', 'SELECTOR'],
    ['web', ''],
  ]);
  t.same(lines, ['NAME   SELECTOR', 'web']);
});

t.test("columns are at least 6 wide (tabwriter's minwidth) and count code points", async (t) => {
  t.same(alignColumns([['A', 'B'], ['é', 'x']]), ['A     B', 'é     x']);
});

t.test('cells print like Go %v, a missing cell as <none>', async (t) => {
  t.equal(cellText(3), '3');
  t.equal(cellText(true), 'true');
  t.equal(cellText(null), '<none>');
  t.equal(cellText(undefined), '<none>');
  t.equal(cellText(''), '');
});
