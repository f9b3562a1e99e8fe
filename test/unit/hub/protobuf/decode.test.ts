import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs/minimal.js';
import { KUBE_PROTOBUF, decodeKubeProtobuf } from '../../../../hub/api/protobuf/decode.js';
import { repoRoot } from '../../../helpers/repo.js';

const FIXTURES = join(repoRoot(), 'test', 'fixtures', 'kubectl-protobuf');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

/** A body as kube's protobuf serializer writes it: magic, then runtime.Unknown. */
function body(typeMeta: { apiVersion?: string; kind?: string }, raw?: Uint8Array, contentEncoding?: string): Buffer {
  const meta = protobuf.Writer.create();
  if (typeMeta.apiVersion !== undefined) meta.uint32((1 << 3) | 2).string(typeMeta.apiVersion);
  if (typeMeta.kind !== undefined) meta.uint32((2 << 3) | 2).string(typeMeta.kind);
  const unknown = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(meta.finish());
  if (raw !== undefined) unknown.uint32((2 << 3) | 2).bytes(raw);
  if (contentEncoding !== undefined) unknown.uint32((3 << 3) | 2).string(contentEncoding);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown.finish()]);
}

t.equal(KUBE_PROTOBUF, 'application/vnd.kubernetes.protobuf');

t.test('every body kubectl 1.32 sent decodes to the JSON object it stands for', async (t) => {
  const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
  t.ok(names.length >= 27, 'the captured commands are all there');
  for (const name of names) {
    t.strictSame(decodeKubeProtobuf(fixture(`${name}.bin`)), JSON.parse(fixture(`${name}.json`).toString('utf8')), name);
  }
});

t.test('JSON conventions: base64 Secret data, IntOrString numbers and names, kept pointer zeros', async (t) => {
  const secret = decodeKubeProtobuf(fixture('create-secret-generic.bin')) as { data: Record<string, string> };
  t.equal(Buffer.from(secret.data.password!, 'base64').toString('utf8'), 's3cr3t!');
  const configMap = decodeKubeProtobuf(fixture('create-configmap.bin')) as { binaryData: Record<string, string> };
  t.same([...Buffer.from(configMap.binaryData['bin.dat']!, 'base64')], [0x00, 0x01, 0xff, 0xfe]);
  const service = decodeKubeProtobuf(fixture('create-service-nodeport.bin')) as { spec: { ports: { targetPort: unknown }[] } };
  t.equal(service.spec.ports[0]!.targetPort, 8080);
  const ingress = decodeKubeProtobuf(fixture('create-ingress.bin')) as { spec: { rules: { http: { paths: { backend: unknown }[] } }[] } };
  t.same(ingress.spec.rules[1]!.http.paths[0]!.backend, { service: { name: 'files', port: { name: 'http' } } }, 'IngressRuleValue is inline, a named port a name');
  const deployment = decodeKubeProtobuf(fixture('create-deployment.bin')) as { metadata: object; spec: { template: { metadata: object } } };
  t.notOk('creationTimestamp' in deployment.metadata, 'the zero Time is omitted');
  t.notOk('status' in deployment, 'an empty status is omitted');
});

t.test('a kind without a schema asks for JSON (415)', async (t) => {
  t.throws(() => decodeKubeProtobuf(fixture('create-quota.bin')), {
    code: 'SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE',
    message: 'v1 ResourceQuota cannot be decoded from application/vnd.kubernetes.protobuf; send it as application/json instead (for kubectl: write a manifest and use `kubectl apply -f`)',
  });
  t.throws(() => decodeKubeProtobuf(body({ apiVersion: 'v1', kind: 'ConfigMap' }, new Uint8Array(), 'gzip')), {
    code: 'SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE',
    message: /^v1 ConfigMap with content encoding "gzip" cannot be decoded/,
  });
});

t.test('a field number the schema lacks is a 415 naming the message, the number and where', async (t) => {
  // ConfigMap field 9 does not exist; PodSpec field 33 (topologySpreadConstraints) is not modelled.
  const configMap = protobuf.Writer.create().uint32((9 << 3) | 2).string('x').finish();
  t.throws(() => decodeKubeProtobuf(body({ apiVersion: 'v1', kind: 'ConfigMap' }, configMap)), {
    code: 'SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE',
    message: 'protobuf body: core/v1.ConfigMap field 9 is not one Skiff decodes; send the object as JSON instead (a manifest with `kubectl apply -f`)',
  });
  const podSpec = protobuf.Writer.create().uint32((33 << 3) | 2).bytes(new Uint8Array()).finish();
  const template = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(podSpec).finish();
  const spec = protobuf.Writer.create().uint32((3 << 3) | 2).bytes(template).finish();
  const deployment = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(spec).finish();
  t.throws(() => decodeKubeProtobuf(body({ apiVersion: 'apps/v1', kind: 'Deployment' }, deployment)), {
    code: 'SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE',
    message: /^protobuf body: core\/v1\.PodSpec field 33 \(in spec\.template\.spec\) is not one Skiff decodes/,
  });
});

t.test('malformed bytes are 400s', async (t) => {
  t.throws(() => decodeKubeProtobuf(Buffer.from('{"kind":"ConfigMap"}')), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'protobuf body: does not start with the Kubernetes magic "k8s\\0"' });
  t.throws(() => decodeKubeProtobuf(Buffer.from('k8s', 'latin1')), { code: 'SKIFF_ERR_BAD_REQUEST', message: /magic/ });
  const whole = fixture('create-configmap.bin');
  t.throws(() => decodeKubeProtobuf(whole.subarray(0, whole.length - 5)), { code: 'SKIFF_ERR_BAD_REQUEST', message: /^protobuf body: malformed \(index out of range/ });
  t.throws(() => decodeKubeProtobuf(body({ kind: 'ConfigMap' })), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'protobuf body: apiVersion and kind must be set' });
  t.throws(() => decodeKubeProtobuf(Buffer.from('k8s\0', 'latin1')), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'protobuf body: apiVersion and kind must be set' });
  // ConfigMap field 4 (immutable) is a varint; as a string it does not fit.
  const wrongWire = protobuf.Writer.create().uint32((4 << 3) | 2).string('yes').finish();
  t.throws(() => decodeKubeProtobuf(body({ apiVersion: 'v1', kind: 'ConfigMap' }, wrongWire)), {
    code: 'SKIFF_ERR_BAD_REQUEST',
    message: 'protobuf body: core/v1.ConfigMap field 4 (immutable) has wire type 2, expected 0',
  });
});

t.test('a policy/v1 Eviction keeps a zero grace period: it means "delete now"', async (t) => {
  const deleteOptions = protobuf.Writer.create().uint32((1 << 3) | 0).int64(0).uint32((4 << 3) | 2).string('Foreground').finish();
  const metadata = protobuf.Writer.create().uint32((1 << 3) | 2).string('web-1').uint32((3 << 3) | 2).string('default').finish();
  const eviction = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(metadata).uint32((2 << 3) | 2).bytes(deleteOptions).finish();
  t.strictSame(decodeKubeProtobuf(body({ apiVersion: 'policy/v1', kind: 'Eviction' }, eviction)), {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: 'web-1', namespace: 'default' },
    deleteOptions: { gracePeriodSeconds: 0, propagationPolicy: 'Foreground' },
  });
});

t.test('an object with no fields is its apiVersion and kind', async (t) => {
  t.same(decodeKubeProtobuf(body({ apiVersion: 'v1', kind: 'Namespace' })), { apiVersion: 'v1', kind: 'Namespace' });
});
