/** `skiff get`: tables the hub renders (meta.k8s.io Table), or objects as json, yaml or names. */
import type { KubeList, KubeObject } from '../../../shared/api/object.js';
import { parseSelector } from '../../../shared/api/labels.js';
import { qualifiedKind, resourcePath, type ResourceType } from '../../../shared/api/resources.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError, errorMessage } from '../../../shared/errors.js';
import { printTable } from '../../printers/registry.js';
import { TABLE_ACCEPT, isTable, type Table } from '../../printers/table.js';
import { ApiStatusError } from '../api-errors.js';
import type { CliContext } from '../context.js';
import type { HubClient } from '../hub-client.js';
import { writeLines } from '../io.js';
import { documentFor, formatJson, formatNames, formatYaml, parseOutputFormat, type FetchedObject } from '../output-format.js';
import { renderTable } from '../render-table.js';
import { parseResourceArgs, type ResourceRequest } from '../resource-args.js';
import { runWatch } from '../watch-get.js';

export interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  output?: string;
  selector?: string;
  watch?: boolean;
  watchOnly?: boolean;
  showManagedFields?: boolean;
}

interface Scope {
  namespace: string;
  all: boolean;
  selector: string | undefined;
}

export async function runGet(args: string[], options: GetOptions, ctx: CliContext): Promise<void> {
  const format = parseOutputFormat(options.output);
  const requests = parseResourceArgs(args, 'get');
  const named = requests.some((r) => r.names.length > 0);
  if (named && options.selector) throw new SkiffError('SKIFF_ERR_CONFIG', 'name cannot be provided when a selector is specified');
  if (named && options.allNamespaces) throw new SkiffError('SKIFF_ERR_CONFIG', 'a resource cannot be retrieved by name across all namespaces');
  if (options.selector !== undefined) checkSelector(options.selector);
  const scope: Scope = { namespace: options.namespace ?? DEFAULTS.namespace, all: Boolean(options.allNamespaces), selector: options.selector };
  if (options.watch || options.watchOnly) return runWatch(requests, scope, format, Boolean(options.watchOnly), ctx);
  const client = await ctx.connect();

  if (format === 'table' || format === 'wide') {
    const sections = await fetchTables(client, requests, scope, ctx);
    printTables(sections, requests, scope, format === 'wide', ctx);
    return;
  }
  const { objects, failed } = await fetchObjects(client, requests, scope, ctx);
  if (format === 'name') return writeLines(ctx.io.stdout, formatNames(objects));
  // Nothing to print when every named object was missing (the errors said so already).
  if (named && failed && objects.length === 0) return;
  const single = requests.length === 1 && requests[0]!.names.length === 1;
  const document = documentFor(objects, single, Boolean(options.showManagedFields));
  ctx.io.stdout(format === 'json' ? formatJson(document) : formatYaml(document));
}

function checkSelector(selector: string): void {
  try {
    parseSelector(selector);
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_CONFIG', errorMessage(err), { cause: err });
  }
}

function namespaceOf(resource: ResourceType, scope: Scope): string | undefined {
  return resource.namespaced && !scope.all ? scope.namespace : undefined;
}

interface Section {
  resource: ResourceType;
  table: Table;
}

async function fetchTables(client: HubClient, requests: ResourceRequest[], scope: Scope, ctx: CliContext): Promise<Section[]> {
  const sections: Section[] = [];
  for (const { resource, names } of requests) {
    const ns = namespaceOf(resource, scope);
    if (names.length === 0) {
      const answer = await client.get(resourcePath(resource, ns), { accept: TABLE_ACCEPT, query: { labelSelector: scope.selector } });
      sections.push({ resource, table: asTable(answer, resource) });
      continue;
    }
    let merged: Table | undefined;
    for (const name of names) {
      try {
        const table = asTable(await client.get(resourcePath(resource, ns, name), { accept: TABLE_ACCEPT }), resource);
        merged = merged ? { ...merged, rows: [...merged.rows, ...table.rows] } : table;
      } catch (err) {
        // kubectl prints what it found and reports each missing name.
        if (!(err instanceof ApiStatusError)) throw err;
        ctx.report(err);
      }
    }
    if (merged) sections.push({ resource, table: merged });
  }
  return sections;
}

/**
 * The hub renders tables with hub/printers; should it answer with plain objects anyway (an
 * older hub), render them here with the same printers, as kubectl falls back to client-side
 * printing when a server cannot produce a Table.
 */
function asTable(answer: unknown, resource: ResourceType): Table {
  if (isTable(answer)) return answer;
  const list = answer as Partial<KubeList>;
  const objects = Array.isArray(list?.items) ? list.items : [answer as KubeObject];
  return printTable(resource, objects, new Date());
}

function printTables(sections: Section[], requests: ResourceRequest[], scope: Scope, wide: boolean, ctx: CliContext): void {
  const shown = sections.filter((s) => s.table.rows.length > 0);
  if (shown.length === 0) {
    if (ctx.exitCode === 0) ctx.io.stderr(`${noResourcesMessage(requests, scope)}\n`);
    return;
  }
  // kubectl names rows "deployment.apps/web" once more than one kind is on screen.
  const withKind = new Set(shown.map((s) => s.resource)).size > 1;
  const blocks = shown.map(({ resource, table }) =>
    renderTable(table, {
      wide,
      withNamespace: scope.all && resource.namespaced,
      ...(withKind ? { kindPrefix: qualifiedKind(resource) } : {}),
    }),
  );
  writeLines(ctx.io.stdout, blocks.flatMap((lines, i) => (i === 0 ? lines : ['', ...lines])));
}

export function noResourcesMessage(requests: ResourceRequest[], scope: Pick<Scope, 'namespace' | 'all'>): string {
  const namespaced = requests.some((r) => r.resource.namespaced);
  return namespaced && !scope.all ? `No resources found in ${scope.namespace} namespace.` : 'No resources found';
}

async function fetchObjects(
  client: HubClient,
  requests: ResourceRequest[],
  scope: Scope,
  ctx: CliContext,
): Promise<{ objects: FetchedObject[]; failed: boolean }> {
  const objects: FetchedObject[] = [];
  let failed = false;
  for (const { resource, names } of requests) {
    const ns = namespaceOf(resource, scope);
    if (names.length === 0) {
      const list = await client.get<KubeList>(resourcePath(resource, ns), { query: { labelSelector: scope.selector } });
      objects.push(...(list.items ?? []).map((object) => ({ resource, object })));
      continue;
    }
    for (const name of names) {
      try {
        objects.push({ resource, object: await client.get<KubeObject>(resourcePath(resource, ns, name)) });
      } catch (err) {
        if (!(err instanceof ApiStatusError)) throw err;
        failed = true;
        ctx.report(err);
      }
    }
  }
  return { objects, failed };
}
