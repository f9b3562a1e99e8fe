/**
 * Request bodies in Kubernetes' protobuf encoding (`Content-Type: application/vnd.kubernetes.protobuf`,
 * what kubectl's typed clients send for `create configmap`, `auth can-i`, ...) -> the JSON-form
 * object the rest of the hub handles. Format (k8s.io/apimachinery runtime/serializer/protobuf): the
 * 4-byte magic `k8s\0`, then a runtime.Unknown {typeMeta{apiVersion, kind}, raw, contentEncoding,
 * contentType} whose raw is the typed message, itself without TypeMeta.
 */
import { SkiffError } from '../../../shared/errors.js';
import { KIND_MESSAGES, TABLES } from './kinds.js';
import { decodeMessage } from './message.js';
import type { SchemaTables } from './schema.js';

export const KUBE_PROTOBUF = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from('k8s\0', 'latin1');

/** k8s.io/apimachinery/pkg/runtime generated.proto. */
const ENVELOPE: SchemaTables = {
  'runtime.Unknown': {
    1: ['typeMeta', 'runtime.TypeMeta'],
    2: ['raw', 'rawBytes'],
    3: ['contentEncoding', 'string'],
    4: ['contentType', 'string'],
  },
  'runtime.TypeMeta': { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] },
};

interface Envelope {
  typeMeta?: { apiVersion?: string; kind?: string };
  raw?: Buffer;
  contentEncoding?: string;
  contentType?: string;
}

function sendJsonInstead(what: string): SkiffError {
  return new SkiffError(
    'SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE',
    `${what} cannot be decoded from ${KUBE_PROTOBUF}; send it as application/json instead (for kubectl: write a manifest and use \`kubectl apply -f\`)`,
  );
}

function decodeObject(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `protobuf body: does not start with the Kubernetes magic "k8s\\0"`);
  }
  const envelope = decodeMessage(body.subarray(MAGIC.length), 'runtime.Unknown', ENVELOPE) as Envelope;
  const apiVersion = envelope.typeMeta?.apiVersion ?? '';
  const kind = envelope.typeMeta?.kind ?? '';
  if (apiVersion === '' || kind === '') throw new SkiffError('SKIFF_ERR_BAD_REQUEST', 'protobuf body: apiVersion and kind must be set');
  if (envelope.contentEncoding !== undefined) throw sendJsonInstead(`${apiVersion} ${kind} with content encoding "${envelope.contentEncoding}"`);
  const message = KIND_MESSAGES[`${apiVersion} ${kind}`];
  if (message === undefined) throw sendJsonInstead(`${apiVersion} ${kind}`);
  return { apiVersion, kind, ...decodeMessage(envelope.raw ?? Buffer.alloc(0), message, TABLES) };
}

/**
 * The object in a Kubernetes protobuf body, as a plain JSON-form object (Secret data in base64,
 * quantities as strings, times in RFC 3339, IntOrString as number or string, empty fields
 * omitted). Throws SkiffError SKIFF_ERR_UNSUPPORTED_MEDIA_TYPE for a kind or field it has no
 * schema for (the message says to send JSON), SKIFF_ERR_BAD_REQUEST for malformed bytes.
 */
export function decodeKubeProtobuf(body: Buffer): unknown {
  try {
    return decodeObject(body);
  } catch (err) {
    if (err instanceof SkiffError) throw err;
    // protobufjs' Reader throws RangeError when a length or varint runs past the end.
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `protobuf body: malformed (${(err as Error).message})`, { cause: err });
  }
}
