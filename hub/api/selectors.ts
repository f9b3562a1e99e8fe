/** `?labelSelector=` and `?fieldSelector=` on lists, with the field paths Skiff indexes. */
import { SkiffError } from '../../shared/errors.js';
import { matches, parseSelector } from '../../shared/api/labels.js';
import type { KubeObject } from '../../shared/api/object.js';

const FIELDS: Record<string, (o: KubeObject) => string | undefined> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace,
  'spec.nodeName': (o) => (o.spec as { nodeName?: string } | undefined)?.nodeName ?? '',
  'status.phase': (o) => (o.status as { phase?: string } | undefined)?.phase ?? '',
};

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

export function fieldFilter(text: string | null): ObjectFilter {
  if (!text) return () => true;
  const terms = text.split(',').filter((t) => t !== '').map((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
    const read = m ? FIELDS[m[1]!] : undefined;
    if (!m || !read) {
      throw new SkiffError('SKIFF_ERR_BAD_REQUEST', `"${term}" is not a known field selector: only "${Object.keys(FIELDS).join('", "')}"`);
    }
    const negate = m[2] === '!=';
    const value = m[3]!;
    return (o: KubeObject) => (read(o) === value) !== negate;
  });
  return (o) => terms.every((term) => term(o));
}
