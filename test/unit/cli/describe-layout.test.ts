/**
 * The layout pieces every describer shares: Go's tabwriter as kubectl configures it, the
 * PrefixWriter's levels, RFC1123Z timestamps, canonical quantities and the multi-line fields.
 */
import t from 'tap';
import { printAnnotationsMultiline, printLabelsMultiline, printNodeTaintsMultiline, printTolerationsMultiline } from '../../../hub/cli/describe/multiline.js';
import { LEVEL_0, LEVEL_1, LEVEL_2, PrefixWriter, tabbedString } from '../../../hub/cli/describe/prefix-writer.js';
import { addQuantity, formatQuantity, milliValue, parseQuantityText, quantityString, wholeValue } from '../../../shared/api/quantity-text.js';
import { alignTabs } from '../../../hub/cli/describe/tab-writer.js';
import { ZERO_TIME, formatTime, rfc1123z } from '../../../hub/cli/describe/time-format.js';

t.test('tabwriter: a column is as wide as its widest cell plus two, over consecutive lines only', async (t) => {
  t.equal(alignTabs('Name:\tweb\nNamespace:\tdefault\n'), 'Name:       web\nNamespace:  default\n');
  // "IPs:" has no cell in column 0, so the lines after it form a new block (kubectl's "Controlled By:").
  t.equal(alignTabs('Name:\tweb\nIPs:\n  IP:\t10.0.0.1\nControlled By:\tReplicaSet/web\n'), 'Name:  web\nIPs:\n  IP:           10.0.0.1\nControlled By:  ReplicaSet/web\n');
  // Column 1 exists only on the middle lines: it aligns among them alone.
  t.equal(alignTabs('a\tb\nccc\td\te\nf\tgg\th\ni\tj\n'), 'a    b\nccc  d   e\nf    gg  h\ni    j\n');
});

t.test('tabwriter: empty cells are padded, the text after the last tab never is, width counts runes', async (t) => {
  t.equal(alignTabs('Namespace\tName\t\tAge\nedge\tx\t\t5m\n'), 'Namespace  Name    Age\nedge       x       5m\n');
  t.equal(alignTabs('Ready\tTrue \nPodScheduled\tTrue \n'), 'Ready         True \nPodScheduled  True \n', 'trailing spaces in the last cell stay');
  t.equal(alignTabs('héllo\tx\nab\ty\n'), 'héllo  x\nab     y\n');
  t.equal(alignTabs('no tabs at all\n'), 'no tabs at all\n');
  t.equal(alignTabs('partial\tline'), 'partial  line', 'a last line without newline is written as is');
});

t.test('PrefixWriter: two spaces per level; flush ends every column block', async (t) => {
  const text = tabbedString((w) => {
    w.write(LEVEL_0, 'Containers:\n');
    w.write(LEVEL_1, 'web:\n');
    w.write(LEVEL_2, 'Image:\tnginx\n');
    w.write(LEVEL_0, 'Labels:\t');
    w.writeLine('<none>');
  });
  t.equal(text, 'Containers:\n  web:\n    Image:  nginx\nLabels:     <none>\n');
  const w = new PrefixWriter();
  w.write(LEVEL_0, 'Tolerations:\t<none>\n');
  w.flush();
  w.write(LEVEL_1, 'Type\tReason\n');
  t.equal(w.toString(), 'Tolerations:  <none>\n  Type  Reason\n');
});

t.test('terminal control characters in object fields are written escaped (WriteEscaped)', async (t) => {
  t.equal(tabbedString((w) => w.write(LEVEL_0, 'Message:\tred \x1b[31malert\r\n')), 'Message:  red ^[[31malert\\r\n');
});

t.test('RFC1123Z timestamps in a given zone, and Go\'s zero time for an unset one', async (t) => {
  const at = new Date('2025-03-14T09:26:53Z');
  t.equal(rfc1123z(at, 0), 'Fri, 14 Mar 2025 09:26:53 +0000');
  t.equal(rfc1123z(at, -420), 'Fri, 14 Mar 2025 02:26:53 -0700');
  t.equal(rfc1123z(at, 345), 'Fri, 14 Mar 2025 15:11:53 +0545');
  t.equal(rfc1123z(new Date('2024-01-07T23:30:00Z'), 60), 'Mon, 08 Jan 2024 00:30:00 +0100', 'the day rolls over with the zone');
  const clock = { now: at, utcOffsetMinutes: 0 };
  t.equal(formatTime(undefined, clock), ZERO_TIME);
  t.equal(formatTime('not a time', clock), 'Mon, 01 Jan 0001 00:00:00 +0000');
  t.match(formatTime('2025-03-14T09:26:53Z', { now: at }), /^Fri, 14 Mar 2025 \d\d:\d\d:53 [+-]\d{4}$/, 'the local zone by default');
});

