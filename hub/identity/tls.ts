/**
 * The hub's own certificate authority and its serving certificate, as k3s makes them on first
 * start: DATA/tls/ca.crt + ca.key (10 years) and DATA/tls/server.crt + server.key, signed by that
 * CA, for the API (HTTPS) and the broker (MQTTS). Later starts reuse them; the server certificate
 * alone is re-issued, from the same CA, when it lacks a SAN now required (a new --tls-san, a new
 * hostname) or expires within 90 days, so the CA hash in every join token never changes.
 *
 * Keys come from node:crypto (RSA 2048: node-forge has no EC), and so do signatures (forge's
 * pure-JS RSA takes ~0.5 s a signature on a small machine, node:crypto a few ms); node-forge only
 * builds the X.509 structures, which node:crypto cannot do. No openssl binary is involved.
 */
import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { caHashOf } from '../../shared/join-token.js';

const DAY_MS = 86_400_000;
export const CA_VALIDITY_MS = 3650 * DAY_MS;
/** One year, as k3s' serving certificates. */
export const SERVER_CERT_VALIDITY_MS = 365 * DAY_MS;
/** A server certificate expiring sooner than this is re-issued at start (k3s: 90 days). */
export const SERVER_CERT_RENEW_BEFORE_MS = 90 * DAY_MS;

export const TLS_FILES = {
  dir: 'tls',
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'server.crt',
  serverKey: 'server.key',
} as const;

export interface HubTls {
  /** The CA certificate PEM exactly as served on GET /cacerts (its sha256 is the join token's hash). */
  caPem: string;
  caHash: string;
  certPem: string;
  keyPem: string;
  /** True when the server certificate was (re-)issued by this call. */
  issued: boolean;
}

export interface TlsOptions {
  /** The address the hub listens on; added as a SAN unless it is a wildcard. */
  host: string;
  /** --tls-san values: extra DNS names or IPs clients may use to reach the hub. */
  extraSans?: readonly string[];
  now?: Date;
  /** os.hostname(), injectable for tests. */
  hostname?: string;
}

export interface SubjectAltNames {
  dns: string[];
  ips: string[];
}

