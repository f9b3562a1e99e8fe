/** apps/v1 ControllerRevision validation, as Kubernetes' ValidateControllerRevision. */
import t from 'tap';
import { validateObject } from '../../../shared/api/validate.js';

const revision = (extra: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'probe-abc' }, ...extra });

t.test('data is mandatory, revision non-negative, nothing else is accepted', async (t) => {
  const ok = validateObject(revision({ data: { spec: { template: { $patch: 'replace' } } }, revision: 3 }));
  t.equal(ok.ok, true);
  t.equal(ok.ok && ok.resource.plural, 'controllerrevisions');
  t.equal(validateObject(revision({ data: {} })).ok, true, 'revision absent reads as 0');
  t.match(validateObject(revision({ revision: 1 })), { ok: false, errors: [{ path: 'data', message: 'Required value' }] });
  t.match(validateObject(revision({ data: {}, revision: -1 })), { ok: false, errors: [{ path: 'revision', message: /must be greater than or equal to 0/ }] });
  t.match(validateObject(revision({ data: {}, spec: {} })), { ok: false, errors: [{ path: 'spec', message: 'unknown field (not supported by Skiff)' }] });
});
