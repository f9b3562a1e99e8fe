import t from 'tap';
import { deleteOptions, evictionOptions } from '../../../hub/api/delete-options.js';

const query = (text = '') => new URLSearchParams(text);

t.test('DeleteOptions from the query and the body, the body winning', async (t) => {
  t.same(deleteOptions(query(), undefined), {});
  t.same(deleteOptions(query('gracePeriodSeconds=5'), undefined), { gracePeriodSeconds: 5 });
  t.same(deleteOptions(query('gracePeriodSeconds=5'), { kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Background' }), { gracePeriodSeconds: 0, propagationPolicy: 'Background' });
  t.same(deleteOptions(query('propagationPolicy=Orphan'), undefined), { propagationPolicy: 'Orphan' });
  t.same(deleteOptions(query('propagationPolicy=Orphan'), { propagationPolicy: 'Foreground' }), { propagationPolicy: 'Foreground' });
  t.same(deleteOptions(query(), { orphanDependents: true }), { propagationPolicy: 'Orphan' }, 'the deprecated orphanDependents');
  t.same(deleteOptions(query(), { orphanDependents: false }), {});
  t.same(deleteOptions(query('gracePeriodSeconds=-1'), {}), {}, 'negative: the object’s own grace');
  t.same(deleteOptions(query(), { gracePeriodSeconds: null }), {});
});

t.test('bad DeleteOptions are 400s naming the field', async (t) => {
  t.throws(() => deleteOptions(query('gracePeriodSeconds=soon'), undefined), { code: 'SKIFF_ERR_BAD_REQUEST', message: /^gracePeriodSeconds: Invalid value: "soon"/ });
  t.throws(() => deleteOptions(query(), { gracePeriodSeconds: 1.5 }), { code: 'SKIFF_ERR_BAD_REQUEST', message: /^gracePeriodSeconds: Invalid value: 1.5/ });
  t.throws(() => deleteOptions(query(), [1]), { code: 'SKIFF_ERR_BAD_REQUEST', message: /must be a DeleteOptions object/ });
  t.throws(() => deleteOptions(query(), { propagationPolicy: 'Later' }), {
    code: 'SKIFF_ERR_BAD_REQUEST',
    message: 'propagationPolicy: Unsupported value: "Later": supported values: "Background", "Foreground", "Orphan"',
  });
  t.throws(() => deleteOptions(query(), { propagationPolicy: 'Orphan', orphanDependents: true }), { code: 'SKIFF_ERR_INVALID', message: /cannot be both set/ });
});

t.test('an Eviction carries its DeleteOptions and must name the Pod of the URL', async (t) => {
  t.same(evictionOptions('web-1', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'default' } }), {});
  t.same(evictionOptions('web-1', { kind: 'Eviction', metadata: { name: 'web-1' }, deleteOptions: { gracePeriodSeconds: 3 } }), { gracePeriodSeconds: 3 });
  t.throws(() => evictionOptions('web-1', { kind: 'Eviction', metadata: { name: 'web-2' } }), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'name in URL does not match name in Eviction object' });
  t.throws(() => evictionOptions('web-1', { kind: 'Pod', metadata: { name: 'web-1' } }), { message: /must be a policy\/v1 Eviction/ });
  t.throws(() => evictionOptions('web-1', null), { message: /must be a policy\/v1 Eviction/ });
  t.throws(() => evictionOptions('web-1', { kind: 'Eviction', metadata: { name: 'web-1' }, deleteOptions: { gracePeriodSeconds: 'x' } }), { message: /^deleteOptions.gracePeriodSeconds: Invalid value/ });
});
