/**
 * The apimachinery messages that Kubernetes' JSON writes as scalars, each as a protobuf table plus
 * the conversion to its JSON form: metav1.Time {seconds, nanos} -> "2026-12-06T01:02:03Z" (second
 * precision, as metav1.Time marshals), resource.Quantity {string} -> "250m", intstr.IntOrString
 * {type, intVal, strVal} -> 80 | "http", runtime.RawExtension {raw} -> the parsed JSON it holds.
 * A converter answers undefined for the zero value, which the message decoder then omits.
 */
import { SkiffError } from '../../../shared/errors.js';
import type { MessageSchema, WellKnownType } from './schema.js';

interface WellKnown {
  /** Field numbers from apimachinery's generated.proto (meta/v1, api/resource, util/intstr, runtime). */
  schema: MessageSchema;
  /** Every field is read as `optional` so that zeros reach the converter. */
  toJson(fields: Record<string, unknown>, path: string): unknown;
}

function timeToJson(fields: Record<string, unknown>): string | undefined {
  const seconds = (fields.seconds as number | undefined) ?? 0;
  const nanos = (fields.nanos as number | undefined) ?? 0;
  if (seconds === 0 && nanos === 0) return undefined; // the zero Time: JSON null, omitted here
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function intOrStringToJson(fields: Record<string, unknown>): number | string {
  // intstr.Type: 0 = Int, 1 = String.
  return fields.type === 1 ? ((fields.strVal as string | undefined) ?? '') : ((fields.intVal as number | undefined) ?? 0);
}

function rawToJson(fields: Record<string, unknown>, path: string): unknown {
  const raw = fields.raw as Buffer | undefined;
  if (raw === undefined || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE', `${path}: an embedded object that is not JSON cannot be decoded; send the object as JSON`, { cause: err });
  }
}

export const WELL_KNOWN: Readonly<Record<WellKnownType, WellKnown>> = {
  time: { schema: { 1: ['seconds', 'int64', 'optional'], 2: ['nanos', 'int32', 'optional'] }, toJson: timeToJson },
  quantity: { schema: { 1: ['string', 'string', 'optional'] }, toJson: (fields) => (fields.string as string | undefined) ?? '' },
  intOrString: {
    schema: { 1: ['type', 'int64', 'optional'], 2: ['intVal', 'int32', 'optional'], 3: ['strVal', 'string', 'optional'] },
    toJson: intOrStringToJson,
  },
  // `rawBytes`: the message decoder hands these over as a Buffer, not base64.
  raw: { schema: { 1: ['raw', 'rawBytes', 'optional'] }, toJson: rawToJson },
};

export function isWellKnown(type: string): type is WellKnownType {
  return Object.hasOwn(WELL_KNOWN, type);
}
