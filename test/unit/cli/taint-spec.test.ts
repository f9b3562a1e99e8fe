import t from 'tap';
import { applyTaintChanges, parseTaintChanges, splitTaintArgs, taintToString, type Taint } from '../../../hub/cli/taint-spec.js';

t.test('splitting resources and taints', async (t) => {
  t.same(splitTaintArgs(['node', 'a', 'k=v:NoSchedule', 'k-']), { resources: ['node', 'a'], taints: ['k=v:NoSchedule', 'k-'] });
  t.throws(() => splitTaintArgs(['node', 'k:NoSchedule', 'a']), { message: 'all resources must be specified before taint changes: a' });
  t.throws(() => splitTaintArgs(['node', 'a']), { message: 'at least one taint update is required' });
  t.throws(() => splitTaintArgs(['k:NoSchedule']), { message: 'one or more resources must be specified as <resource> <name>' });
});

t.test('parsing taint specs', async (t) => {
  t.same(parseTaintChanges(['dedicated=gpu:NoSchedule', 'bare:NoExecute', 'old:PreferNoSchedule-', 'gone-']), {
    add: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'bare', effect: 'NoExecute' }],
    remove: [{ key: 'old', effect: 'PreferNoSchedule' }, { key: 'gone' }],
  });
  t.throws(() => parseTaintChanges(['k=v:Sometimes']), { message: 'invalid taint effect: Sometimes, unsupported taint effect' });
  t.throws(() => parseTaintChanges(['k:Sometimes-']), { message: 'invalid taint effect: Sometimes, unsupported taint effect' });
  t.throws(() => parseTaintChanges(['k=v']), { message: 'invalid taint spec: k=v' });
  t.throws(() => parseTaintChanges(['a=b=c:NoSchedule']), { message: 'invalid taint spec: a=b=c:NoSchedule' });
  t.throws(() => parseTaintChanges(['bad key:NoSchedule']), { message: /^invalid taint spec: bad key:NoSchedule, a qualified name must consist/ });
  t.throws(() => parseTaintChanges(['k=-v:NoSchedule']), { message: /^invalid taint spec: k=-v:NoSchedule, a valid label must be/ });
  t.throws(() => parseTaintChanges(['k=1:NoSchedule', 'k=2:NoSchedule']), { message: 'duplicated taints with the same key and effect: k=2:NoSchedule' });
  t.throws(() => parseTaintChanges(['k=1:NoSchedule', 'k-']), { message: 'can not both modify and remove the following taint(s) in the same command: {"k":""}' });
});

t.test('taintToString is corev1.Taint.ToString', async (t) => {
  t.equal(taintToString({ key: 'k' }), 'k');
  t.equal(taintToString({ key: 'k', effect: 'NoSchedule' }), 'k:NoSchedule');
  t.equal(taintToString({ key: 'k', value: 'v', effect: 'NoSchedule' }), 'k=v:NoSchedule');
});

t.test('applying taints', async (t) => {
  const old: Taint[] = [{ key: 'a', value: '1', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute' }];
  const add = (specs: string[]) => parseTaintChanges(specs);
  t.same(applyTaintChanges(old, add(['b=2:PreferNoSchedule']), false, 'n'), { taints: [{ key: 'b', value: '2', effect: 'PreferNoSchedule' }, ...old], outcome: 'tainted' });
  t.throws(() => applyTaintChanges(old, add(['a=9:NoSchedule']), false, 'n'), { message: 'node n already has a taint(s) with same effect(s) and --overwrite is false' });
  t.same(applyTaintChanges(old, add(['a=9:NoSchedule']), true, 'n'), { taints: [{ key: 'a', value: '9', effect: 'NoSchedule' }, old[1]], outcome: 'modified' });
  t.same(applyTaintChanges(old, add(['a:NoExecute-']), false, 'n'), { taints: [old[0]], outcome: 'untainted' });
  t.same(applyTaintChanges(old, add(['a-']), false, 'n'), { taints: [], outcome: 'untainted' }, 'key- removes every effect');
  t.same(applyTaintChanges(old, add(['b:NoSchedule', 'a-']), false, 'n').outcome, 'modified', 'added and removed');
  t.throws(() => applyTaintChanges(old, add(['zz:NoSchedule-']), false, 'n'), { message: 'taint "zz:NoSchedule" not found' });
  t.throws(() => applyTaintChanges(undefined, add(['zz-']), false, 'n'), { message: 'taint "zz" not found' });
});
