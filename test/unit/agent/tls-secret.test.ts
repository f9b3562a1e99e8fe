/**
 * tlsPairOf: the certificate and key the ingress proxy serves, read from a kubernetes.io/tls
 * Secret of the desired state; anything else (no Secret, another type, a ConfigMap, a missing or
 * empty tls.crt or tls.key) gives undefined, so the proxy refuses TLS for that host.
 */
import t from 'tap';
import { TLS_SECRET_TYPE, tlsPairOf } from '../../../agent/services/tls-secret.js';
import type { DesiredConfigObject } from '../../../shared/mqtt/messages.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIBkey\n-----END PRIVATE KEY-----\n';
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function tlsSecret(data: Record<string, string>, type: string = TLS_SECRET_TYPE): DesiredConfigObject {
  return { kind: 'Secret', namespace: 'default', name: 'shop-tls', type, data };
}

t.test('a kubernetes.io/tls Secret gives its decoded certificate and key', async (t) => {
  t.equal(TLS_SECRET_TYPE, 'kubernetes.io/tls');
  t.strictSame(tlsPairOf(tlsSecret({ 'tls.crt': b64(CERT), 'tls.key': b64(KEY) })), { cert: CERT, key: KEY });
  t.strictSame(tlsPairOf(tlsSecret({ 'tls.crt': b64(CERT), 'tls.key': b64(KEY), 'ca.crt': b64('other') })), { cert: CERT, key: KEY }, 'other keys are ignored');
});

t.test('a Secret of another type gives undefined, even with both keys', async (t) => {
  const data = { 'tls.crt': b64(CERT), 'tls.key': b64(KEY) };
  t.equal(tlsPairOf(tlsSecret(data, 'Opaque')), undefined, 'Opaque');
  t.equal(tlsPairOf({ kind: 'Secret', namespace: 'default', name: 'shop-tls', data }), undefined, 'no type');
  t.equal(tlsPairOf({ kind: 'ConfigMap', namespace: 'default', name: 'shop-tls', data }), undefined, 'a ConfigMap');
});

t.test('a tls Secret without either key, or with an empty one, gives undefined', async (t) => {
  t.equal(tlsPairOf(tlsSecret({ 'tls.key': b64(KEY) })), undefined, 'no tls.crt');
  t.equal(tlsPairOf(tlsSecret({ 'tls.crt': b64(CERT) })), undefined, 'no tls.key');
  t.equal(tlsPairOf(tlsSecret({})), undefined, 'no data');
  t.equal(tlsPairOf(tlsSecret({ 'tls.crt': b64(CERT), 'tls.key': '' })), undefined, 'an empty tls.key');
  t.equal(tlsPairOf(tlsSecret({ 'tls.crt': '', 'tls.key': b64(KEY) })), undefined, 'an empty tls.crt');
});

t.test('no Secret gives undefined', async (t) => {
  t.equal(tlsPairOf(undefined), undefined);
});
