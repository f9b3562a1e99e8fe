import t from 'tap';
import protobuf from 'protobufjs/minimal.js';
import { decodeMessage } from '../../../../hub/api/protobuf/message.js';
import type { SchemaTables } from '../../../../hub/api/protobuf/schema.js';

const LEN = 2;
const VARINT = 0;
const w = () => protobuf.Writer.create();
const tag = (number: number, wireType: number) => (number << 3) | wireType;

/** A made-up message using every kind of field the decoder knows. */
const TABLES: SchemaTables = {
  'test.Thing': {
    1: ['name', 'string'],
    2: ['count', 'int32'],
    3: ['big', 'int64'],
    4: ['on', 'bool'],
    5: ['blob', 'bytes'],
    6: ['when', 'time'],
    7: ['size', 'quantity'],
    8: ['port', 'intOrString'],
    9: ['embedded', 'raw'],
    10: ['labels', 'map<string,string>'],
    11: ['limits', 'map<string,quantity>'],
    12: ['files', 'map<string,bytes>'],
    13: ['ids', 'int64', 'repeated'],
    14: ['child', 'test.Child'],
    15: ['children', 'test.Child', 'repeated'],
    16: ['flat', 'test.Child', 'inline'],
    17: ['replicas', 'int32', 'optional'],
    18: ['automount', 'bool', 'optional'],
    19: ['emptyDir', 'test.Child', 'optional'],
    20: ['surge', 'intOrString', 'optional'],
    21: ['args', 'string', 'repeated'],
    22: ['dangling', 'test.Missing'],
  },
  'test.Child': { 1: ['key', 'string'], 2: ['value', 'string'] },
};

const child = (key: string, value = '') => w().uint32(tag(1, LEN)).string(key).uint32(tag(2, LEN)).string(value).finish();
const decode = (writer: protobuf.Writer) => decodeMessage(writer.finish(), 'test.Thing', TABLES);

t.test('scalars become their JSON forms, zeros are omitted', async (t) => {
  const bytes = w()
    .uint32(tag(1, LEN)).string('web')
    .uint32(tag(2, VARINT)).int32(-3)
    .uint32(tag(3, VARINT)).int64(2 ** 40)
    .uint32(tag(4, VARINT)).bool(true)
    .uint32(tag(5, LEN)).bytes(Buffer.from([0, 255]));
  t.strictSame(decode(bytes), { name: 'web', count: -3, big: 2 ** 40, on: true, blob: 'AP8=' });
  const zeros = w().uint32(tag(1, LEN)).string('').uint32(tag(2, VARINT)).int32(0).uint32(tag(4, VARINT)).bool(false).uint32(tag(14, LEN)).bytes(new Uint8Array());
  t.strictSame(decode(zeros), {}, 'as Go writes every non-pointer field, JSON omitempty drops them');
  t.strictSame(decode(w().uint32(tag(3, VARINT)).int64(-5)), { big: -5 }, 'a negative int64');
});

t.test('pointer fields keep their zero values', async (t) => {
  const bytes = w()
    .uint32(tag(17, VARINT)).int32(0)
    .uint32(tag(18, VARINT)).bool(false)
    .uint32(tag(19, LEN)).bytes(new Uint8Array())
    .uint32(tag(20, LEN)).bytes(new Uint8Array());
  t.strictSame(decode(bytes), { replicas: 0, automount: false, emptyDir: {}, surge: 0 });
});

t.test('metav1.Time is RFC 3339 to the second; the zero Time is omitted', async (t) => {
  const time = (seconds: number, nanos?: number) => {
    const m = w().uint32(tag(1, VARINT)).int64(seconds);
    if (nanos !== undefined) m.uint32(tag(2, VARINT)).int32(nanos);
    return m.finish();
  };
  t.strictSame(decode(w().uint32(tag(6, LEN)).bytes(time(Date.UTC(2026, 11, 6, 1, 2, 3) / 1000, 500))), { when: '2026-12-06T01:02:03Z' });
  t.strictSame(decode(w().uint32(tag(6, LEN)).bytes(new Uint8Array())), {});
  t.strictSame(decode(w().uint32(tag(6, LEN)).bytes(w().uint32(tag(2, VARINT)).int32(1).finish())), { when: '1970-01-01T00:00:00Z' }, 'nanos alone still a time');
});

t.test('Quantity is its string, IntOrString a number or a name', async (t) => {
  t.strictSame(decode(w().uint32(tag(7, LEN)).bytes(w().uint32(tag(1, LEN)).string('250m').finish())), { size: '250m' });
  t.strictSame(decode(w().uint32(tag(7, LEN)).bytes(new Uint8Array())), {}, 'an empty Quantity is omitted');
  const intOrString = (type: number, intVal?: number, strVal?: string) => {
    const m = w().uint32(tag(1, VARINT)).int64(type);
    if (intVal !== undefined) m.uint32(tag(2, VARINT)).int32(intVal);
    if (strVal !== undefined) m.uint32(tag(3, LEN)).string(strVal);
    return m.finish();
  };
  t.strictSame(decode(w().uint32(tag(8, LEN)).bytes(intOrString(0, 8080))), { port: 8080 });
  t.strictSame(decode(w().uint32(tag(8, LEN)).bytes(intOrString(1, undefined, 'http'))), { port: 'http' });
  t.strictSame(decode(w().uint32(tag(8, LEN)).bytes(intOrString(1))), {}, 'an empty name is omitted');
  t.strictSame(decode(w().uint32(tag(20, LEN)).bytes(intOrString(0))), { surge: 0 });
});

