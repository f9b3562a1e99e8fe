import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { loadOrCreateIdentity, writeAdminConfig } from '../../../hub/identity/bootstrap.js';
import { CA_VALIDITY_MS, canonicalIp, createCa, loadOrCreateTls, requiredSans, SERVER_CERT_VALIDITY_MS, sansOf, serverCertProblem } from '../../../hub/identity/tls.js';
import { caHashOf, parseJoinToken } from '../../../shared/join-token.js';
import { parseClientConfig } from '../../../hub/cli/client-config-loader.js';
import { resolveHubOptions } from '../../../hub/cli/actions/hub.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-03-01T12:00:00Z');

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const mode = (file: string): number => statSync(file).mode & 0o777;

t.test('requiredSans: localhost, loopbacks, the hostname, a named listen host and --tls-san; wildcards skipped', async (t) => {
  t.same(requiredSans({ host: '0.0.0.0', hostname: 'pi-hub' }), { dns: ['localhost', 'pi-hub'], ips: ['127.0.0.1', '::1'] });
  t.same(requiredSans({ host: '::', hostname: 'pi-hub', extraSans: ['Hub.Example.com', '10.0.0.5', '0:0:0:0:0:0:0:1', ' '] }), {
    dns: ['localhost', 'pi-hub', 'hub.example.com'],
    ips: ['127.0.0.1', '::1', '10.0.0.5'],
  });
  t.same(requiredSans({ host: '192.168.1.9', hostname: 'h' }).ips, ['127.0.0.1', '::1', '192.168.1.9']);
  t.same(requiredSans({ host: 'hub.lan', hostname: 'h' }).dns, ['localhost', 'h', 'hub.lan']);
  t.equal(canonicalIp('FE80:0:0:0:0:0:0:1'), 'fe80::1');
  t.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
});

t.test('first start: a 10-year CA and a server certificate it signed, with every SAN, keys 0600', async (t) => {
  const dir = tempDir(t);
  const tls = loadOrCreateTls(dir, { host: '127.0.0.1', hostname: 'pi-hub', extraSans: ['hub.example', '10.1.2.3', 'fe80::1'], now: NOW });
  t.ok(tls.issued);
  const files = join(dir, 'tls');
  t.equal(readFileSync(join(files, 'ca.crt'), 'utf8'), tls.caPem);
  t.equal(readFileSync(join(files, 'server.crt'), 'utf8'), tls.certPem);
  t.equal(mode(join(files, 'ca.key')), 0o600);
  t.equal(mode(join(files, 'server.key')), 0o600);
  t.equal(mode(files), 0o700);
  t.equal(tls.caHash, caHashOf(readFileSync(join(files, 'ca.crt'))), 'the hash of the PEM bytes as stored and served');

  const ca = new X509Certificate(tls.caPem);
  const server = new X509Certificate(tls.certPem);
  t.ok(ca.ca, 'the CA certificate is a CA');
  t.notOk(server.ca, 'the server certificate is not');
  t.ok(ca.verify(ca.publicKey), 'the CA is self-signed');
  t.ok(server.checkIssued(ca), 'issued by the CA');
  t.ok(server.verify(ca.publicKey), 'signed with the CA key');
  t.ok(server.checkPrivateKey((await import('node:crypto')).createPrivateKey(tls.keyPem)), 'server.key goes with server.crt');
  t.equal(new Date(ca.validTo).getTime(), Math.floor((NOW.getTime() + CA_VALIDITY_MS) / 1000) * 1000, 'CA valid for 10 years');
  t.equal(new Date(server.validTo).getTime(), Math.floor((NOW.getTime() + SERVER_CERT_VALIDITY_MS) / 1000) * 1000, 'server certificate valid for a year');
  t.ok(new Date(server.validFrom).getTime() < NOW.getTime(), 'valid from a little before now (clock skew)');
  t.same(sansOf(tls.certPem), { dns: ['localhost', 'pi-hub', 'hub.example'], ips: ['127.0.0.1', '::1', '10.1.2.3', 'fe80::1'] });
  t.equal(server.checkHost('hub.example'), 'hub.example');
  t.equal(server.checkIP('10.1.2.3'), '10.1.2.3');
  t.equal(server.checkIP('::1'), '::1');
  t.equal(server.checkHost('evil.example'), undefined);
});

