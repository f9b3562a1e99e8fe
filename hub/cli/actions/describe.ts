/**
 * `skiff describe`: fetches each object and what kubectl shows with it (events, ReplicaSets, the
 * node's pods), renders it with the pure describers in cli/describe/, and prints it the way
 * kubectl's describe command does (objects separated by a blank line pair, NAME_PREFIX matching).
 */
import type { KubeList, KubeObject } from '../../../shared/api/object.js';
import { parseSelector } from '../../../shared/api/labels.js';
import { resolveResource, resourcePath, type ResourceType } from '../../../shared/api/resources.js';
import type { Node } from '../../../shared/api/schema/cluster.js';
import type { ConfigMap, Secret } from '../../../shared/api/schema/config.js';
import type { Event } from '../../../shared/api/schema/event.js';
import type { Ingress } from '../../../shared/api/schema/ingress.js';
import type { Pod } from '../../../shared/api/schema/pod.js';
import type { Endpoints, Service } from '../../../shared/api/schema/service.js';
import type { Deployment, ReplicaSet } from '../../../shared/api/schema/workloads.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError, errorMessage } from '../../../shared/errors.js';
import { ApiStatusError, isApiStatusError } from '../api-errors.js';
import type { CliContext } from '../context.js';
import { parseDescribeArgs, type DescribeRequest } from '../describe/args.js';
import { describeConfigMap } from '../describe/config-map.js';
import { describeDeployment, replicaSetsOf, selectorString } from '../describe/deployment.js';
import { eventTargets, involvedObjectSelector, involves, type EventTarget } from '../describe/events.js';
import { describeIngress, ingressBackendServices, type BackendTarget } from '../describe/ingress.js';
import { describeNode } from '../describe/node.js';
import { describePod } from '../describe/pod.js';
import { describeSecret } from '../describe/secret.js';
import { describeService } from '../describe/service.js';
import type { DescribeClock } from '../describe/time-format.js';
import type { HubClient } from '../hub-client.js';

export interface DescribeOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
}

function resource(typed: string): ResourceType {
  const found = resolveResource(typed);
  if (!found) throw new SkiffError('SKIFF_ERR_INTERNAL', `the resource registry has no ${typed}`);
  return found;
}

const ENDPOINTS = resource('endpoints');
const EVENTS = resource('events');
const PODS = resource('pods');
const REPLICA_SETS = resource('replicasets.apps');
const SERVICES = resource('services');