t.test('quantities print in their canonical form, as resource.Quantity.String()', async (t) => {
  const cases: Array<[string | number, string]> = [
    ['0.5', '500m'],
    ['0.25', '250m'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['2', '2'],
    [2, '2'],
    ['0', '0'],
    ['128Mi', '128Mi'],
    ['1024Ki', '1Mi'],
    ['1536Mi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['1000Ki', '1000Ki'],
    ['512', '512'],
    ['0.5Ki', '512'],
    ['1G', '1G'],
    ['1000M', '1G'],
    ['1.5k', '1500'],
    ['128974848', '128974848'],
    ['1e3', '1e3'],
    ['100u', '100u'],
    ['0.1m', '100u'],
    ['1n', '1n'],
    ['-1', '-1'],
  ];
  for (const [text, expected] of cases) t.equal(formatQuantity(text), expected, String(text));
  t.equal(formatQuantity('lots'), 'lots', 'not a quantity: shown as is');
});

t.test('quantity sums keep the first term\'s format; values round up', async (t) => {
  const q = (text: string) => parseQuantityText(text)!;
  t.equal(quantityString(addQuantity(q('64Mi'), q('1Gi'))), '1088Mi');
  t.equal(quantityString(addQuantity(q('500m'), q('0.5'))), '1');
  t.equal(quantityString(addQuantity(q('1'), q('1Ki'))), '1025', 'a decimal first term keeps the sum decimal');
  t.equal(quantityString(addQuantity(undefined, q('1Ki'))), '1Ki');
  t.equal(milliValue(q('1n')), 1);
  t.equal(wholeValue(q('1500m')), 2);
  t.equal(wholeValue(q('3884812Ki')), 3884812 * 1024);
});

t.test('labels: sorted, one per line under the first, <none> when empty', async (t) => {
  const render = (labels: Record<string, string> | undefined) => tabbedString((w) => printLabelsMultiline(w, 'Labels', labels));
  t.equal(render({ tier: 'edge', app: 'web', App: 'x' }), 'Labels:  App=x\n         app=web\n         tier=edge\n', 'byte order, as Go sorts');
  t.equal(render({}), 'Labels:  <none>\n');
  t.equal(tabbedString((w) => printLabelsMultiline(w, '  Labels', { a: '1', b: '2' })), '  Labels:  a=1\n           b=2\n');
});

t.test('annotations: last-applied-configuration hidden, long and multi-line values on their own lines', async (t) => {
  const render = (a: Record<string, string>) => tabbedString((w) => printAnnotationsMultiline(w, 'Annotations', a));
  t.equal(render({ 'kubectl.kubernetes.io/last-applied-configuration': '{}' }), 'Annotations:  <none>\n');
  t.equal(render({ b: 'two', a: 'one' }), 'Annotations:  a: one\n              b: two\n');
  t.equal(render({ note: 'first\nsecond\n' }), 'Annotations:  note:\n                first\n                second\n');
  const long = 'x'.repeat(150);
  t.equal(render({ k: long }), `Annotations:  k:\n                ${'x'.repeat(138)}...\n`);
});

t.test('taints sort by effect then key; tolerations read key=value:effect op=Exists for Ns', async (t) => {
  const taints = tabbedString((w) =>
    printNodeTaintsMultiline(w, 'Taints', [
      { key: 'b', effect: 'NoSchedule' },
      { key: 'a', value: 'v', effect: 'PreferNoSchedule' },
      { key: 'a', effect: 'NoExecute' },
    ]),
  );
  t.equal(taints, 'Taints:  a:NoExecute\n         b:NoSchedule\n         a=v:PreferNoSchedule\n');
  const tolerations = tabbedString((w) =>
    printTolerationsMultiline(w, 'Tolerations', [
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'dedicated', operator: 'Equal', value: 'sensors', effect: 'NoSchedule' },
      { operator: 'Exists' },
    ]),
  );
  t.equal(tolerations, 'Tolerations:  op=Exists\n              dedicated=sensors:NoSchedule\n              node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n');
});
