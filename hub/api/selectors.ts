/** `?labelSelector=` and `?fieldSelector=` on lists, with the field paths Skiff indexes. */
import { SkiffError } from '../../shared/errors.js';
import { matches, parseSelector } from '../../shared/api/labels.js';
import type { KubeObject } from '../../shared/api/object.js';
import type { Event } from '../../shared/api/schema/event.js';

type FieldReader = (o: KubeObject) => string | undefined;

/** Fields every kind supports (generic.ObjectMetaFieldsSet). */
const META_FIELDS: Record<string, FieldReader> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace,
};

const asEvent = (o: KubeObject): Partial<Event> => o as unknown as Partial<Event>;

/** Fields of particular kinds, as their registry strategies in Kubernetes define them. */
const KIND_FIELDS: Record<string, Record<string, FieldReader>> = {
  Pod: {
    'spec.nodeName': (o) => (o.spec as { nodeName?: string } | undefined)?.nodeName ?? '',
    'status.phase': (o) => (o.status as { phase?: string } | undefined)?.phase ?? '',
  },
  // pkg/registry/core/event/strategy.go ToSelectableFields; `kubectl describe` selects an
  // object's Events with involvedObject.name, .namespace and .uid.
  Event: {
    'involvedObject.kind': (o) => asEvent(o).involvedObject?.kind ?? '',
    'involvedObject.namespace': (o) => asEvent(o).involvedObject?.namespace ?? '',
    'involvedObject.name': (o) => asEvent(o).involvedObject?.name ?? '',
    'involvedObject.uid': (o) => asEvent(o).involvedObject?.uid ?? '',
    'involvedObject.apiVersion': (o) => asEvent(o).involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': (o) => asEvent(o).involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': (o) => asEvent(o).involvedObject?.fieldPath ?? '',
    reason: (o) => asEvent(o).reason ?? '',
    reportingComponent: (o) => asEvent(o).reportingComponent ?? '',
    source: (o) => asEvent(o).source?.component || asEvent(o).reportingComponent || '',
    type: (o) => asEvent(o).type ?? '',
  },
};

/** The fields a kind can be selected by; without a kind, every field Skiff knows. */
function fieldsOf(kind: string | undefined): Record<string, FieldReader> {
  if (kind !== undefined) return { ...META_FIELDS, ...KIND_FIELDS[kind] };
  return Object.assign({}, META_FIELDS, ...Object.values(KIND_FIELDS)) as Record<string, FieldReader>;
}

export type ObjectFilter = (object: KubeObject) => boolean;

export function labelFilter(text: string | null): ObjectFilter {
  if (!text) return () => true;
  try {
    const requirements = parseSelector(text);
    return (o) => matches(requirements, o.metadata.labels);
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `unable to parse requirement: ${(err as Error).message}`, { cause: err });
  }
}

/** fields.splitTerms: terms are separated by commas a backslash does not escape. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[++i]!;
    } else if (ch === ',') {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.filter((t) => t !== '');
}

/** fields.splitTerm: the field, the first unescaped operator, and the (still escaped) value. */
function splitTerm(term: string): { field: string; operator: string; value: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    const operator = ['!=', '==', '='].find((op) => term.startsWith(op, i));
    if (operator) return { field: term.slice(0, i), operator, value: term.slice(i + operator.length) };
  }
  return undefined;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` stand for themselves; anything else escaped, or a bare `,` or `=`, is an error. */
function unescapeValue(term: string, value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const escaped = ch === '\\' ? value[++i] : undefined;
    if ((ch === '\\' && (escaped === undefined || !'\\,='.includes(escaped))) || ch === ',' || ch === '=') {
      throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `invalid field selector "${term}": a value may escape only "\\", "," and "=" with a backslash, and must escape "," and "="`);
    }
    out += escaped ?? ch;
  }
  return out;
}

/**
 * A filter for `?fieldSelector=`, parsed as Kubernetes' fields.ParseSelector (with its escapes,
 * which `kubectl describe` uses). Given the listed `kind`, only that kind's fields are accepted,
 * as Kubernetes does; without one, any field Skiff knows (read as "" where an object lacks it).
 */
export function fieldFilter(text: string | null, kind?: string): ObjectFilter {
  if (!text) return () => true;
  const fields = fieldsOf(kind);
  const terms = splitTerms(text).map((term) => {
    const parts = splitTerm(term);
    const read = parts && parts.field !== '' ? fields[parts.field] : undefined;
    if (!parts || !read) {
      throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `"${term}" is not a known field selector: only "${Object.keys(fields).join('", "')}"`);
    }
    const negate = parts.operator === '!=';
    const value = unescapeValue(term, parts.value);
    return (o: KubeObject) => (read(o) === value) !== negate;
  });
  return (o) => terms.every((term) => term(o));
}
