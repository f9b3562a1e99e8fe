import t from 'tap';
import { fieldFilter, labelFilter } from '../../../hub/api/selectors.js';
import { node, pod } from './fixtures.js';

const OBJECTS = [
  pod('web-1', { nodeName: 'n1', phase: 'Running', labels: { app: 'web', tier: 'front' } }),
  pod('web-2', { nodeName: 'n2', phase: 'Pending', labels: { app: 'web' } }),
  pod('db-1', { namespace: 'data', nodeName: 'n1', phase: 'Running', labels: { app: 'db' } }),
  pod('new-1', { phase: 'Pending' }),
];

const names = (filter: (o: (typeof OBJECTS)[number]) => boolean) => OBJECTS.filter(filter).map((o) => o.metadata.name);

t.test('labelFilter keeps the objects whose labels match the selector', async (t) => {
  const table: Array<[string | null, string[]]> = [
    [null, ['web-1', 'web-2', 'db-1', 'new-1']],
    ['', ['web-1', 'web-2', 'db-1', 'new-1']],
    ['app=web', ['web-1', 'web-2']],
    ['app!=web', ['db-1', 'new-1']],
    ['app in (web,db),tier', ['web-1']],
    ['!app', ['new-1']],
  ];
  for (const [text, want] of table) t.same(names(labelFilter(text)), want, JSON.stringify(text));
});

t.test('labelFilter turns an unparsable selector into SKIFF_ERR_BAD_REQUEST', async (t) => {
  t.throws(() => labelFilter('app=web,=x'), { name: 'SkiffError', code: 'SKIFF_ERR_BAD_REQUEST', message: /"=x"/ });
});

t.test('fieldFilter supports the fields Skiff indexes, with =, == and !=', async (t) => {
  const table: Array<[string | null, string[]]> = [
    [null, ['web-1', 'web-2', 'db-1', 'new-1']],
    ['metadata.name=web-1', ['web-1']],
    ['metadata.name==web-1', ['web-1']],
    ['metadata.name!=web-1', ['web-2', 'db-1', 'new-1']],
    ['metadata.namespace=data', ['db-1']],
    ['metadata.namespace!=data', ['web-1', 'web-2', 'new-1']],
    ['spec.nodeName=n1', ['web-1', 'db-1']],
    ['spec.nodeName=', ['new-1']], // unscheduled Pods, as the kube-scheduler watches them
    ['spec.nodeName!=', ['web-1', 'web-2', 'db-1']],
    ['status.phase=Running', ['web-1', 'db-1']],
    ['status.phase!=Running', ['web-2', 'new-1']],
    ['spec.nodeName=n1,status.phase=Running,metadata.namespace=default', ['web-1']],
  ];
  for (const [text, want] of table) t.same(names(fieldFilter(text)), want, JSON.stringify(text));
});

t.test('fieldFilter reads metadata.name of cluster-scoped objects too', async (t) => {
  const nodes = [node('n1'), node('n2')];
  t.same(nodes.filter(fieldFilter('metadata.name=n2')).map((n) => n.metadata.name), ['n2']);
});

t.test('fieldFilter refuses unknown fields and malformed terms with SKIFF_ERR_BAD_REQUEST', async (t) => {
  for (const text of ['spec.foo=bar', 'metadata.labels=x', 'metadata.name', 'status.phase=Running,spec.restartPolicy=Never', '=x']) {
    t.throws(() => fieldFilter(text), { name: 'SkiffError', code: 'SKIFF_ERR_BAD_REQUEST' }, text);
  }
  t.throws(() => fieldFilter('spec.foo=bar'), { message: /"spec\.foo=bar" is not a known field selector/ });
});
