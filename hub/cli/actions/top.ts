/**
 * `skiff top`: reads the hub's metrics.k8s.io API (what kubectl top reads from metrics-server)
 * and prints kubectl's table (top-view.ts). Usage needs two samples from a node, so right after a
 * Pod starts there may be nothing yet: said the way kubectl says it.
 */
import { SkiffError } from '../../../shared/errors.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { resolveResource, resourcePath } from '../../../shared/api/resources.js';
import type { CliContext } from '../context.js';
import { writeLines } from '../io.js';
import { checkSortKey, topNodesLines, topPodsLines, type NodeMetricsView, type NodeView, type PodMetricsView } from '../top-view.js';

const METRICS_BASE = '/apis/metrics.k8s.io/v1beta1';

export interface TopNodesOptions {
  selector?: string;
  sortBy?: string;
  headers: boolean;
}

export interface TopPodsOptions extends TopNodesOptions {
  namespace?: string;
  allNamespaces?: boolean;
  containers?: boolean;
  sum?: boolean;
}

export async function runTopNodes(name: string | undefined, options: TopNodesOptions, ctx: CliContext): Promise<void> {
  const sortBy = checkSortKey(options.sortBy);
  const client = await ctx.connect();
  const query = { labelSelector: options.selector };
  const nodesPath = resourcePath(resolveResource('nodes')!, undefined, name);
  let metrics: NodeMetricsView[];
  let nodes: NodeView[];
  if (name !== undefined) {
    nodes = [await client.get<NodeView>(nodesPath)]; // NotFound for an unknown node, before metrics
    const one = await client.getIfExists<NodeMetricsView>(`${METRICS_BASE}/nodes/${encodeURIComponent(name)}`);
    metrics = one ? [one] : [];
  } else {
    [metrics, nodes] = await Promise.all([
      client.get<{ items: NodeMetricsView[] }>(`${METRICS_BASE}/nodes`, { query }).then((l) => l.items),
      client.get<{ items: NodeView[] }>(nodesPath, { query }).then((l) => l.items),
    ]);
  }
  if (nodes.length === 0) throw new SkiffError('SKIFF_ERR_NOT_FOUND', 'metrics not available yet');
  writeLines(ctx.io.stdout, topNodesLines(metrics, nodes, { ...(sortBy ? { sortBy } : {}), noHeaders: !options.headers }));
}

export async function runTopPods(name: string | undefined, options: TopPodsOptions, ctx: CliContext): Promise<void> {
  const sortBy = checkSortKey(options.sortBy);
  if (name !== undefined && options.allNamespaces) throw new SkiffError('SKIFF_ERR_CONFIG', 'a pod name cannot be given with --all-namespaces');
  const client = await ctx.connect();
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const base = options.allNamespaces ? `${METRICS_BASE}/pods` : `${METRICS_BASE}/namespaces/${encodeURIComponent(namespace)}/pods`;
  let metrics: PodMetricsView[];
  if (name !== undefined) {
    const one = await client.getIfExists<PodMetricsView>(`${base}/${encodeURIComponent(name)}`);
    if (!one) {
      // As kubectl: an unknown Pod is NotFound; a known one without usage yet is "not available yet".
      await client.get(resourcePath(resolveResource('pods')!, namespace, name));
      throw new SkiffError('SKIFF_ERR_NOT_FOUND', 'metrics not available yet');
    }
    metrics = [one];
  } else {
    metrics = (await client.get<{ items: PodMetricsView[] }>(base, { query: { labelSelector: options.selector } })).items;
  }
  if (metrics.length === 0) {
    ctx.io.stderr(options.allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
    return;
  }
  const lines = topPodsLines(metrics, {
    ...(sortBy ? { sortBy } : {}),
    noHeaders: !options.headers,
    containers: options.containers === true,
    allNamespaces: options.allNamespaces === true,
    sum: options.sum === true,
  });
  writeLines(ctx.io.stdout, lines);
}
