/**
 * `skiff top` tables (hub/cli/top-view.ts) as kubectl 1.32 prints them: millicores rounded up from
 * nanocores, memory in whole MiB, percentages of allocatable truncated, <unknown> for nodes
 * without metrics, sorting, --containers, -A, --sum and --no-headers.
 */
import t from 'tap';
import { checkSortKey, topNodesLines, topPodsLines, type NodeMetricsView, type NodeView, type PodMetricsView } from '../../../hub/cli/top-view.js';

const nodeMetrics = (name: string, cpu: string, memory: string): NodeMetricsView => ({ metadata: { name }, usage: { cpu, memory } });
const nodeObject = (name: string, allocatable?: Record<string, string>): NodeView => ({ metadata: { name }, ...(allocatable ? { status: { allocatable } } : {}) });

function podMetrics(name: string, containers: Array<[string, string, string]>, namespace = 'default'): PodMetricsView {
  return { metadata: { name, namespace }, containers: containers.map(([c, cpu, memory]) => ({ name: c, usage: { cpu, memory } })) };
}

/** Rows split on column gaps, for checks that do not care about widths. */
const cells = (lines: string[]): string[][] => lines.map((l) => l.split(/\s{2,}/));

t.test('checkSortKey: cpu, memory or nothing; anything else names the flag', async (t) => {
  t.equal(checkSortKey(undefined), undefined);
  t.equal(checkSortKey('cpu'), 'cpu');
  t.equal(checkSortKey('memory'), 'memory');
  t.throws(() => checkSortKey('name'), { code: 'SKIFF_ERR_CONFIG', message: '--sort-by: "name" is not one of cpu, memory' });
  t.throws(() => checkSortKey(''), { code: 'SKIFF_ERR_CONFIG', message: /^--sort-by: "" / });
});

t.test('top nodes: kubectl columns, aligned with three spaces', async (t) => {
  const lines = topNodesLines(
    [nodeMetrics('pi-1', '250000000n', '1048576Ki'), nodeMetrics('raspberry-2', '1500000000n', '524288Ki')],
    [nodeObject('pi-1', { cpu: '4', memory: '3884096Ki' }), nodeObject('raspberry-2', { cpu: '2', memory: '1Gi' })],
  );
  t.same(lines, [
    'NAME          CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)',
    'pi-1          250m         6%       1024Mi          26%',
    'raspberry-2   1500m        75%      512Mi           50%',
  ]);
});

t.test('top nodes: CPU in millicores rounded up from nanocores; memory in whole MiB rounded down', async (t) => {
  const cases: Array<[string, string, string, string]> = [
    ['1n', '0', '1m', '0Mi'],
    ['1000000n', '1048575', '1m', '0Mi'],
    ['1000001n', '1048576', '2m', '1Mi'],
    ['250000001n', '1048577', '251m', '1Mi'],
    ['0', '0', '0m', '0Mi'],
    ['1500m', '64Mi', '1500m', '64Mi'],
    ['2', '1Gi', '2000m', '1024Mi'],
    ['123456789n', '65535Ki', '124m', '63Mi'],
  ];
  for (const [cpu, memory, cpuText, memoryText] of cases) {
    const [, row] = cells(topNodesLines([nodeMetrics('n', cpu, memory)], [nodeObject('n', { cpu: '1', memory: '1Gi' })]));
    t.same([row![1], row![3]], [cpuText, memoryText], `${cpu} / ${memory}`);
  }
});

