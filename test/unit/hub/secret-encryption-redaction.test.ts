/**
 * A rejected Secret never has its values echoed back: every field error of an invalid Secret
 * (bad base64, bad dockerconfigjson, wrong value types, unknown fields) is checked for the
 * secret bytes in plain text and in base64. Keys may be named, as Kubernetes names them.
 */
import t from 'tap';
import { ADMIN_TOKEN, startApi } from './watch-fixtures.js';
import { validateObject } from '../../../shared/api/validate.js';

const SENTINEL = 's3cr3t-SENTINEL-redaction';
const SENTINEL_B64 = Buffer.from(SENTINEL).toString('base64');
const b64 = (text: string): string => Buffer.from(text).toString('base64');

function secret(fields: Record<string, unknown>): unknown {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leaky' }, ...fields };
}

const cases: Array<[string, unknown]> = [
  ['data that is not base64', secret({ data: { password: `${SENTINEL}!` } })],
  ['dockerconfigjson that is not JSON', secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(SENTINEL) } })],
  ['dockerconfigjson that is JSON but starts with the secret', secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(`"${SENTINEL}" trailing`) } })],
  ['dockerconfigjson without auths', secret({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': JSON.stringify({ password: SENTINEL }) } })],
  ['a number where a value string belongs', secret({ data: { password: 42 }, stringData: { token: SENTINEL, other: { nested: SENTINEL } } })],
  ['an unsupported type', secret({ type: SENTINEL, stringData: { token: SENTINEL } })],
  ['an unknown field holding the secret', secret({ stringData: { token: SENTINEL }, extra: SENTINEL })],
  ['a basic-auth Secret missing its keys', secret({ type: 'kubernetes.io/basic-auth', stringData: { token: SENTINEL } })],
  ['data too large', secret({ data: { big: b64(SENTINEL.repeat(50_000)) } })],
];

for (const [name, input] of cases) {
  t.test(`validation errors do not echo Secret values: ${name}`, async (t) => {
    const result = validateObject(input);
    t.notOk(result.ok, 'the Secret is rejected');
    const text = JSON.stringify(result.ok ? [] : result.errors);
    t.notMatch(text, SENTINEL, 'no plaintext value');
    t.notMatch(text, SENTINEL_B64.slice(0, 16), 'no base64 of it');
  });
}

t.test('a malformed JSON body is refused without quoting it (it may be a Secret)', async (t) => {
  const api = await startApi(t);
  const sentinel = 'hunter2-SE'; // V8 quotes the text around the error: '..."assword": hunter2-SE"... is not valid JSON'
  const res = await fetch(`${api.url}/api/v1/namespaces/default/secrets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: `{"password": ${sentinel}NTINEL}`,
  });
  t.equal(res.status, 400);
  const text = await res.text();
  t.notMatch(text, sentinel, 'the body is not echoed');
  t.match(JSON.parse(text).message, /^the request body is not valid JSON/);
});
