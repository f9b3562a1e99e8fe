/**
 * kubectl's multi-line fields (printLabelsMultiline, printAnnotationsMultiline,
 * printNodeTaintsMultiline, printPodTolerationsMultiline): the title and first entry on one
 * line, every further entry on its own line under the first, `<none>` when there is nothing.
 */
import { LEVEL_0, type PrefixWriter } from './prefix-writer.js';

/** Never shown: it repeats the whole object (kubectl's skipAnnotations). */
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** printAnnotationsMultiline's maxAnnotationLen: longer entries get a line of their own. */
const MAX_ANNOTATION_LEN = 140;

/** Go's sort.Strings: byte order, not locale order. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Entries after the first: indented to the title, then a tab to reach the first entry's column. */
function continuation(w: PrefixWriter, initialIndent: string, innerIndent: string): void {
  w.write(LEVEL_0, initialIndent);
  w.write(LEVEL_0, innerIndent);
}

export function printLabelsMultiline(w: PrefixWriter, title: string, labels: Record<string, string> | undefined, initialIndent = '', innerIndent = '\t'): void {
  w.write(LEVEL_0, `${initialIndent}${title}:${innerIndent}`);
  const keys = Object.keys(labels ?? {}).sort(byteOrder);
  if (keys.length === 0) return w.writeLine('<none>');
  keys.forEach((key, i) => {
    if (i !== 0) continuation(w, initialIndent, innerIndent);
    w.write(LEVEL_0, `${key}=${labels![key]}\n`);
  });
}

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

function shorten(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length > max ? `${bytes.subarray(0, max).toString('utf8')}...` : text;
}

export function printAnnotationsMultiline(w: PrefixWriter, title: string, annotations: Record<string, string> | undefined): void {
  w.write(LEVEL_0, `${title}:\t`);
  const keys = Object.keys(annotations ?? {})
    .filter((key) => key !== LAST_APPLIED_ANNOTATION)
    .sort(byteOrder);
  if (keys.length === 0) return w.writeLine('<none>');
  const indent = '\t';
  keys.forEach((key, i) => {
    if (i !== 0) w.write(LEVEL_0, indent);
    const value = annotations![key]!.replace(/\n$/, '');
    if (byteLength(value) + byteLength(key) + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(LEVEL_0, `${key}:\n`);
      for (const line of value.split('\n')) w.write(LEVEL_0, `${indent}  ${shorten(line, MAX_ANNOTATION_LEN - 2)}\n`);
    } else {
      w.write(LEVEL_0, `${key}: ${value}\n`);
    }
  });
}

export interface TaintLike {
  key: string;
  value?: string;
  effect: string;
}

/** corev1.Taint.ToString. */
export function taintString(taint: TaintLike): string {
  return taint.value ? `${taint.key}=${taint.value}:${taint.effect}` : `${taint.key}:${taint.effect}`;
}

export function printNodeTaintsMultiline(w: PrefixWriter, title: string, taints: readonly TaintLike[] | undefined): void {
  w.write(LEVEL_0, `${title}:\t`);
  if (!taints || taints.length === 0) return w.writeLine('<none>');
  const sorted = [...taints].sort((a, b) => byteOrder(`${a.effect},${a.key}`, `${b.effect},${b.key}`));
  sorted.forEach((taint, i) => {
    if (i !== 0) continuation(w, '', '\t');
    w.write(LEVEL_0, `${taintString(taint)}\n`);
  });
}

export interface TolerationLike {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export function printTolerationsMultiline(w: PrefixWriter, title: string, tolerations: readonly TolerationLike[] | undefined, initialIndent = ''): void {
  w.write(LEVEL_0, `${initialIndent}${title}:\t`);
  if (!tolerations || tolerations.length === 0) return w.writeLine('<none>');
  const sorted = [...tolerations].sort((a, b) => byteOrder(a.key ?? '', b.key ?? ''));
  sorted.forEach((t, i) => {
    if (i !== 0) continuation(w, initialIndent, '\t');
    let text = t.key ?? '';
    if (t.value) text += `=${t.value}`;
    if (t.effect) text += `:${t.effect}`;
    // `operator: Exists` with no value tolerates everything with that key (or everything at all).
    if (t.operator === 'Exists' && !t.value) text += t.key || t.effect ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined) text += ` for ${t.tolerationSeconds}s`;
    w.write(LEVEL_0, `${text}\n`);
  });
}