t.test('later starts reuse everything; a new SAN or a near expiry re-issues from the same CA', async (t) => {
  const dir = tempDir(t);
  const first = loadOrCreateTls(dir, { host: '0.0.0.0', hostname: 'pi-hub', extraSans: ['old.example'], now: NOW });
  const again = loadOrCreateTls(dir, { host: '0.0.0.0', hostname: 'pi-hub', extraSans: ['old.example'], now: new Date(NOW.getTime() + 30 * DAY_MS) });
  t.notOk(again.issued, 'nothing re-issued');
  t.same(again, { ...first, issued: false }, 'same CA, certificate and key');

  const withSan = loadOrCreateTls(dir, { host: '0.0.0.0', hostname: 'pi-hub', extraSans: ['new.example'], now: NOW });
  t.ok(withSan.issued, 'a SAN the certificate lacks re-issues it');
  t.equal(withSan.caHash, first.caHash, 'the CA (and every join token) stays');
  t.not(withSan.keyPem, first.keyPem);
  t.ok(new X509Certificate(withSan.certPem).checkIssued(new X509Certificate(first.caPem)));
  t.same(sansOf(withSan.certPem).dns, ['localhost', 'pi-hub', 'new.example', 'old.example'], 'earlier SANs are kept');

  const late = new Date(NOW.getTime() + 300 * DAY_MS); // 65 days before the year runs out
  t.match(serverCertProblem(withSan.certPem, withSan.caPem, requiredSans({ host: '0.0.0.0', hostname: 'pi-hub' }), late), /^expires /);
  const renewed = loadOrCreateTls(dir, { host: '0.0.0.0', hostname: 'pi-hub', now: late });
  t.ok(renewed.issued, 'expiring within 90 days: re-issued');
  t.equal(renewed.caHash, first.caHash);
  t.equal(new Date(new X509Certificate(renewed.certPem).validTo).getTime(), Math.floor((late.getTime() + SERVER_CERT_VALIDITY_MS) / 1000) * 1000);
});

t.test('a server certificate from another CA, or a lost key, is re-issued', async (t) => {
  const dir = tempDir(t);
  const other = loadOrCreateTls(tempDir(t), { host: '0.0.0.0', hostname: 'h', now: NOW });
  const mine = loadOrCreateTls(dir, { host: '0.0.0.0', hostname: 'h', now: NOW });
  t.equal(serverCertProblem(other.certPem, mine.caPem, { dns: [], ips: [] }, NOW), 'not signed by the hub CA');
  writeFileSync(join(dir, 'tls', 'server.crt'), other.certPem);
  const fixed = loadOrCreateTls(dir, { host: '0.0.0.0', hostname: 'h', now: NOW });
  t.ok(fixed.issued);
  t.ok(new X509Certificate(fixed.certPem).checkIssued(new X509Certificate(mine.caPem)));
  rmSync(join(dir, 'tls', 'server.key'));
  t.ok(loadOrCreateTls(dir, { host: '0.0.0.0', hostname: 'h', now: NOW }).issued);
});

