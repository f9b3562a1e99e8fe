import t from 'tap';
import {
  formatSelector,
  matches,
  parseSelector,
  requirementsOf,
  selectorMatches,
  type LabelSelector,
  type Labels,
  type Requirements,
  type SelectorRequirement,
} from '../../../shared/api/labels.js';
import { pick, randomInt, seededRandom } from '../../helpers/seeded-random.js';

const inSet = (key: string, ...values: string[]): SelectorRequirement => ({ key, operator: 'In', values });
const notIn = (key: string, ...values: string[]): SelectorRequirement => ({ key, operator: 'NotIn', values });
const exists = (key: string): SelectorRequirement => ({ key, operator: 'Exists' });
const absent = (key: string): SelectorRequirement => ({ key, operator: 'DoesNotExist' });

t.test('parseSelector reads every operator of the Kubernetes string form', async (t) => {
  const table: Array<[string, Requirements]> = [
    ['app=web', [inSet('app', 'web')]],
    ['app==web', [inSet('app', 'web')]],
    ['tier!=db', [notIn('tier', 'db')]],
    ['env in (a,b)', [inSet('env', 'a', 'b')]],
    ['env notin (a,b)', [notIn('env', 'a', 'b')]],
    ['legacy', [exists('legacy')]],
    ['!legacy', [absent('legacy')]],
    ['app=', [inSet('app', '')]],
    ['example.com/app=web', [inSet('example.com/app', 'web')]],
    ['', []],
  ];
  for (const [text, want] of table) t.same(parseSelector(text), want, JSON.stringify(text));
});

t.test('parseSelector ignores spaces around terms, operators and set values', async (t) => {
  const table: Array<[string, Requirements]> = [
    [' app = web ', [inSet('app', 'web')]],
    ['app == web', [inSet('app', 'web')]],
    ['tier != db', [notIn('tier', 'db')]],
    ['env in ( a , b )', [inSet('env', 'a', 'b')]],
    ['env notin(a,b)', [notIn('env', 'a', 'b')]],
    [' !legacy ', [absent('legacy')]],
  ];
  for (const [text, want] of table) t.same(parseSelector(text), want, JSON.stringify(text));
});

t.test('parseSelector keeps multiple terms in order, splitting only outside value sets', async (t) => {
  t.same(parseSelector('app=web,tier!=db,env in (a,b),!legacy,gpu'), [
    inSet('app', 'web'),
    notIn('tier', 'db'),
    inSet('env', 'a', 'b'),
    absent('legacy'),
    exists('gpu'),
  ]);
  t.same(parseSelector('env notin (a, b, c), app=web'), [notIn('env', 'a', 'b', 'c'), inSet('app', 'web')]);
});

t.test('parseSelector throws a RangeError naming the term it cannot parse', async (t) => {
  const table: Array<[string, string]> = [
    ['=web', '=web'],
    ['app=web,=x', '=x'],
    ['app=web=x', 'app=web=x'],
    ['!', '!'],
    ['!!legacy', '!!legacy'],
    ['!app=web', '!app=web'],
    ['app=we b', 'app=we b'],
    ['two words', 'two words'],
    ['env in a', 'env in a'],
    ['env in (a,b', 'env in (a,b'],
    ['env between (a,b)', 'env between (a,b)'],
  ];
  for (const [text, term] of table) {
    t.throws(() => parseSelector(text), { name: 'RangeError', message: JSON.stringify(term) }, JSON.stringify(text));
  }
});

// k8s.io/apimachinery/pkg/labels: "found '', expected: identifier after ','" for "app=web,".
t.test('parseSelector refuses empty terms from stray commas, as Kubernetes does', async (t) => {
  for (const text of ['app=web,', ',app=web', 'app=web,,tier=db', ',']) t.throws(() => parseSelector(text), RangeError, JSON.stringify(text));
});

