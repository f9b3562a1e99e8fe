import t from 'tap';
import { matchesRequiredNodeAffinity, preferredNodeAffinityWeight } from '../../../hub/scheduler/node-affinity.js';
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../../../shared/api/schema/pod.js';
import { requiredAffinity, schedNode } from './scheduler-fixtures.js';

const labelled = schedNode('edge-1', { labels: { zone: 'shed', cores: '8', 'kubernetes.io/arch': 'arm64' } });
const fits = (terms: NodeSelectorTerm[], nodeSelector?: Record<string, string>) =>
  matchesRequiredNodeAffinity({ ...(nodeSelector ? { nodeSelector } : {}), affinity: requiredAffinity(...terms) }, labelled);
const expr = (key: string, operator: NodeSelectorRequirement['operator'], values?: string[]): NodeSelectorRequirement => ({ key, operator, ...(values ? { values } : {}) });

t.test('matchExpressions operators', async (t) => {
  const table: Array<[string, NodeSelectorRequirement, boolean]> = [
    ['In with the value', expr('zone', 'In', ['barn', 'shed']), true],
    ['In without it', expr('zone', 'In', ['barn']), false],
    ['In on a missing label', expr('rack', 'In', ['1']), false],
    ['NotIn with the value', expr('zone', 'NotIn', ['shed']), false],
    ['NotIn without it', expr('zone', 'NotIn', ['barn']), true],
    ['NotIn on a missing label', expr('rack', 'NotIn', ['1']), true],
    ['Exists', expr('zone', 'Exists'), true],
    ['Exists on a missing label', expr('rack', 'Exists'), false],
    ['DoesNotExist', expr('zone', 'DoesNotExist'), false],
    ['DoesNotExist on a missing label', expr('rack', 'DoesNotExist'), true],
    ['Gt smaller', expr('cores', 'Gt', ['4']), true],
    ['Gt equal', expr('cores', 'Gt', ['8']), false],
    ['Lt larger', expr('cores', 'Lt', ['16']), true],
    ['Lt equal', expr('cores', 'Lt', ['8']), false],
    ['Gt on a label that is no integer', expr('zone', 'Gt', ['1']), false],
    ['Gt on a missing label', expr('rack', 'Gt', ['1']), false],
    ['Gt with an operand that is no integer', expr('cores', 'Gt', ['1.5']), false],
  ];
  for (const [why, requirement, want] of table) t.equal(fits([{ matchExpressions: [requirement] }]), want, why);
});

t.test('terms are ORed, expressions ANDed, fields match metadata.name, nodeSelector is ANDed too', async (t) => {
  const shed = expr('zone', 'In', ['shed']);
  const barn = expr('zone', 'In', ['barn']);
  const arm = expr('kubernetes.io/arch', 'In', ['arm64']);
  t.equal(fits([{ matchExpressions: [shed, arm] }]), true, 'both expressions hold');
  t.equal(fits([{ matchExpressions: [barn, arm] }]), false, 'one expression fails the term');
  t.equal(fits([{ matchExpressions: [barn] }, { matchExpressions: [arm] }]), true, 'one term is enough');
  t.equal(fits([{}]), false, 'an empty term matches no node');
  t.equal(fits([{}, { matchExpressions: [arm] }]), true, 'an empty term does not spoil the others');
  t.equal(fits([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['edge-1'] }] }]), true);
  t.equal(fits([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['edge-2'] }] }]), false);
  t.equal(fits([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['edge-1'] }] }]), false);
  t.equal(fits([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['edge-1'] }], matchExpressions: [barn] }]), false, 'fields and expressions are ANDed');
  t.equal(fits([{ matchExpressions: [arm] }], { zone: 'barn' }), false, 'nodeSelector must hold as well');
  t.equal(fits([{ matchExpressions: [arm] }], { zone: 'shed' }), true);
  t.equal(matchesRequiredNodeAffinity({}, labelled), true, 'no constraints at all');
});

t.test('preferred terms add their weights when they match', async (t) => {
  const affinity = {
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 10, preference: { matchExpressions: [expr('zone', 'In', ['shed'])] } },
        { weight: 5, preference: { matchExpressions: [expr('kubernetes.io/arch', 'In', ['amd64'])] } },
        { weight: 20, preference: { matchExpressions: [expr('cores', 'Gt', ['2'])] } },
      ],
    },
  };
  t.equal(preferredNodeAffinityWeight({ affinity }, labelled), 30);
  t.equal(preferredNodeAffinityWeight({}, labelled), 0);
});
