/** `-o json|yaml|name` for `get`, shaped like kubectl's output so scripts built for it work. */
import { stringify as stringifyYaml } from 'yaml';
import type { KubeObject } from '../../shared/api/object.js';
import { qualifiedKind, type ResourceType } from '../../shared/api/resources.js';
import { SkiffError } from '../../shared/errors.js';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name';

const FORMATS: readonly OutputFormat[] = ['json', 'name', 'wide', 'yaml'];

export function parseOutputFormat(text: string | undefined): OutputFormat {
  if (text === undefined || text === '') return 'table';
  if ((FORMATS as readonly string[]).includes(text)) return text as OutputFormat;
  throw new SkiffError('SKIFF_ERR_CONFIG', `unable to match a printer suitable for the output format "${text}", allowed formats are: ${FORMATS.join(',')}`);
}

export interface FetchedObject {
  resource: ResourceType;
  object: KubeObject;
}

/**
 * One object prints as itself when exactly one was asked for by name; anything else as a
 * v1 List, as kubectl does (its list has an empty resourceVersion: it merges many sources).
 * metadata.managedFields is left out, as kubectl leaves it out, unless `showManagedFields`.
 */
export function documentFor(objects: FetchedObject[], singleRequested: boolean, showManagedFields = false): unknown {
  const items = objects.map(({ resource, object }) => withTypeMeta(showManagedFields ? object : withoutManagedFields(object), resource));
  if (singleRequested && items.length === 1) return items[0];
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
}

function withoutManagedFields(object: KubeObject): KubeObject {
  if (object.metadata.managedFields === undefined) return object;
  const { managedFields: _, ...metadata } = object.metadata;
  void _;
  return { ...object, metadata };
}

/** Items of a list response may omit apiVersion and kind (Kubernetes' do); kubectl fills them in. */
function withTypeMeta(object: KubeObject, resource: ResourceType): KubeObject {
  if (object.apiVersion && object.kind) return object;
  const apiVersion = resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
  return { ...object, apiVersion, kind: resource.kind };
}

/** kubectl -o json indents by 4 spaces. */
export function formatJson(document: unknown): string {
  return `${JSON.stringify(document, null, 4)}\n`;
}

/** kubectl -o yaml: keys sorted (it goes through a JSON map) and sequences not indented. */
export function formatYaml(document: unknown): string {
  return stringifyYaml(document, { sortMapEntries: true, indentSeq: false, lineWidth: 0 });
}

export function formatNames(objects: FetchedObject[]): string[] {
  return objects.map(({ resource, object }) => `${qualifiedKind(resource)}/${object.metadata.name ?? ''}`);
}
