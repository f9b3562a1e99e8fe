/**
 * `skiff describe svc` and `skiff describe ing`, run in-process (the command line as a user types
 * it) against a real hub API server (createApiServer on a SQLite store): a Service, its Endpoints
 * and an Ingress are created through the API, and the CLI must find the Endpoints of the Service's
 * name, and for the Ingress the Endpoints and Service of each backend. The exact text of both
 * describers is specified in describe-service.test.ts and describe-ingress.test.ts.
 */
import t, { type Test } from 'tap';
import type { Endpoints, Service } from '../../../shared/api/schema/service.js';
import { describeService } from '../../../hub/cli/describe/service.js';
import { runCliInProcess } from '../../helpers/in-process-cli.js';
import { listenApi, tempApiStore } from '../hub/api-server-rig.js';

const TOKEN = 'admin-token';

interface Hub {
  post(path: string, body: unknown): Promise<unknown>;
  get(path: string): Promise<unknown>;
  describe(...args: string[]): ReturnType<typeof runCliInProcess>;
}

async function startHub(t: Test): Promise<Hub> {
  const { store } = await tempApiStore(t, ['default']);
  const { url } = await listenApi(t, { store, adminToken: TOKEN });
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer: unknown = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  return {
    post: (path, body) => call('POST', path, body),
    get: (path) => call('GET', path),
    describe: (...args) => runCliInProcess(['--server', url, '--token', TOKEN, 'describe', ...args]),
  };
}

const SERVICES = '/api/v1/namespaces/default/services';
const ENDPOINTS = '/api/v1/namespaces/default/endpoints';

t.test('describe svc NAME shows the ready endpoints of the Endpoints object named like it; describe ing NAME each backend\'s', async (t) => {
  const hub = await startHub(t);
  await hub.post(SERVICES, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  });
  await hub.post(ENDPOINTS, {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web' },
    subsets: [{ addresses: [{ ip: '10.42.0.5' }, { ip: '10.42.1.7' }], notReadyAddresses: [{ ip: '10.42.2.9' }], ports: [{ name: 'http', port: 8080 }] }],
  });
  await hub.post('/apis/networking.k8s.io/v1/namespaces/default/ingresses', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'site' },
    spec: {
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } },
              { path: '/old', pathType: 'Prefix', backend: { service: { name: 'ghost', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  });

  const svc = await hub.describe('svc', 'web');
  t.equal(svc.code, 0, svc.stderr);
  // The hub's defaults and clusterIP allocation are what describe prints: compare with the stored objects.
  const stored = (await hub.get(`${SERVICES}/web`)) as Service;
  const endpoints = (await hub.get(`${ENDPOINTS}/web`)) as Endpoints;
  t.equal(svc.stdout, describeService(stored, endpoints, [], { now: new Date() }));
  t.match(svc.stdout, /^Name:\s+web\nNamespace:\s+default\n/);
  t.match(svc.stdout, /\nPort:\s+http  80\/TCP\nTargetPort:\s+8080\/TCP\nEndpoints:\s+10\.42\.0\.5:8080,10\.42\.1\.7:8080\n/);
  t.match(svc.stdout, /\nEvents:\s+<none>\n$/);

  const ing = await hub.describe('ing', 'site');
  t.equal(ing.code, 0, ing.stderr);
  t.equal(
    ing.stdout,
    [
      'Name:             site',
      'Labels:           <none>',
      'Namespace:        default',
      'Address:          ',
      'Ingress Class:    <none>',
      'Default backend:  <default>',
      'Rules:',
      '  Host              Path  Backends',
      '  ----              ----  --------',
      '  shop.example.com  ',
      '                    /      web:http (10.42.0.5:8080,10.42.1.7:8080)',
      '                    /old   ghost:80 (<error: endpoints "ghost" not found>)',
      'Annotations:        <none>',
      'Events:             <none>',
      '',
    ].join('\n'),
  );

  t.same(await hub.describe('ingresses/site'), ing, 'the TYPE/NAME form describes the same');
  t.match((await hub.describe('svc', 'nope')).stderr, /^Error from server \(NotFound\): services "nope" not found\n$/);
});
