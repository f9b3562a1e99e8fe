import t from 'tap';
import { applyLabelChanges, parseLabelChanges, parseLabelTargets, splitResourcesAndPairs } from '../../../hub/cli/label-spec.js';

t.test('resources come before label changes', async (t) => {
  t.same(splitResourcesAndPairs(['node', 'a', 'b', 'x=1', 'y-'], 'label'), { resources: ['node', 'a', 'b'], pairs: ['x=1', 'y-'] });
  t.throws(() => splitResourcesAndPairs(['node', 'x=1', 'a'], 'label'), { message: 'all resources must be specified before label changes: a' });
});

t.test('parsing k=v and k-', async (t) => {
  t.same(parseLabelChanges(['tier=edge', 'old-', 'empty=']), { set: { tier: 'edge', empty: '' }, remove: ['old'] });
  t.throws(() => parseLabelChanges(['a=b=c']), { message: 'invalid label spec: a=b=c' });
  t.throws(() => parseLabelChanges(['a=-x']), { message: /^invalid label value: "a=-x": a valid label must be an empty string/ });
  t.throws(() => parseLabelChanges(['a=b', 'a-']), { message: 'can not both modify and remove a label in the same command' });
  t.throws(() => parseLabelChanges([]), { message: 'at least one label update is required' });
});

t.test('targets: TYPE NAME... and TYPE/NAME...', async (t) => {
  const nodes = parseLabelTargets(['no', 'a', 'b']);
  t.same(nodes.map((x) => [x.resource.plural, x.name]), [['nodes', 'a'], ['nodes', 'b']]);
  const mixed = parseLabelTargets(['node/a', 'deploy/web']);
  t.same(mixed.map((x) => [x.resource.plural, x.name]), [['nodes', 'a'], ['deployments', 'web']]);
  t.throws(() => parseLabelTargets([]), { message: 'one or more resources must be specified as <resource> <name> or <resource>/<name>' });
  t.throws(() => parseLabelTargets(['nodes']), { message: /^resource\(s\) were provided, but no name was specified/ });
  t.throws(() => parseLabelTargets(['widgets', 'x']), { message: 'the server doesn\'t have a resource type "widgets"' });
  t.throws(() => parseLabelTargets(['node/']), { message: /single resource and name/ });
});

t.test('applying: overwrite rules and the outcome word', async (t) => {
  const set = (labels: Record<string, string>) => ({ set: labels, remove: [] });
  t.same(applyLabelChanges({ a: '1' }, set({ b: '2' }), false), { labels: { a: '1', b: '2' }, outcome: 'labeled', notFound: [] });
  t.same(applyLabelChanges({ a: '1' }, set({ a: '1' }), false).outcome, 'not labeled', 'the same value needs no --overwrite');
  t.throws(() => applyLabelChanges({ a: '1' }, set({ a: '2' }), false), { message: "'a' already has a value (1), and --overwrite is false" });
  t.throws(() => applyLabelChanges({ a: '1', b: '1' }, set({ a: '2', b: '2' }), false), { message: "['a' already has a value (1), and --overwrite is false, 'b' already has a value (1), and --overwrite is false]" });
  t.same(applyLabelChanges({ a: '1' }, set({ a: '22' }), true).labels, { a: '22' });
  t.equal(applyLabelChanges({ a: '11' }, set({ a: '2' }), true).outcome, 'labeled', 'shorter with --overwrite is still labeled');
  t.same(applyLabelChanges({ a: '1', b: '2' }, { set: {}, remove: ['a'] }, false), { labels: { b: '2' }, outcome: 'unlabeled', notFound: [] });
  t.same(applyLabelChanges(undefined, { set: {}, remove: ['x'] }, false), { labels: {}, outcome: 'not labeled', notFound: ['x'] });
});
