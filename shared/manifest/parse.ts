/**
 * Multi-document YAML/JSON manifests, as `kubectl apply -f` reads them. Pure: the caller reads
 * files; this turns text into documents, each remembering its source file and 1-based index so
 * that every error can name file, document and field.
 */
import { parseAllDocuments } from 'yaml';
import type { FieldError } from '../errors.js';
import { validateObject } from '../api/validate.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceType } from '../api/resources.js';

export interface ManifestDocument {
  source: string;
  /** 1-based position of the document in its file (after `kind: List` expansion, the list's). */
  index: number;
  object: unknown;
}

export interface ManifestProblem {
  source: string;
  index: number;
  /** "Deployment nginx" when the document got that far, for the message. */
  describe?: string;
  errors: FieldError[];
}

export interface ValidDocument {
  source: string;
  index: number;
  object: KubeObject;
  resource: ResourceType;
}

/** Splits text into documents; YAML syntax errors come back as problems, never thrown. */
export function parseManifestText(text: string, source: string): { documents: ManifestDocument[]; problems: ManifestProblem[] } {
  const documents: ManifestDocument[] = [];
  const problems: ManifestProblem[] = [];
  const parsed = parseAllDocuments(text, { prettyErrors: true });
  const all = Array.isArray(parsed) ? parsed : [parsed];
  let index = 0;
  for (const doc of all) {
    index++;
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      const line = first.linePos?.[0];
      problems.push({
        source,
        index,
        errors: [{ path: '', message: `YAML syntax error${line ? ` at line ${line.line}, column ${line.col}` : ''}: ${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:$/, '')}` }],
      });
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue; // an empty document between '---' lines
    if (isList(value)) {
      for (const item of value.items) documents.push({ source, index, object: item });
    } else {
      documents.push({ source, index, object: value });
    }
  }
  return { documents, problems };
}

function isList(value: unknown): value is { items: unknown[] } {
  const v = value as { kind?: unknown; items?: unknown };
  return typeof v === 'object' && v !== null && typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items);
}

/** Validates every document; returns all problems at once so the user fixes them in one go. */
export function validateDocuments(documents: ManifestDocument[]): { valid: ValidDocument[]; problems: ManifestProblem[] } {
  const valid: ValidDocument[] = [];
  const problems: ManifestProblem[] = [];
  for (const doc of documents) {
    const result = validateObject(doc.object);
    if (result.ok) {
      valid.push({ source: doc.source, index: doc.index, object: result.object, resource: result.resource });
    } else {
      problems.push({ source: doc.source, index: doc.index, describe: describeDocument(doc.object), errors: result.errors });
    }
  }
  return { valid, problems };
}

function describeDocument(object: unknown): string | undefined {
  const o = object as { kind?: unknown; metadata?: { name?: unknown } } | null;
  if (typeof o !== 'object' || o === null) return undefined;
  const kind = typeof o.kind === 'string' ? o.kind : undefined;
  const name = typeof o.metadata?.name === 'string' ? o.metadata.name : undefined;
  return [kind, name].filter(Boolean).join(' ') || undefined;
}

/** `error: app.yaml: document 2 (Deployment web): spec.replicas: Invalid input ...` lines. */
export function formatProblems(problems: ManifestProblem[]): string[] {
  return problems.flatMap((p) =>
    p.errors.map((e) => {
      const where = `${p.source}: document ${p.index}${p.describe ? ` (${p.describe})` : ''}`;
      return e.path === '' ? `${where}: ${e.message}` : `${where}: ${e.path}: ${e.message}`;
    }),
  );
}