t.test('top nodes: percentages of allocatable, truncated as kubectl does', async (t) => {
  const pct = (cpu: string, memory: string, allocatable: Record<string, string>): [string, string] => {
    const [, row] = cells(topNodesLines([nodeMetrics('n', cpu, memory)], [nodeObject('n', allocatable)]));
    return [row![2]!, row![4]!];
  };
  t.same(pct('999000000n', '1023Mi', { cpu: '1', memory: '1Gi' }), ['99%', '99%'], 'never rounded up to 100%');
  t.same(pct('3000000000n', '2Gi', { cpu: '2', memory: '1Gi' }), ['150%', '200%'], 'over allocatable shows over 100%');
  t.same(pct('10m', '1Mi', { cpu: '500m', memory: '100Mi' }), ['2%', '1%']);
  t.same(pct('10m', '1Mi', {}), ['<unknown>', '<unknown>'], 'no allocatable reported');
  t.same(pct('10m', '1Mi', { cpu: 'lots', memory: 'plenty' }), ['<unknown>', '<unknown>'], 'unparseable allocatable');
});

t.test('top nodes: nodes without metrics are listed last with <unknown>', async (t) => {
  const lines = topNodesLines([nodeMetrics('b', '1m', '1Mi')], [nodeObject('a', { cpu: '1', memory: '1Gi' }), nodeObject('b', { cpu: '1', memory: '1Gi' }), nodeObject('c')]);
  t.same(cells(lines), [
    ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'],
    ['b', '1m', '0%', '1Mi', '0%'],
    ['a', '<unknown>', '<unknown>', '<unknown>', '<unknown>'],
    ['c', '<unknown>', '<unknown>', '<unknown>', '<unknown>'],
  ]);
  t.same(cells(topNodesLines([], [nodeObject('a')], { noHeaders: true })), [['a', '<unknown>', '<unknown>', '<unknown>', '<unknown>']]);
});

t.test('top nodes: --sort-by cpu or memory, largest first, ties by name; default keeps the API order', async (t) => {
  const metrics = [nodeMetrics('c', '100m', '300Mi'), nodeMetrics('a', '300m', '100Mi'), nodeMetrics('b', '300m', '200Mi')];
  const nodes = ['a', 'b', 'c'].map((n) => nodeObject(n, { cpu: '1', memory: '1Gi' }));
  const names = (lines: string[]): string[] => lines.map((l) => l.split(' ')[0]!);
  t.same(names(topNodesLines(metrics, nodes, { noHeaders: true })), ['c', 'a', 'b']);
  t.same(names(topNodesLines(metrics, nodes, { sortBy: 'cpu', noHeaders: true })), ['a', 'b', 'c']);
  t.same(names(topNodesLines(metrics, nodes, { sortBy: 'memory', noHeaders: true })), ['c', 'b', 'a']);
  const sameMemory = [nodeMetrics('z', '1m', '100Mi'), nodeMetrics('y', '2m', '100Mi')];
  t.same(names(topNodesLines(sameMemory, [], { sortBy: 'memory', noHeaders: true })), ['y', 'z'], 'equal memory: by name');
});

t.test('top nodes: usage for a node missing from the node list has no percentages', async (t) => {
  t.same(cells(topNodesLines([nodeMetrics('late', '5m', '2Mi')], [])), [
    ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'],
    ['late', '5m', '<unknown>', '2Mi', '<unknown>'],
  ]);
});

t.test('top nodes: --no-headers leaves the header out', async (t) => {
  const lines = topNodesLines([nodeMetrics('pi-1', '1m', '1Mi')], [nodeObject('pi-1', { cpu: '1', memory: '1Gi' })], { noHeaders: true });
  t.same(lines, ['pi-1   1m    0%    1Mi   0%'], 'columns at least 6 wide, as kubectl\'s tabwriter');
});

const PODS = [
  podMetrics('web', [
    ['app', '120000001n', '40Mi'],
    ['side', '5000000n', '10Mi'],
  ]),
  podMetrics('db', [['pg', '80000000n', '300Mi']]),
];

t.test('top pods: one row per Pod, its containers summed', async (t) => {
  t.same(topPodsLines(PODS), ['NAME   CPU(cores)   MEMORY(bytes)', 'web    126m         50Mi', 'db     80m          300Mi']);
});