/** Canonical text of an IP (IPv6 compressed, lowercase), so SAN sets compare by value. */
export function canonicalIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]`).hostname.slice(1, -1) : ip;
}

/** Every name the server certificate must carry: localhost, this host, loopbacks, the listen host, --tls-san. */
export function requiredSans(options: TlsOptions): SubjectAltNames {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  const add = (value: string): void => {
    const name = value.trim();
    if (name === '' || name === '0.0.0.0' || name === '::') return;
    if (isIP(name)) ips.add(canonicalIp(name));
    else dns.add(name.toLowerCase());
  };
  add(options.hostname ?? hostname());
  add(options.host);
  for (const san of options.extraSans ?? []) add(san);
  return { dns: [...dns], ips: [...ips] };
}

/** The SANs a PEM certificate carries. */
export function sansOf(certPem: string): SubjectAltNames {
  const cert = forge.pki.certificateFromPem(certPem);
  const extension = cert.getExtension('subjectAltName') as { altNames?: Array<{ type: number; value?: string; ip?: string }> } | null;
  const dns: string[] = [];
  const ips: string[] = [];
  for (const name of extension?.altNames ?? []) {
    if (name.type === 2 && name.value) dns.push(name.value.toLowerCase());
    if (name.type === 7 && name.ip) ips.push(canonicalIp(name.ip));
  }
  return { dns, ips };
}

/** Why the stored server certificate must be re-issued, or undefined when it is still good. */
export function serverCertProblem(certPem: string, caPem: string, required: SubjectAltNames, now: Date): string | undefined {
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'not signed by the hub CA';
  if (new Date(cert.validTo).getTime() - now.getTime() < SERVER_CERT_RENEW_BEFORE_MS) return `expires ${cert.validTo}`;
  const present = sansOf(certPem);
  const missing = [...required.dns.filter((d) => !present.dns.includes(d)), ...required.ips.filter((ip) => !present.ips.includes(ip))];
  return missing.length > 0 ? `lacks SAN ${missing.join(', ')}` : undefined;
}

function rsaKeyPair(): { publicKey: forge.pki.PublicKey; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { publicKey: forge.pki.publicKeyFromPem(publicKey), privatePem: privateKey };
}

/**
 * Signs `cert` (sha256WithRSAEncryption) with node:crypto. forge's cert.sign only reads
 * `md.algorithm`, feeds the DER TBSCertificate to `md.update` and asks `key.sign(md)` for the
 * signature as a binary string: a collecting digest and a node:crypto signer stand in for its own.
 */
function signWithNodeCrypto(cert: forge.pki.Certificate, keyPem: string): void {
  let tbs = '';
  const collector = { algorithm: 'sha256', update: (bytes: string) => void (tbs += bytes) };
  const signer = { sign: () => sign('sha256', Buffer.from(tbs, 'binary'), keyPem).toString('binary') };
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, collector as unknown as forge.md.MessageDigest);
}

/** A positive serial of 16 random bytes (RFC 5280 §4.1.2.2: at most 20 octets, non-negative). */
function serialNumber(): string {
  return `01${randomBytes(15).toString('hex')}`;
}

// The CN is written as a PrintableString (node-forge's default), where Go's x509, and so kubectl,
// refuses '@' (Go itself writes such a name as a UTF8String). '-' is a PrintableString character.
export function createCa(now: Date, commonName = `skiff-ca-${Math.floor(now.getTime() / 1000)}`): { certPem: string; keyPem: string } {
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - 60_000); // a little clock skew between machines
  cert.validity.notAfter = new Date(now.getTime() + CA_VALIDITY_MS);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signWithNodeCrypto(cert, keys.privatePem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

export function issueServerCert(ca: { certPem: string; keyPem: string }, sans: SubjectAltNames, now: Date): { certPem: string; keyPem: string } {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + SERVER_CERT_VALIDITY_MS);
  cert.setSubject([{ name: 'commonName', value: 'skiff-hub' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    { name: 'subjectAltName', altNames: [...sans.dns.map((value) => ({ type: 2, value })), ...sans.ips.map((ip) => ({ type: 7, ip }))] },
  ]);
  signWithNodeCrypto(cert, ca.keyPem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

/** Atomic (temp + rename) so a power cut never leaves half a key; keys 0600. */
function writeAtomic(file: string, text: string, mode: number): void {
  const temp = `${file}.tmp`;
  writeFileSync(temp, text, { mode });
  chmodSync(temp, mode); // the mode option is masked by umask
  renameSync(temp, file);
}

/** Loads DATA/tls, creating the CA on first start and (re-)issuing the server certificate when needed. */
export function loadOrCreateTls(dataDir: string, options: TlsOptions): HubTls {
  const now = options.now ?? new Date();
  const dir = join(dataDir, TLS_FILES.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (name: keyof typeof TLS_FILES): string => join(dir, TLS_FILES[name]);
  if (!existsSync(path('caCert')) || !existsSync(path('caKey'))) {
    const ca = createCa(now);
    writeAtomic(path('caKey'), ca.keyPem, 0o600);
    writeAtomic(path('caCert'), ca.certPem, 0o644);
  }
  const ca = { certPem: readFileSync(path('caCert'), 'utf8'), keyPem: readFileSync(path('caKey'), 'utf8') };
  const required = requiredSans(options);
  let issued = false;
  if (!existsSync(path('serverCert')) || !existsSync(path('serverKey')) || serverCertProblem(readFileSync(path('serverCert'), 'utf8'), ca.certPem, required, now)) {
    // Keep every SAN the old certificate had (an earlier --tls-san still names this hub).
    const previous = existsSync(path('serverCert')) ? sansOf(readFileSync(path('serverCert'), 'utf8')) : { dns: [], ips: [] };
    const sans = { dns: [...new Set([...required.dns, ...previous.dns])], ips: [...new Set([...required.ips, ...previous.ips])] };
    const server = issueServerCert(ca, sans, now);
    writeAtomic(path('serverKey'), server.keyPem, 0o600);
    writeAtomic(path('serverCert'), server.certPem, 0o644);
    issued = true;
  }
  return {
    caPem: ca.certPem,
    caHash: caHashOf(ca.certPem),
    certPem: readFileSync(path('serverCert'), 'utf8'),
    keyPem: readFileSync(path('serverKey'), 'utf8'),
    issued,
  };
}
