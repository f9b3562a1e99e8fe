/** PodSpec affinity (nodeAffinity only) and tolerations, validated as Kubernetes validates them. */
import t from 'tap';
import { validateObject } from '../../../shared/api/validate.js';
import type { FieldError } from '../../../shared/errors.js';

function podWith(spec: Record<string, unknown>): unknown {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } };
}

function errorsOf(spec: Record<string, unknown>): FieldError[] {
  const result = validateObject(podWith(spec));
  return result.ok ? [] : result.errors;
}

const required = (...terms: unknown[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });

t.test('valid affinity and tolerations are accepted', async (t) => {
  const valid: Array<[string, Record<string, unknown>]> = [
    ['In on arch', { affinity: required({ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }) }],
    ['Exists, DoesNotExist, Gt, Lt', { affinity: required({ matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'DoesNotExist' }, { key: 'c', operator: 'Gt', values: ['1'] }, { key: 'd', operator: 'Lt', values: ['9'] }] }) }],
    ['matchFields metadata.name', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['pi-1'] }] }) }],
    ['preferred terms', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['shed'] }] } }] } } }],
    ['Equal toleration', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }],
    ['operator left out means Equal', { tolerations: [{ key: 'dedicated', value: 'gpu' }] }],
    ['match-everything toleration', { tolerations: [{ operator: 'Exists' }] }],
    ['NoExecute with tolerationSeconds', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] }],
  ];
  for (const [why, spec] of valid) t.same(errorsOf(spec), [], why);
});

t.test('invalid affinity and tolerations are reported at their path', async (t) => {
  const table: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['no terms', { affinity: required() }, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms', /must have at least one node selector term/],
    ['In without values', { affinity: required({ matchExpressions: [{ key: 'a', operator: 'In' }] }) }, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', /must be specified when `operator` is 'In' or 'NotIn'/],
    ['Exists with values', { affinity: required({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }) }, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', /may not be specified when `operator` is 'Exists' or 'DoesNotExist'/],
    ['Gt with two values', { affinity: required({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1', '2'] }] }) }, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', /single value/],
    ['unknown operator', { affinity: required({ matchExpressions: [{ key: 'a', operator: 'Near', values: ['1'] }] }) }, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator', /./],
    ['a field other than metadata.name', { affinity: required({ matchFields: [{ key: 'metadata.labels', operator: 'In', values: ['x'] }] }) }, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key', /./],
    ['matchFields with two values', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }] }) }, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values', /must be only one value/],
    ['weight out of range', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }] } } }, 'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight', /must be in the range 1-100/],
    ['podAntiAffinity is not supported', { affinity: { podAntiAffinity: {} } }, 'spec.affinity.podAntiAffinity', /unknown field/],
    ['empty key needs Exists', { tolerations: [{ operator: 'Equal', value: 'x' }] }, 'spec.tolerations[0].operator', /operator must be Exists when `key` is empty/],
    ['Exists takes no value', { tolerations: [{ key: 'k', operator: 'Exists', value: 'x' }] }, 'spec.tolerations[0].operator', /value must be empty when `operator` is 'Exists'/],
    ['tolerationSeconds needs NoExecute', { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 3 }] }, 'spec.tolerations[0].effect', /effect must be 'NoExecute' when `tolerationSeconds` is set/],
    ['unknown effect', { tolerations: [{ key: 'k', operator: 'Exists', effect: 'Sometimes' }] }, 'spec.tolerations[0].effect', /./],
    ['unknown operator', { tolerations: [{ key: 'k', operator: 'Like' }] }, 'spec.tolerations[0].operator', /./],
    ['a key that is no label key', { tolerations: [{ key: 'a b', operator: 'Exists' }] }, 'spec.tolerations[0].key', /must be at most 63 characters/],
    ['a value that is no label value', { tolerations: [{ key: 'k', value: 'a b' }] }, 'spec.tolerations[0].value', /must be empty or at most 63 characters/],
  ];
  for (const [why, spec, path, message] of table) {
    const errors = errorsOf(spec);
    const hit = errors.find((e) => e.path === path);
    t.ok(hit, `${why}: an error at ${path} (got ${JSON.stringify(errors)})`);
    if (hit) t.match(hit.message, message, why);
  }
});