t.test('top pods: quantities are added exactly and rounded up once, as kubectl adds resource.Quantity', async (t) => {
  const tiny = [podMetrics('tiny', [['a', '1n', '1Mi'], ['b', '1n', '1Mi']])];
  t.same(cells(topPodsLines(tiny, { noHeaders: true })), [['tiny', '1m', '2Mi']], '1n + 1n is 2n: 1m, not 2m');
  t.same(cells(topPodsLines(tiny, { noHeaders: true, containers: true })).map((r) => r[2]), ['1m', '1m'], 'each container rounded up on its own row');
});

t.test('top pods: --containers shows POD and NAME per container', async (t) => {
  t.same(topPodsLines(PODS, { containers: true }), [
    'POD   NAME   CPU(cores)   MEMORY(bytes)',
    'web   app    121m         40Mi',
    'web   side   5m           10Mi',
    'db    pg     80m          300Mi',
  ]);
});

t.test('top pods: -A adds the NAMESPACE column, with --containers too', async (t) => {
  const pods = [...PODS, podMetrics('gw', [['envoy', '1m', '1Mi']], 'edge')];
  t.same(cells(topPodsLines(pods, { allNamespaces: true })), [
    ['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
    ['default', 'web', '126m', '50Mi'],
    ['default', 'db', '80m', '300Mi'],
    ['edge', 'gw', '1m', '1Mi'],
  ]);
  t.same(cells(topPodsLines(pods, { allNamespaces: true, containers: true }))[0], ['NAMESPACE', 'POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
  t.same(cells(topPodsLines(pods, { allNamespaces: true, containers: true }))[4], ['edge', 'gw', 'envoy', '1m', '1Mi']);
});

t.test('top pods: --sort-by sorts Pods by their totals; --containers keeps each Pod containers together', async (t) => {
  t.same(cells(topPodsLines(PODS, { sortBy: 'memory', noHeaders: true })).map((r) => r[0]), ['db', 'web']);
  t.same(cells(topPodsLines(PODS, { sortBy: 'cpu', noHeaders: true })).map((r) => r[0]), ['web', 'db']);
  t.same(cells(topPodsLines(PODS, { sortBy: 'memory', containers: true, noHeaders: true })).map((r) => r.slice(0, 2).join('/')), ['db/pg', 'web/app', 'web/side']);
});

t.test('top pods: --sum adds a rule and the totals under the CPU and memory columns', async (t) => {
  const lines = topPodsLines(PODS, { sum: true });
  t.equal(lines.length, 5);
  t.same(lines.slice(0, 3), ['NAME   CPU(cores)   MEMORY(bytes)', 'web    126m         50Mi', 'db     80m          300Mi']);
  t.equal(lines[3], '       ________     ________', 'the rule: eight underscores under the CPU and memory columns, as kubectl');
  t.equal(lines[4], '       206m         350Mi');
});

t.test('top pods: --sum with -A and --containers keeps the totals in the last two columns', async (t) => {
  const lines = topPodsLines(PODS, { sum: true, allNamespaces: true, containers: true });
  const width = lines[0]!.indexOf('CPU(cores)');
  t.equal(lines.at(-1)!.indexOf('206m'), width, 'CPU total under CPU(cores)');
  t.equal(lines.at(-1)!.indexOf('350Mi'), lines[0]!.indexOf('MEMORY(bytes)'), 'memory total under MEMORY(bytes)');
  t.equal(lines.at(-2)!.indexOf('_'), width);
  t.equal(lines.at(-1)!.slice(0, width).trim(), '', 'nothing under NAMESPACE, POD and NAME');
});

t.test('top pods: --sum over nothing prints nothing extra; --no-headers with --sum keeps the sum', async (t) => {
  t.same(topPodsLines([], { sum: true }), ['NAME   CPU(cores)   MEMORY(bytes)']);
  const lines = topPodsLines(PODS, { sum: true, noHeaders: true });
  t.equal(lines.length, 4);
  t.match(lines[3], /206m\s+350Mi$/);
});
