/**
 * The shape of the protobuf schema tables: one table per Kubernetes message, field number -> JSON
 * name, type and flags. The numbers are those of Kubernetes' generated.proto files (k8s.io/api,
 * k8s.io/apimachinery) exactly as compiled into kubectl v1.32: /usr/bin/kubectl embeds each file's
 * descriptor, read out with protobufjs' descriptor extension. The JSON names are the proto names,
 * which go-to-protobuf derives from the Go json tags (one exception, noted where it is:
 * BoundObjectReference's `uID`). A number missing from a table is an error when it arrives, never
 * silently dropped (hub/api/protobuf/message.ts).
 */

/**
 * Wire-level scalars (`bytes` becomes base64 as in JSON; `rawBytes` stays a Buffer, for the
 * envelope's and RawExtension's embedded documents), the well-known apimachinery messages that
 * JSON writes as scalars (`time`: metav1.Time, `quantity`: resource.Quantity, `intOrString`:
 * intstr.IntOrString, `raw`: runtime.RawExtension), and the map forms kube's protos use.
 */
export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes' | 'rawBytes';
export type WellKnownType = 'time' | 'quantity' | 'intOrString' | 'raw';
export type MapType = 'map<string,string>' | 'map<string,bytes>' | 'map<string,quantity>';

/**
 * - `repeated`: a JSON array (absent when empty).
 * - `optional`: a Go pointer field: present on the wire only when set, so kept even when zero
 *   (`replicas: 0`, `automountServiceAccountToken: false`, `emptyDir: {}`). Other fields are
 *   always written by Go's marshaller and are dropped when zero or empty, as JSON's omitempty.
 * - `inline`: an embedded Go struct (`json:",inline"`): its fields join the parent's.
 */
export type FieldFlag = 'repeated' | 'optional' | 'inline';

/** `[jsonName, type, ...flags]`; a type that is none of the above names another message's table. */
export type FieldSpec = readonly [name: string, type: ScalarType | WellKnownType | MapType | string, ...flags: FieldFlag[]];

export type MessageSchema = Readonly<Record<number, FieldSpec>>;

/** Tables by qualified message name, e.g. `core/v1.PodSpec`, `meta/v1.ObjectMeta`. */
export type SchemaTables = Readonly<Record<string, MessageSchema>>;