export async function runDescribe(args: string[], options: DescribeOptions, ctx: CliContext): Promise<void> {
  const requests = parseDescribeArgs(args);
  const named = requests.some((r) => r.names.length > 0);
  if (named && options.selector) throw new SkiffError('SKIFF_ERR_CONFIG', 'name cannot be provided when a selector is specified');
  if (named && options.allNamespaces) throw new SkiffError('SKIFF_ERR_CONFIG', 'a resource cannot be retrieved by name across all namespaces');
  if (options.selector !== undefined) checkSelector(options.selector);
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const all = Boolean(options.allNamespaces);
  const client = await ctx.connect();

  let printed = 0;
  const print = (text: string): void => {
    ctx.io.stdout(printed++ === 0 ? text : `\n\n${text}`);
  };
  let found = 0;
  for (const request of requests) {
    const ns = request.resource.namespaced && !all ? namespace : undefined;
    if (request.names.length === 0) {
      const list = await client.get<KubeList>(resourcePath(request.resource, ns), { query: { labelSelector: options.selector } });
      for (const object of list.items ?? []) {
        found++;
        print(await describeObject(client, object));
      }
      continue;
    }
    for (const name of request.names) {
      let object: KubeObject;
      try {
        object = await client.get<KubeObject>(resourcePath(request.resource, ns, name));
      } catch (err) {
        if (!isApiStatusError(err, 'NotFound')) throw err;
        // kubectl describe TYPE NAME_PREFIX: no exact match describes every object whose name starts so.
        if (args.length === 2 && !args[0]!.includes('/') && (await describeByPrefix(client, request, ns, name, ctx))) found++;
        else ctx.report(err);
        continue;
      }
      found++;
      print(await describeObject(client, object));
    }
  }
  if (found === 0 && ctx.exitCode === 0) ctx.io.stderr(all ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
}

function checkSelector(selector: string): void {
  try {
    parseSelector(selector);
  } catch (err) {
    throw new SkiffError('SKIFF_ERR_CONFIG', errorMessage(err), { cause: err });
  }
}

/** kubectl's DescribeMatchingResources: each match printed with a newline after it. */
async function describeByPrefix(client: HubClient, request: DescribeRequest, ns: string | undefined, prefix: string, ctx: CliContext): Promise<boolean> {
  const list = await client.get<KubeList>(resourcePath(request.resource, ns));
  const matches = (list.items ?? []).filter((o) => (o.metadata.name ?? '').startsWith(prefix));
  for (const object of matches) ctx.io.stdout(`${await describeObject(client, object)}\n`);
  return matches.length > 0;
}

async function describeObject(client: HubClient, object: KubeObject): Promise<string> {
  // kubectl's SecretDescriber shows no events, so they are not even fetched.
  if (object.kind === 'Secret') return describeSecret(object as unknown as Secret);
  const events = await searchEvents(client, eventTargets(object));
  const clock: DescribeClock = { now: new Date() };
  switch (object.kind) {
    case 'Pod':
      return describePod(object as unknown as Pod, events, clock);
    case 'Deployment': {
      const deployment = object as unknown as Deployment;
      return describeDeployment(deployment, replicaSetsOf(deployment, await replicaSetsFor(client, deployment)), events, clock);
    }
    case 'Node':
      return describeNode(object as unknown as Node, await podsOn(client, object.metadata.name ?? ''), events, clock);
    case 'ConfigMap':
      return describeConfigMap(object as unknown as ConfigMap, events, clock);
    case 'Service':
      return describeService(object as unknown as Service, await endpointsOf(client, object), events, clock);
    case 'Ingress': {
      const ingress = object as unknown as Ingress;
      return describeIngress(ingress, await backendTargets(client, ingress), events, clock);
    }
    default:
      throw new SkiffError('SKIFF_ERR_INTERNAL', `no describer for ${object.kind}`);
  }
}

/** The ReplicaSets the Deployment's selector matches; kubectl leaves Old/NewReplicaSet out if the list fails. */
async function replicaSetsFor(client: HubClient, deployment: Deployment): Promise<ReplicaSet[]> {
  try {
    const list = await client.get<KubeList<ReplicaSet>>(resourcePath(REPLICA_SETS, deployment.metadata.namespace), {
      query: { labelSelector: selectorString(deployment.spec.selector) },
    });
    return list.items ?? [];
  } catch (err) {
    if (err instanceof ApiStatusError) return [];
    throw err;
  }
}

/** ServiceDescriber's Endpoints of the Service's name; kubectl shows `<none>` when that Get fails. */
async function endpointsOf(client: HubClient, service: KubeObject): Promise<Endpoints | undefined> {
  try {
    return await client.get<Endpoints>(resourcePath(ENDPOINTS, service.metadata.namespace, service.metadata.name ?? ''));
  } catch (err) {
    if (err instanceof ApiStatusError) return undefined;
    throw err;
  }
}

/**
 * describeBackendV1's lookups for each backend Service: its Endpoints, then the Service itself.
 * A refusal (NotFound, Forbidden...) is shown in the Rules table as kubectl shows it, not raised.
 */
async function backendTargets(client: HubClient, ingress: Ingress): Promise<Map<string, BackendTarget>> {
  const namespace = ingress.metadata.namespace;
  const targets = new Map<string, BackendTarget>();
  for (const name of ingressBackendServices(ingress)) {
    try {
      const endpoints = await client.get<Endpoints>(resourcePath(ENDPOINTS, namespace, name));
      const service = await client.get<Service>(resourcePath(SERVICES, namespace, name));
      targets.set(name, { endpoints, service });
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      targets.set(name, { error: err.message });
    }
  }
  return targets;
}

/** NodeDescriber's query: the node's pods, in every namespace, that have not terminated. */
async function podsOn(client: HubClient, node: string): Promise<Pod[]> {
  const fieldSelector = `spec.nodeName=${node},status.phase!=Succeeded,status.phase!=Failed`;
  const list = await client.get<KubeList<Pod>>(resourcePath(PODS), { query: { fieldSelector } });
  return list.items ?? [];
}

/**
 * kubectl's searchEvents for each target, merged. A hub that cannot filter on involvedObject
 * answers 400; then the target's events are picked from the unfiltered list here. Any other
 * failure leaves the list empty, as kubectl ignores event search errors ("Events: <none>").
 */
async function searchEvents(client: HubClient, targets: readonly EventTarget[]): Promise<Event[]> {
  const events: Event[] = [];
  for (const target of targets) {
    // Cluster-scoped objects' events (namespace '') are searched in every namespace, as kubectl does.
    const path = resourcePath(EVENTS, target.namespace === '' ? undefined : target.namespace);
    try {
      const list = await client.get<KubeList<Event>>(path, { query: { fieldSelector: involvedObjectSelector(target) } });
      events.push(...(list.items ?? []));
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      if (err.httpStatus === 400) events.push(...(await unfilteredEvents(client, path)).filter((e) => involves(e, target)));
    }
  }
  return events;
}

/** The client-side fallback's list; empty when even that fails (see searchEvents). */
async function unfilteredEvents(client: HubClient, path: string): Promise<Event[]> {
  try {
    return (await client.get<KubeList<Event>>(path)).items ?? [];
  } catch (err) {
    if (err instanceof ApiStatusError) return [];
    throw err;
  }
}
