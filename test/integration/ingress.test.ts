/**
 * Ingress on a real hub and two agents with real containers (issue #8): the node labelled
 * node-role.kubernetes.io/ingress serves an Ingress routing two hosts and two paths each to two
 * Services whose Pods run on both nodes; Exact and Prefix paths as Kubernetes defines them; TLS
 * from a kubernetes.io/tls Secret chosen by SNI, with HTTP redirected to HTTPS for that host; an
 * unknown host gets 404; `skiff get ingress` prints kubectl's columns, with the ingress node's
 * address in ADDRESS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DEFAULTS } from '../../shared/defaults.js';
import { TestCluster } from '../helpers/cluster.js';
import { isRunningAndReady, listPods } from '../helpers/pods.js';
import { freePort } from '../helpers/ports.js';
import { whoamiDeployment } from '../helpers/manifests.js';
import { waitFor } from '../helpers/wait.js';

const INGRESS_NODE_IP = '127.0.0.4';
const OTHER_NODE_IP = '127.0.0.5';
/** Every path the test asks for, so that each backend answers it with its Pod's name. */
const PATHS = ['/api/x', '/apix', '/exact', '/exactly'];

const service = (name: string): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });

interface Answer {
  status?: number;
  body?: string;
  location?: string;
  error?: string;
}

function answer(req: ReturnType<typeof httpRequest>, resolve: (a: Answer) => void): void {
  req.on('response', (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('end', () => resolve({ status: res.statusCode!, body: body.trim(), ...(res.headers.location ? { location: res.headers.location } : {}) }));
  });
  req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  req.end();
}

t.test('an Ingress routes two hosts and two paths to two Services, with TLS from a Secret', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-ingress-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=one.example.com', '-addext', 'subjectAltName=DNS:one.example.com',
    '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'),
  ], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'tls.crt'), 'utf8');
  const key = readFileSync(join(dir, 'tls.key'), 'utf8');

  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const cluster = await TestCluster.start(t, { agents: [] });
  const ingressNode = await cluster.startAgent('in', ['--node-ip', INGRESS_NODE_IP, '--ingress-http-port', String(httpPort), '--ingress-https-port', String(httpsPort)]);
  const otherNode = await cluster.startAgent('out', ['--node-ip', OTHER_NODE_IP]);
  const apply = async (manifest: string): Promise<void> => {
    const result = await cluster.skiff(['apply', '-f', '-'], { input: manifest });
    t.equal(result.code, 0, result.stderr);
  };
  const label = await cluster.skiff(['label', 'node', ingressNode, `${DEFAULTS.ingress.nodeLabel}=true`]);
  t.equal(label.code, 0, label.stderr);

  await apply(whoamiDeployment('one', ingressNode, { paths: PATHS }));
  await apply(whoamiDeployment('two', otherNode, { paths: PATHS }));
  await apply(service('one'));
  await apply(service('two'));
  await apply(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'one-tls' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
    }),
  );
  await apply(
    JSON.stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'site' },
      spec: {
        tls: [{ hosts: ['one.example.com'], secretName: 'one-tls' }],
        rules: [
          {
            host: 'one.example.com',
            http: {
              paths: [
                { path: '/api', pathType: 'Prefix', backend: { service: { name: 'one', port: { name: 'http' } } } },
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'two', port: { number: 80 } } } },
              ],
            },
          },
          {
            host: 'two.example.com',
            http: {
              paths: [
                { path: '/exact', pathType: 'Exact', backend: { service: { name: 'one', port: { number: 80 } } } },
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'two', port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    }),
  );
  const pods = await waitFor('the one and two Pods Running and Ready', async () => {
    const [one, two] = [await listPods(cluster, 'app=one'), await listPods(cluster, 'app=two')];
    return one.length === 1 && two.length === 1 && [...one, ...two].every(isRunningAndReady) ? { one: one[0]!.metadata.name!, two: two[0]!.metadata.name! } : undefined;
  });

  const http = (host: string, path: string): Promise<Answer> =>
    new Promise((resolve) => answer(httpRequest({ host: INGRESS_NODE_IP, port: httpPort, path, headers: { host }, agent: false, timeout: 5_000 }), resolve));
  const https = (host: string, path: string): Promise<Answer> =>
    new Promise((resolve) => answer(httpsRequest({ host: INGRESS_NODE_IP, port: httpsPort, path, servername: host, ca: cert, headers: { host }, agent: false, timeout: 5_000 }), resolve));

  await waitFor('the ingress proxy to route two.example.com', async () => (await http('two.example.com', '/')).body === pods.two);

  await t.test('host two.example.com: an Exact path and the Prefix / rule', async (t) => {
    t.match(await http('two.example.com', '/exact'), { status: 200, body: pods.one }, '/exact is the Exact rule');
    t.match(await http('two.example.com', '/exactly'), { status: 200, body: pods.two }, '/exactly is not /exact');
    t.match(await http('two.example.com', '/exact?x=1'), { status: 200, body: pods.one }, 'the query string is no part of the path');
    t.match(await http('TWO.example.com:80', '/'), { status: 200, body: pods.two }, 'host compared without case or port');
  });

  await t.test('host one.example.com over TLS, its certificate picked by SNI: Prefix paths element by element', async (t) => {
    t.match(await https('one.example.com', '/api/x'), { status: 200, body: pods.one }, '/api/x is under /api');
    t.match(await https('one.example.com', '/apix'), { status: 200, body: pods.two }, '/apix is not under /api');
    t.match(await https('one.example.com', '/'), { status: 200, body: pods.two });
  });

  await t.test('plain HTTP to the TLS host is redirected to HTTPS, as ingress-nginx does', async (t) => {
    t.match(await http('one.example.com', '/api/x'), { status: 308, location: `https://one.example.com:${httpsPort}/api/x` });
  });

  await t.test('an unknown host gets 404, and TLS without a certificate for the name is refused', async (t) => {
    t.match(await http('nowhere.example.com', '/'), { status: 404, body: 'default backend - 404' });
    const refused = await https('two.example.com', '/');
    t.ok(refused.error, `TLS for a host without a certificate fails (${refused.error})`);
  });

  await t.test('skiff get ingress prints kubectl columns, ADDRESS being the ingress node', async (t) => {
    const get = await waitFor('the ingress node address in the Ingress status', async () => {
      const result = await cluster.skiff(['get', 'ing']);
      return result.stdout.includes(INGRESS_NODE_IP) ? result : undefined;
    });
    t.equal(get.code, 0, get.stderr);
    t.match(get.stdout, /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\nsite\s+<none>\s+one\.example\.com,two\.example\.com\s+127\.0\.0\.4\s+80, 443\s+\d+s\n$/);
  });
});
