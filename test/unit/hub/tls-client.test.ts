import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { HubUnreachableError } from '../../../hub/cli/api-errors.js';
import { describeError } from '../../../hub/cli/describe-error.js';
import { HubClient } from '../../../hub/cli/hub-client.js';
import { loadConnection } from '../../../hub/cli/client-config-loader.js';
import { loadOrCreateTls } from '../../../hub/identity/tls.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-tls-client-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('the CLI trusts exactly the client config CA; anything else is "x509: certificate signed by unknown authority"', async (t) => {
  const hub = loadOrCreateTls(tempDir(t), { host: '127.0.0.1', hostname: 'h' });
  const stranger = loadOrCreateTls(tempDir(t), { host: '127.0.0.1', hostname: 'h' });
  const server = createHttpsServer({ cert: hub.certPem, key: hub.keyPem }, (req, res) => {
    if (req.url?.startsWith('/watch')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED"}\n');
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ auth: req.headers.authorization }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const trusted = await HubClient.connect({ server: url, token: 'tok', caPem: hub.caPem });
  t.same(await trusted.get('/x'), { auth: 'Bearer tok' });
  const stream = await trusted.stream('/watch');
  t.equal(await new Response(stream).text(), '{"type":"ADDED"}\n', 'watch streams go through the same trust');

  const wrong = await HubClient.connect({ server: url, token: 'tok', caPem: stranger.caPem });
  const err = await wrong.get('/x').then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof HubUnreachableError);
  const host = new URL(url).host;
  t.same(describeError(err).lines, [
    `Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority (the certificate of ${host} does not chain to the client config's CA; use the admin.config the hub wrote, or --insecure-skip-tls-verify)`,
  ]);
  const none = await HubClient.connect({ server: url, token: 'tok' });
  await t.rejects(none.get('/x'), { message: /x509: certificate signed by unknown authority/ }, 'the system CAs are not trusted for the hub either');

  const insecure = await HubClient.connect({ server: url, token: 'tok', insecureSkipTlsVerify: true });
  t.same(await insecure.get('/x'), { auth: 'Bearer tok' }, '--insecure-skip-tls-verify accepts it');
});

t.test('a name missing from the certificate is said so, naming the server', async (t) => {
  const hub = loadOrCreateTls(tempDir(t), { host: '127.0.0.1', hostname: 'h' });
  const server = createHttpsServer({ cert: hub.certPem, key: hub.keyPem }, (_req, res) => void res.end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  t.teardown(() => server.close());
  const url = `https://127.0.0.2:${(server.address() as AddressInfo).port}`;
  const client = await HubClient.connect({ server: url, token: 'tok', caPem: hub.caPem });
  await t.rejects(client.get('/x'), { message: new RegExp(`x509: certificate is not valid for 127\\.0\\.0\\.2:\\d+: .*--tls-san`) });
});

t.test('--insecure-skip-tls-verify (flag or config) and the config CA reach the connection', async (t) => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const config = `apiVersion: skiff/v1\nkind: ClientConfig\nserver: https://hub:7443\ntoken: t\ncertificateAuthorityData: ${Buffer.from(pem).toString('base64')}\n`;
  const read = async () => config;
  t.same(await loadConnection({ config: '/c' }, {}, '/h', read), { server: 'https://hub:7443', token: 't', caPem: pem });
  t.same(await loadConnection({ config: '/c', insecureSkipTlsVerify: true }, {}, '/h', read), { server: 'https://hub:7443', token: 't', caPem: pem, insecureSkipTlsVerify: true });
  const insecureFile = async () => 'apiVersion: skiff/v1\nkind: ClientConfig\nserver: https://hub:7443\ntoken: t\ninsecureSkipTlsVerify: true\n';
  t.same(await loadConnection({ config: '/c' }, {}, '/h', insecureFile), { server: 'https://hub:7443', token: 't', insecureSkipTlsVerify: true });
});
