import t from 'tap';
import { countUntoleratedTaints, tolerates, untoleratedTaint, type Taint, type Toleration } from '../../../hub/scheduler/taints.js';

const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

t.test('tolerates matches key, value and effect as Toleration.ToleratesTaint', async (t) => {
  const table: Array<[string, Toleration, Taint, boolean]> = [
    ['Equal with the same key, value and effect', { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, gpu, true],
    ['no operator means Equal', { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, gpu, true],
    ['Equal with another value', { key: 'dedicated', operator: 'Equal', value: 'tpu', effect: 'NoSchedule' }, gpu, false],
    ['Equal without a value does not match a valued taint', { key: 'dedicated', operator: 'Equal', effect: 'NoSchedule' }, gpu, false],
    ['Equal without a value matches a taint without value', { key: 'k', operator: 'Equal', effect: 'NoSchedule' }, { key: 'k', effect: 'NoSchedule' }, true],
    ['Exists ignores the value', { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }, gpu, true],
    ['Exists with another key', { key: 'other', operator: 'Exists' }, gpu, false],
    ['an empty effect matches every effect', { key: 'dedicated', operator: 'Exists' }, { ...gpu, effect: 'NoExecute' }, true],
    ['another effect does not match', { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, gpu, false],
    ['empty key with Exists tolerates everything', { operator: 'Exists' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, true],
    ['empty key with Exists and an effect tolerates only that effect', { operator: 'Exists', effect: 'NoSchedule' }, { key: 'x', effect: 'NoExecute' }, false],
  ];
  for (const [why, toleration, taint, want] of table) t.equal(tolerates(toleration, taint), want, why);
});

t.test('untoleratedTaint returns the first taint of the given effects that nothing tolerates', async (t) => {
  const taints: Taint[] = [
    { key: 'soft', effect: 'PreferNoSchedule' },
    { key: 'a', value: '1', effect: 'NoSchedule' },
    { key: 'b', value: '2', effect: 'NoExecute' },
  ];
  t.same(untoleratedTaint([], taints, ['NoSchedule', 'NoExecute']), taints[1], 'PreferNoSchedule is not among the effects asked for');
  t.same(untoleratedTaint([{ key: 'a', operator: 'Exists' }], taints, ['NoSchedule', 'NoExecute']), taints[2]);
  t.equal(untoleratedTaint([{ key: 'a', operator: 'Exists' }, { key: 'b', value: '2' }], taints, ['NoSchedule', 'NoExecute']), undefined);
  t.same(untoleratedTaint(undefined, taints, ['NoExecute']), taints[2], 'no tolerations at all');
  t.equal(untoleratedTaint(undefined, undefined, ['NoSchedule']), undefined, 'no taints at all');
  t.equal(countUntoleratedTaints(undefined, [...taints, { key: 'soft2', effect: 'PreferNoSchedule' }], 'PreferNoSchedule'), 2);
  t.equal(countUntoleratedTaints([{ key: 'soft', operator: 'Exists', effect: 'PreferNoSchedule' }], taints, 'PreferNoSchedule'), 0);
});