t.test('the join token file holds K10<CA hash>::<credential>; an old bare file is rewritten, the credential kept', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'join-token'), 'skiff-join.old-credential\n');
  const hash = 'a'.repeat(64);
  const identity = loadOrCreateIdentity(dir, hash);
  t.equal(identity.joinToken, `K10${hash}::skiff-join.old-credential`);
  t.equal(identity.joinCredential, 'skiff-join.old-credential');
  t.equal(readFileSync(join(dir, 'join-token'), 'utf8'), `K10${hash}::skiff-join.old-credential\n`);
  t.equal(mode(join(dir, 'join-token')), 0o600);
  t.same(parseJoinToken(identity.joinToken), { caHash: hash, credential: 'skiff-join.old-credential' });

  const otherHash = 'b'.repeat(64);
  t.equal(loadOrCreateIdentity(dir, otherHash).joinToken, `K10${otherHash}::skiff-join.old-credential`, 'a token naming another CA is corrected');
  t.equal(loadOrCreateIdentity(dir).joinToken, `K10${otherHash}::skiff-join.old-credential`, 'without a CA (plain hub) the file is left alone');

  const fresh = loadOrCreateIdentity(tempDir(t), hash);
  t.match(fresh.joinToken, new RegExp(`^K10${hash}::skiff-join\\.[A-Za-z0-9_-]{32}$`));
});

t.test('admin.config carries the CA as certificateAuthorityData, which the CLI decodes', async (t) => {
  const dir = tempDir(t);
  const tls = loadOrCreateTls(dir, { host: '127.0.0.1', hostname: 'h', now: NOW });
  const file = writeAdminConfig(dir, 'https://127.0.0.1:7443', 'skiff-admin.x', tls.caPem);
  t.equal(mode(file), 0o600);
  const text = readFileSync(file, 'utf8');
  const config = parseYaml(text) as Record<string, string>;
  t.equal(Buffer.from(config.certificateAuthorityData!, 'base64').toString(), tls.caPem);
  t.same(parseClientConfig(text, file), { server: 'https://127.0.0.1:7443', token: 'skiff-admin.x', caPem: tls.caPem });
  const plain = writeAdminConfig(dir, 'http://127.0.0.1:7443', 'skiff-admin.x');
  t.same(parseClientConfig(readFileSync(plain, 'utf8'), plain), { server: 'http://127.0.0.1:7443', token: 'skiff-admin.x' });
  t.throws(() => parseClientConfig('apiVersion: skiff/v1\nkind: ClientConfig\nserver: https://h:1\ntoken: t\ncertificateAuthorityData: "not base64!"\n', 'f'), {
    message: /invalid client config f: certificateAuthorityData/,
  });
});

t.test('join tokens: K10 with a 64-hex hash, or a bare credential; malformed ones named', async (t) => {
  const hash = 'c'.repeat(64);
  t.same(parseJoinToken(` K10${hash}::abcdef.0123456789abcdef\n`), { caHash: hash, credential: 'abcdef.0123456789abcdef' });
  t.same(parseJoinToken('skiff-join.x'), { credential: 'skiff-join.x' });
  t.throws(() => parseJoinToken(`K10${'C'.repeat(64)}::x`), /64 lowercase hex/);
  t.throws(() => parseJoinToken('K10abc::x'), /64 lowercase hex/);
  t.throws(() => parseJoinToken(`K10${hash}::`), /nothing after/);
  t.throws(() => parseJoinToken('  '), /empty/);
});

t.test('skiff hub: TLS by default; --plain-http, --plain-mqtt and repeatable --tls-san reach the hub options', async (t) => {
  const defaults = resolveHubOptions({ dataDir: '/d' }, {});
  t.notOk('plainHttp' in defaults || 'plainMqtt' in defaults || 'tlsSans' in defaults, 'nothing plain unless asked');
  t.match(resolveHubOptions({ dataDir: '/d', plainHttp: true, plainMqtt: true, tlsSan: ['hub.lan', '10.0.0.9'] }, {}), {
    plainHttp: true,
    plainMqtt: true,
    tlsSans: ['hub.lan', '10.0.0.9'],
  });
});

t.test("the CA's name is made of PrintableString characters only: Go's x509 (kubectl) refuses the certificate otherwise", async (t) => {
  const { certPem } = createCa(new Date('2026-12-05T00:00:00Z'));
  const subject = new X509Certificate(certPem).subject;
  t.equal(subject, 'CN=skiff-ca-1796428800');
  t.match(subject, /^[A-Za-z0-9 '()+,\-./:=?]*$/);
});