t.test('matches applies each operator as Kubernetes does, absent keys included', async (t) => {
  const labels: Labels = { app: 'web', tier: 'front' };
  const table: Array<[SelectorRequirement, boolean]> = [
    [inSet('app', 'web'), true],
    [inSet('app', 'api', 'web'), true],
    [inSet('app', 'api'), false],
    [inSet('zone', 'a'), false],
    [notIn('app', 'api'), true],
    [notIn('app', 'web'), false],
    [notIn('zone', 'a'), true], // NotIn matches objects without the key
    [exists('tier'), true],
    [exists('zone'), false],
    [absent('zone'), true],
    [absent('tier'), false],
  ];
  for (const [req, want] of table) t.equal(matches([req], labels), want, `${req.key} ${req.operator} ${req.values ?? ''}`);
});

t.test('matches requires every requirement; no requirements match everything', async (t) => {
  t.ok(matches([inSet('app', 'web'), exists('tier')], { app: 'web', tier: 'x' }));
  t.notOk(matches([inSet('app', 'web'), exists('tier')], { app: 'web' }));
  t.ok(matches([], undefined));
  t.ok(matches([], { any: 'thing' }));
  t.notOk(matches([exists('app')], undefined));
  t.ok(matches([absent('app')], undefined));
});

t.test('matches does not see inherited properties as labels', async (t) => {
  t.notOk(matches([exists('toString')], {}));
  t.ok(matches([absent('constructor')], {}));
});

t.test('selectorMatches ANDs matchLabels with matchExpressions; an empty selector selects everything', async (t) => {
  const selector: LabelSelector = { matchLabels: { app: 'web' }, matchExpressions: [notIn('env', 'prod')] };
  t.ok(selectorMatches(selector, { app: 'web', env: 'dev' }));
  t.ok(selectorMatches(selector, { app: 'web' }));
  t.notOk(selectorMatches(selector, { app: 'web', env: 'prod' }));
  t.notOk(selectorMatches(selector, { env: 'dev' }));
  t.ok(selectorMatches({}, { app: 'web' }));
  t.ok(selectorMatches({}, undefined));
});

t.test('formatSelector writes the string form kubectl prints', async (t) => {
  const table: Array<[LabelSelector | undefined, string]> = [
    [undefined, '<none>'],
    [{}, '<none>'],
    [{ matchLabels: { app: 'web', tier: 'front' } }, 'app=web,tier=front'],
    [
      { matchLabels: { app: 'web' }, matchExpressions: [inSet('env', 'a', 'b'), notIn('zone', 'x', 'y'), notIn('tier', 'db'), exists('gpu'), absent('legacy')] },
      'app=web,env in (a,b),zone notin (x,y),tier!=db,gpu,!legacy',
    ],
  ];
  for (const [selector, want] of table) t.equal(formatSelector(selector), want, want);
});

t.test('parseSelector(formatSelector(s)) gives back the requirements of s', async (t) => {
  const examples: LabelSelector[] = [
    { matchLabels: { app: 'web' } },
    { matchLabels: { app: 'web', 'example.com/tier': 'front' }, matchExpressions: [absent('legacy')] },
    { matchExpressions: [inSet('env', 'a', 'b', 'c'), notIn('zone', 'z'), exists('gpu')] },
  ];
  for (const selector of examples) t.same(parseSelector(formatSelector(selector)), requirementsOf(selector), formatSelector(selector));
});

t.test('property: the round trip holds for random selectors', async (t) => {
  const random = seededRandom(20240101);
  const keys = ['app', 'tier', 'env', 'example.com/zone', 'k8s.io/arch', 'a_b', 'x-1'];
  const values = ['web', 'db', 'a', 'b.c', 'v1-2', 'Z_9'];
  const operators = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
  for (let i = 0; i < 300; i++) {
    const matchExpressions = Array.from({ length: 1 + randomInt(random, 4) }, (): SelectorRequirement => {
      const operator = pick(random, operators);
      const key = pick(random, keys);
      if (operator === 'Exists' || operator === 'DoesNotExist') return { key, operator };
      return { key, operator, values: Array.from({ length: 1 + randomInt(random, 3) }, () => pick(random, values)) };
    });
    const selector: LabelSelector = { matchExpressions };
    const text = formatSelector(selector);
    t.same(parseSelector(text), requirementsOf(selector), `case ${i}: ${text}`);
  }
});
