import t from 'tap';
import { serviceEnvironment, serviceVariableName } from '../../../agent/services/service-env.js';
import type { ViewService, ViewServicePort } from '../../../shared/mqtt/services-view.js';

const port = (name: string, number: number): ViewServicePort => ({ name, port: number, endpoints: [] });
function service(namespace: string, name: string, clusterIP: string | undefined, ports: ViewServicePort[]): ViewService {
  return { namespace, name, type: 'ClusterIP', ...(clusterIP !== undefined ? { clusterIP } : {}), ports };
}

const redis = service('shop', 'redis-master', '10.43.0.11', [port('', 6379)]);
const web = service('shop', 'web', '10.43.0.12', [port('http', 80), port('metrics', 9090)]);
const headless = service('shop', 'db', undefined, [port('', 5432)]);
const elsewhere = service('other', 'cache', '10.43.0.13', [port('', 11211)]);
const master = service('default', 'kubernetes', '10.43.0.1', [port('https', 443)]);

t.test("a single unnamed port: the SERVICE_ and Docker link variables, kubelet's names and order", async (t) => {
  t.same(
    [...serviceEnvironment('shop', [redis])],
    [
      ['REDIS_MASTER_SERVICE_HOST', '10.43.0.11'],
      ['REDIS_MASTER_SERVICE_PORT', '6379'],
      ['REDIS_MASTER_PORT', 'tcp://10.43.0.11:6379'],
      ['REDIS_MASTER_PORT_6379_TCP', 'tcp://10.43.0.11:6379'],
      ['REDIS_MASTER_PORT_6379_TCP_PROTO', 'tcp'],
      ['REDIS_MASTER_PORT_6379_TCP_PORT', '6379'],
      ['REDIS_MASTER_PORT_6379_TCP_ADDR', '10.43.0.11'],
    ],
  );
});

t.test('named ports: SERVICE_PORT is the first, one SERVICE_PORT_<NAME> and one link block per port', async (t) => {
  t.same(Object.fromEntries(serviceEnvironment('shop', [web])), {
    WEB_SERVICE_HOST: '10.43.0.12',
    WEB_SERVICE_PORT: '80',
    WEB_SERVICE_PORT_HTTP: '80',
    WEB_SERVICE_PORT_METRICS: '9090',
    WEB_PORT: 'tcp://10.43.0.12:80',
    WEB_PORT_80_TCP: 'tcp://10.43.0.12:80',
    WEB_PORT_80_TCP_PROTO: 'tcp',
    WEB_PORT_80_TCP_PORT: '80',
    WEB_PORT_80_TCP_ADDR: '10.43.0.12',
    WEB_PORT_9090_TCP: 'tcp://10.43.0.12:9090',
    WEB_PORT_9090_TCP_PROTO: 'tcp',
    WEB_PORT_9090_TCP_PORT: '9090',
    WEB_PORT_9090_TCP_ADDR: '10.43.0.12',
  });
});

t.test('names: uppercased, dashes to underscores (also in port names)', async (t) => {
  t.equal(serviceVariableName('redis-master'), 'REDIS_MASTER');
  const env = serviceEnvironment('shop', [service('shop', 'my-app', '10.43.0.20', [port('grpc-web', 8080)])]);
  t.equal(env.get('MY_APP_SERVICE_PORT_GRPC_WEB'), '8080');
});

t.test('an IPv6 clusterIP is bracketed in the URLs, as net.JoinHostPort does', async (t) => {
  const env = serviceEnvironment('shop', [service('shop', 'v6', 'fd00::a', [port('', 80)])]);
  t.equal(env.get('V6_PORT'), 'tcp://[fd00::a]:80');
  t.equal(env.get('V6_PORT_80_TCP_ADDR'), 'fd00::a');
  t.equal(env.get('V6_SERVICE_HOST'), 'fd00::a');
});

t.test("only Services of the Pod's namespace with a clusterIP: headless and other namespaces' are left out", async (t) => {
  const env = serviceEnvironment('shop', [headless, elsewhere, redis]);
  t.same([...new Set([...env.keys()].map((k) => k.split('_')[0]))], ['REDIS']);
  t.equal(serviceEnvironment('empty', [redis, web]).size, 0);
});

t.test('enableServiceLinks false: no variables of the namespace', async (t) => {
  t.equal(serviceEnvironment('shop', [redis, web], false).size, 0);
});

t.test('the master Service (kubernetes in default) is seen from every namespace, links enabled or not', async (t) => {
  for (const links of [true, false]) {
    const env = serviceEnvironment('shop', [master, redis], links);
    t.equal(env.get('KUBERNETES_SERVICE_HOST'), '10.43.0.1', `enableServiceLinks ${links}`);
    t.equal(env.get('KUBERNETES_SERVICE_PORT_HTTPS'), '443');
    t.equal(env.has('REDIS_MASTER_SERVICE_HOST'), links);
  }
  // Another Service of the default namespace is not: only the master is special.
  t.equal(serviceEnvironment('shop', [service('default', 'other', '10.43.0.2', [port('', 80)])]).size, 0);
});

t.test("a Service named kubernetes in the Pod's own namespace takes the master's place", async (t) => {
  const own = service('shop', 'kubernetes', '10.43.0.99', [port('', 8443)]);
  for (const order of [[master, own], [own, master]]) {
    const env = serviceEnvironment('shop', order);
    t.equal(env.get('KUBERNETES_SERVICE_HOST'), '10.43.0.99');
    t.equal(env.get('KUBERNETES_SERVICE_PORT'), '8443');
    t.equal(env.has('KUBERNETES_SERVICE_PORT_HTTPS'), false);
  }
  t.equal(serviceEnvironment('shop', [master, own], false).get('KUBERNETES_SERVICE_HOST'), '10.43.0.1', 'without links the master stays');
});

t.test('Services are taken in name order whatever the input order, so a shared variable is stable', async (t) => {
  // `a` on port 80 and `a-port-80-tcp` both define A_PORT_80_TCP_PORT.
  const a = service('shop', 'a', '10.43.0.30', [port('', 80)]);
  const clash = service('shop', 'a-port-80-tcp', '10.43.0.31', [port('', 81)]);
  const forward = serviceEnvironment('shop', [a, clash]);
  const backward = serviceEnvironment('shop', [clash, a]);
  t.same([...backward], [...forward]);
  t.equal(forward.get('A_PORT_80_TCP_PORT'), 'tcp://10.43.0.31:81', 'the later name wins');
});