t.test('RawExtension holds JSON', async (t) => {
  const raw = (text: string) => w().uint32(tag(1, LEN)).bytes(Buffer.from(text)).finish();
  t.strictSame(decode(w().uint32(tag(9, LEN)).bytes(raw('{"a":[1,"b"]}'))), { embedded: { a: [1, 'b'] } });
  t.strictSame(decode(w().uint32(tag(9, LEN)).bytes(raw(''))), {});
  t.strictSame(decode(w().uint32(tag(9, LEN)).bytes(new Uint8Array())), {});
  t.throws(() => decode(w().uint32(tag(9, LEN)).bytes(raw('k8s\0...'))), {
    code: 'SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE',
    message: 'embedded: an embedded object that is not JSON cannot be decoded; send the object as JSON',
  });
});

t.test('maps: entries keep empty values, bytes in base64, quantities as strings', async (t) => {
  const entry = (key: string | undefined, value?: Uint8Array | string) => {
    const m = w();
    if (key !== undefined) m.uint32(tag(1, LEN)).string(key);
    if (typeof value === 'string') m.uint32(tag(2, LEN)).string(value);
    else if (value !== undefined) m.uint32(tag(2, LEN)).bytes(value);
    return m.finish();
  };
  const bytes = w()
    .uint32(tag(10, LEN)).bytes(entry('app', 'web'))
    .uint32(tag(10, LEN)).bytes(entry('tier', ''))
    .uint32(tag(10, LEN)).bytes(entry(undefined))
    .uint32(tag(11, LEN)).bytes(entry('cpu', w().uint32(tag(1, LEN)).string('500m').finish()))
    .uint32(tag(12, LEN)).bytes(entry('key', Buffer.from('hi')));
  t.strictSame(decode(bytes), { labels: { app: 'web', tier: '', '': '' }, limits: { cpu: '500m' }, files: { key: 'aGk=' } });
});

t.test('repeated fields, packed or not, and messages: nested, listed, inline', async (t) => {
  const packed = w().int64(1).int64(2).finish();
  const bytes = w()
    .uint32(tag(13, VARINT)).int64(7)
    .uint32(tag(13, LEN)).bytes(packed)
    .uint32(tag(21, LEN)).string('')
    .uint32(tag(21, LEN)).string('x')
    .uint32(tag(14, LEN)).bytes(child('a', 'b'))
    .uint32(tag(15, LEN)).bytes(child('c'))
    .uint32(tag(15, LEN)).bytes(new Uint8Array())
    .uint32(tag(16, LEN)).bytes(child('inlined', 'yes'));
  t.strictSame(decode(bytes), {
    ids: [7, 1, 2],
    args: ['', 'x'],
    child: { key: 'a', value: 'b' },
    children: [{ key: 'c' }, {}],
    key: 'inlined',
    value: 'yes',
  });
});

t.test('errors name the message, the field and the path', async (t) => {
  t.throws(() => decode(w().uint32(tag(14, LEN)).bytes(w().uint32(tag(3, LEN)).string('?').finish())), {
    code: 'SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE',
    message: /^protobuf body: test\.Child field 3 \(in child\) is not one Skiff decodes/,
  });
  t.throws(() => decode(w().uint32(tag(15, LEN)).bytes(child('ok')).uint32(tag(15, LEN)).bytes(w().uint32(tag(9, VARINT)).int32(1).finish())), {
    message: /test\.Child field 9 \(in children\[1\]\)/,
  });
  t.throws(() => decode(w().uint32(tag(2, LEN)).string('3')), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'protobuf body: test.Thing field 2 (count) has wire type 2, expected 0' });
  t.throws(() => decode(w().uint32(tag(1, VARINT)).int32(3)), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'protobuf body: test.Thing field 1 (name) has wire type 0, expected 2' });
  t.throws(() => decode(w().uint32(tag(3, VARINT)).int64(2 ** 60)), { code: 'SKIFF_ERR_BAD_REQUEST', message: 'protobuf body: big: 1152921504606846976 is out of range of a JSON number' });
  t.throws(() => decode(w().uint32(tag(22, LEN)).bytes(new Uint8Array())), { code: 'SKIFF_ERR_INTERNAL', message: 'protobuf schema: dangling refers to test.Missing, which has no table' });
  t.throws(() => decodeMessage(new Uint8Array(), 'test.Nothing', TABLES), { code: 'SKIFF_ERR_INTERNAL', message: 'protobuf schema: no table for test.Nothing' });
});
