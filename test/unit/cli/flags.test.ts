import t from 'tap';
import { normalizeBoolFlags } from '../../../hub/cli/bool-flags.js';
import { parseDurationMs } from '../../../shared/duration.js';
import { parseOutputFormat } from '../../../hub/cli/output-format.js';

t.test('boolean flags accept kubectl’s --flag=true|false forms', async (t) => {
  const cases: Array<[string[], string[]]> = [
    [['delete', 'pod', 'x', '--wait=false'], ['delete', 'pod', 'x', '--no-wait']],
    [['delete', 'pod', 'x', '--wait=true'], ['delete', 'pod', 'x']],
    [['delete', 'pod', 'x', '--ignore-not-found=true'], ['delete', 'pod', 'x', '--ignore-not-found']],
    [['get', 'pods', '--all-namespaces=false'], ['get', 'pods']],
    [['get', 'pods', '--output=json'], ['get', 'pods', '--output=json']],
    [['get', '--', '--wait=false'], ['get', '--', '--wait=false']],
  ];
  for (const [argv, expected] of cases) t.same(normalizeBoolFlags(argv), expected, argv.join(' '));
});

t.test('--timeout takes Go durations', async (t) => {
  const cases: Array<[string, number]> = [
    ['60s', 60_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['0', 0],
  ];
  for (const [text, ms] of cases) t.equal(parseDurationMs(text, '--timeout'), ms, text);
  for (const bad of ['60', 'soon', '1m 30s', '-1s', '']) t.throws(() => parseDurationMs(bad, '--timeout'), { message: /for "--timeout" flag/ }, JSON.stringify(bad));
});

t.test('-o accepts wide, yaml, json and name', async (t) => {
  t.equal(parseOutputFormat(undefined), 'table');
  for (const f of ['wide', 'yaml', 'json', 'name'] as const) t.equal(parseOutputFormat(f), f);
  t.throws(() => parseOutputFormat('xml'), { message: 'unable to match a printer suitable for the output format "xml", allowed formats are: json,name,wide,yaml' });
});
