import t from 'tap';
import { fieldFilter } from '../../../hub/api/selectors.js';
import type { KubeObject } from '../../../shared/api/object.js';
import type { Event } from '../../../shared/api/schema/event.js';
import { pod } from './fixtures.js';

function event(name: string, fields: Partial<Event>): KubeObject {
  const e: Event = { apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' }, involvedObject: {}, ...fields };
  return e as unknown as KubeObject;
}

const EVENTS = [
  event('web-1.a', {
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u1', resourceVersion: '7', fieldPath: 'spec.containers{web}' },
    reason: 'Pulled',
    type: 'Normal',
    source: { component: 'kubelet', host: 'pi-1' },
    reportingComponent: 'kubelet',
  }),
  event('web-1.b', { involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u1' }, reason: 'Scheduled', type: 'Normal', source: { component: 'default-scheduler' } }),
  event('web-1.c', { involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u0' }, reason: 'BackOff', type: 'Warning', source: { component: 'kubelet', host: 'pi-2' } }),
  event('web.d', { involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web', uid: 'ud' }, reason: 'ScalingReplicaSet', type: 'Normal', source: {}, reportingComponent: 'deployment-controller' }),
  event('pi-1.e', { involvedObject: { apiVersion: 'v1', kind: 'Node', name: 'pi-1', uid: 'un' }, reason: 'NodeNotReady', type: 'Normal', source: { component: 'node-controller' } }),
];

const names = (text: string, kind?: string) => EVENTS.filter(fieldFilter(text, kind)).map((e) => e.metadata.name);

t.test('kubectl describe selects an object Events by involvedObject name, namespace and uid', async (t) => {
  t.same(names('involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=u1', 'Event'), ['web-1.a', 'web-1.b']);
});

t.test('every field Kubernetes lets Events be selected by', async (t) => {
  const table: Array<[string, string[]]> = [
    ['involvedObject.kind=Pod', ['web-1.a', 'web-1.b', 'web-1.c']],
    ['involvedObject.kind!=Pod', ['web.d', 'pi-1.e']],
    ['involvedObject.namespace=', ['pi-1.e']],
    ['involvedObject.name=web', ['web.d']],
    ['involvedObject.uid=u0', ['web-1.c']],
    ['involvedObject.apiVersion=apps/v1', ['web.d']],
    ['involvedObject.resourceVersion=7', ['web-1.a']],
    ['involvedObject.fieldPath=spec.containers{web}', ['web-1.a']],
    ['involvedObject.fieldPath=', ['web-1.b', 'web-1.c', 'web.d', 'pi-1.e']],
    ['reason=BackOff', ['web-1.c']],
    ['type=Warning', ['web-1.c']],
    ['type==Normal,reason!=Pulled', ['web-1.b', 'web.d', 'pi-1.e']],
    ['source=kubelet', ['web-1.a', 'web-1.c']],
    ['source=deployment-controller', ['web.d']], // falls back to reportingComponent
    ['reportingComponent=kubelet', ['web-1.a']],
    ['metadata.name=pi-1.e', ['pi-1.e']],
    ['metadata.namespace=default', ['web-1.a', 'web-1.b', 'web-1.c', 'web.d', 'pi-1.e']],
  ];
  for (const [text, want] of table) t.same(names(text, 'Event'), want, text);
});

t.test('with a kind given, only that kind fields are accepted, as Kubernetes does', async (t) => {
  t.throws(() => fieldFilter('spec.nodeName=pi-1', 'Event'), { name: 'SkiffError', code: 'SKIFF_ERR_BAD_REQUEST', message: /"spec\.nodeName=pi-1" is not a known field selector: only "metadata\.name", "metadata\.namespace", "involvedObject\.kind"/ });
  t.throws(() => fieldFilter('reason=Pulled', 'Pod'), { code: 'SKIFF_ERR_BAD_REQUEST' });
  t.throws(() => fieldFilter('spec.nodeName=pi-1', 'Node'), { code: 'SKIFF_ERR_BAD_REQUEST' });
  t.ok(fieldFilter('metadata.name=pi-1', 'Node')(pod('pi-1')));
  t.ok(fieldFilter('spec.nodeName=pi-1', 'Pod')(pod('x', { nodeName: 'pi-1' })));
});

t.test('without a kind every known field is accepted and reads "" where an object lacks it', async (t) => {
  t.same(names('reason=Pulled'), ['web-1.a']);
  t.ok(fieldFilter('reason=')(pod('x')), 'a Pod has no reason');
  t.notOk(fieldFilter('involvedObject.kind=Pod')(pod('x')));
});

t.test('values are unescaped as Kubernetes fields.ParseSelector does (kubectl describe escapes them)', async (t) => {
  const odd = [event('a', { involvedObject: { name: 'x,y=z\\w' } }), event('b', { involvedObject: { name: 'x' } })];
  t.same(odd.filter(fieldFilter('involvedObject.name=x\\,y\\=z\\\\w,type=', 'Event')).map((e) => e.metadata.name), ['a']);
  t.same(odd.filter(fieldFilter('involvedObject.name!=x\\,y\\=z\\\\w', 'Event')).map((e) => e.metadata.name), ['b']);
  for (const bad of ['involvedObject.name=a\\b', 'involvedObject.name=a=b', 'involvedObject.name=a\\']) {
    t.throws(() => fieldFilter(bad, 'Event'), { name: 'SkiffError', code: 'SKIFF_ERR_BAD_REQUEST', message: /^invalid field selector/ }, bad);
  }
  t.throws(() => fieldFilter('involvedObject\\=name=a', 'Event'), { code: 'SKIFF_ERR_BAD_REQUEST', message: /is not a known field selector/ }, 'an escaped operator is part of the field');
});
