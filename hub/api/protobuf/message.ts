/**
 * One protobuf message -> its Kubernetes JSON form, driven by a schema table (schema.ts). The wire
 * format is read with protobufjs' Reader; this file owns only the mapping: which fields exist,
 * how each becomes JSON, and which zero values JSON's omitempty would leave out. A field number a
 * table lacks is an error naming the message, the number and where it was: never dropped.
 */
import protobuf from 'protobufjs/minimal.js';
import { SkiffError } from '../../../shared/errors.js';
import type { FieldSpec, MessageSchema, SchemaTables } from './schema.js';
import { WELL_KNOWN, isWellKnown } from './well-known.js';

const { Reader } = protobuf;
type WireReader = protobuf.Reader;

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const VARINT_TYPES = new Set(['int32', 'int64', 'bool']);
const MAP_VALUE = /^map<string,(\w+)>$/;

/** Where a value sits in the object, for messages: `spec.template.spec.containers[0]`. */
function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function badRequest(message: string): SkiffError {
  return new SkiffError('SKIFF_ERR_BAD_REQUEST', `protobuf body: ${message}`);
}

function int64(reader: WireReader, path: string): number {
  const bits = protobuf.util.LongBits.from(reader.int64());
  const n = bits.toNumber();
  if (!Number.isSafeInteger(n)) {
    const exact = BigInt.asIntN(64, (BigInt(bits.hi >>> 0) << 32n) | BigInt(bits.lo >>> 0));
    throw badRequest(`${path}: ${exact} is out of range of a JSON number`);
  }
  return n;
}

/** What JSON's omitempty leaves out: zero scalars, empty strings and empty objects. */
function isZero(value: unknown): boolean {
  if (value === undefined || value === '' || value === 0 || value === false) return true;
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && Object.keys(value).length === 0;
}

/** A map entry message: key = 1, value = 2 (both kept when empty: a label may be ""). */
function entrySchema(valueType: string): MessageSchema {
  return { 1: ['key', 'string', 'optional'], 2: ['value', valueType, 'optional'] };
}

function readValue(reader: WireReader, type: string, tables: SchemaTables, path: string): unknown {
  switch (type) {
    case 'string':
      return reader.string();
    case 'bytes':
      return Buffer.from(reader.bytes()).toString('base64');
    case 'rawBytes':
      return Buffer.from(reader.bytes());
    case 'int32':
      return reader.int32();
    case 'int64':
      return int64(reader, path);
    case 'bool':
      return reader.bool();
  }
  const bytes = reader.bytes();
  if (isWellKnown(type)) return WELL_KNOWN[type].toJson(decodeWith(bytes, WELL_KNOWN[type].schema, type, tables, path), path);
  const mapValue = MAP_VALUE.exec(type)?.[1];
  if (mapValue !== undefined) return decodeWith(bytes, entrySchema(mapValue), type, tables, path);
  const schema = tables[type];
  if (schema === undefined) throw new SkiffError('SKIFF_ERR_INTERNAL', `protobuf schema: ${path} refers to ${type}, which has no table`);
  return decodeWith(bytes, schema, type, tables, path);
}

function readField(reader: WireReader, wireType: number, spec: FieldSpec, out: Record<string, unknown>, ctx: { message: string; number: number; tables: SchemaTables; path: string }): void {
  const [name, type, ...flags] = spec;
  const repeated = flags.includes('repeated');
  const path = join(ctx.path, name);
  const expected = VARINT_TYPES.has(type) ? WIRE_VARINT : WIRE_LENGTH_DELIMITED;
  const packed = repeated && expected === WIRE_VARINT && wireType === WIRE_LENGTH_DELIMITED;
  if (wireType !== expected && !packed) throw badRequest(`${ctx.message} field ${ctx.number} (${path}) has wire type ${wireType}, expected ${expected}`);

  if (type.startsWith('map<')) {
    const entry = readValue(reader, type, ctx.tables, path) as { key?: string; value?: unknown };
    const map = (out[name] ??= {}) as Record<string, unknown>;
    map[entry.key ?? ''] = entry.value ?? '';
    return;
  }
  if (repeated) {
    const list = (out[name] ??= []) as unknown[];
    if (packed) {
      const end = reader.uint32() + reader.pos;
      while (reader.pos < end) list.push(readValue(reader, type, ctx.tables, `${path}[${list.length}]`));
    } else {
      list.push(readValue(reader, type, ctx.tables, `${path}[${list.length}]`));
    }
    return;
  }
  const value = readValue(reader, type, ctx.tables, path);
  if (flags.includes('inline')) Object.assign(out, value);
  else if (value !== undefined && (flags.includes('optional') || !isZero(value))) out[name] = value;
}

function decodeWith(bytes: Uint8Array, schema: MessageSchema, message: string, tables: SchemaTables, path: string): Record<string, unknown> {
  const reader = Reader.create(bytes);
  const out: Record<string, unknown> = {};
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const number = tag >>> 3;
    const spec = schema[number];
    if (spec === undefined) {
      throw new SkiffError(
        'SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE',
        `protobuf body: ${message} field ${number}${path === '' ? '' : ` (in ${path})`} is not one Skiff decodes; send the object as JSON instead (a manifest with \`kubectl apply -f\`)`,
      );
    }
    readField(reader, tag & 7, spec, out, { message, number, tables, path });
  }
  return out;
}

/**
 * The JSON form of the message `message` (a key of `tables`) in `bytes`. Throws SkiffError:
 * SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE for a field the tables lack, SKIFF_ERR_BAD_REQUEST for a wire
 * type that does not fit the field; truncated bytes throw protobufjs' RangeError (decode.ts maps it).
 */
export function decodeMessage(bytes: Uint8Array, message: string, tables: SchemaTables): Record<string, unknown> {
  const schema = tables[message];
  if (schema === undefined) throw new SkiffError('SKIFF_ERR_INTERNAL', `protobuf schema: no table for ${message}`);
  return decodeWith(bytes, schema, message, tables, '');
}
