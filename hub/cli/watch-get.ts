/**
 * `skiff get TYPE [NAME] -w|--watch-only`, as kubectl 1.32's get.go watch(): print the current
 * state (a list, or the one named object), then watch from the list's resourceVersion (a named
 * object: from "0", whose synthetic first event is not printed again) and print every change
 * until interrupted. Where kubectl gives up when the server ends a watch, Skiff resumes from the
 * last resourceVersion it saw, as client-go's RetryWatcher does, and lists again when that
 * resourceVersion has expired (410): a watch on a fleet should outlive a hub restart.
 */
import type { KubeList, KubeObject } from '../../shared/api/object.js';
import { resourcePath, type ResourceType } from '../../shared/api/resources.js';
import { SkiffError, isSkiffError } from '../../shared/errors.js';
import { printTable } from '../printers/registry.js';
import { TABLE_ACCEPT, isTable } from '../printers/table.js';
import { ApiStatusError, isStatus } from './api-errors.js';
import type { CliContext } from './context.js';
import type { HubClient } from './hub-client.js';
import type { OutputFormat } from './output-format.js';
import type { ResourceRequest } from './resource-args.js';
import { ObjectWatchPrinter, TableWatchPrinter, type WatchPrinter } from './watch-printer.js';
import { watchEvents } from './watch-stream.js';
import { abortableSleep } from '../../shared/sleep.js';

export interface WatchScope {
  /** Used for namespaced resources unless `all`. */
  namespace: string;
  all: boolean;
  selector: string | undefined;
}

/** As client-go's RetryWatcher: back-off while the hub is away, and at most one new watch per second. */
export interface RetryTiming {
  /** Back-off between attempts to reach a hub that went away: doubling from initialMs to maxMs. */
  initialMs: number;
  maxMs: number;
  /** A watch the hub ended is started again no sooner than this after the previous one started. */
  minRestartMs: number;
}

export const DEFAULT_RETRY: RetryTiming = { initialMs: 800, maxMs: 30_000, minRestartMs: 1_000 };

/** kubectl's interrupt handler ends `get -w` with os.Exit(1) on SIGINT and SIGTERM, printing nothing. */
export const INTERRUPTED_EXIT_CODE = 1;

/** A watch starting from "0" opens with a synthetic ADDED of the current state. */
const FROM_CURRENT_STATE = '0';

export async function runWatch(
  requests: ResourceRequest[],
  scope: WatchScope,
  format: OutputFormat,
  watchOnly: boolean,
  ctx: CliContext,
  retry: RetryTiming = DEFAULT_RETRY,
): Promise<void> {
  if (requests.length > 1) throw new SkiffError('SKIFF_ERR_CONFIG', 'you may only specify a single resource type');
  const { resource, names } = requests[0]!;
  const client = await ctx.connect();
  const tables = format === 'table' || format === 'wide';
  const printer: WatchPrinter = tables
    ? new TableWatchPrinter({ wide: format === 'wide', withNamespace: scope.all && resource.namespaced })
    : new ObjectWatchPrinter(format, resource);
  const target: Target = {
    client,
    resource,
    namespace: resource.namespaced && !scope.all ? scope.namespace : undefined,
    names,
    selector: scope.selector,
    ...(tables ? { accept: TABLE_ACCEPT } : {}),
  };
  const write = (text: string): void => {
    if (text !== '') ctx.io.stdout(text);
  };

  let state = await currentState(target);
  for (const item of state.items) write(printer.print(item, !watchOnly));
  if (names.length > 1) throw new SkiffError('SKIFF_ERR_CONFIG', 'you may only watch a single resource or type of resource at a time');

  const stop = new AbortController();
  void ctx.io.waitForSignal().then(() => stop.abort());
  let resourceVersion = state.resourceVersion;
  let delay = retry.initialMs;
  while (!stop.signal.aborted) {
    const started = Date.now();
    try {
      const body = await client.stream(resourcePath(resource, target.namespace), {
        ...(target.accept ? { accept: target.accept } : {}),
        query: {
          watch: 'true',
          resourceVersion,
          labelSelector: target.selector,
          fieldSelector: names[0] !== undefined ? `metadata.name=${names[0]}` : undefined,
          allowWatchBookmarks: 'true',
        },
        signal: stop.signal,
      });
      delay = retry.initialMs;
      let synthetic = resourceVersion === FROM_CURRENT_STATE;
      for await (const event of watchEvents(body)) {
        if (event.type === 'ERROR') throw new ApiStatusError(isStatus(event.object) ? (event.object.code ?? 500) : 500, event.object);
        resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
        if (event.type === 'BOOKMARK') continue;
        write(printer.print(event.object, !synthetic));
        synthetic = false;
      }
      // The hub ended the watch (its timeout): resume where it left off.
      await abortableSleep(started + retry.minRestartMs - Date.now(), stop.signal);
    } catch (err) {
      if (stop.signal.aborted) break;
      if (err instanceof ApiStatusError && err.reason === 'Expired') {
        // The changes since resourceVersion are gone: start over from what is there now.
        state = await currentState(target);
        for (const item of state.items) write(printer.print(item, true));
        resourceVersion = state.resourceVersion;
        continue;
      }
      // The hub is unreachable or the stream broke off: try again, backing off. Anything else
      // (an error Status, a stream that makes no sense) ends the command.
      if (!isSkiffError(err, 'SKIFF_ERR_UNREACHABLE')) throw err;
      await abortableSleep(delay, stop.signal);
      delay = Math.min(delay * 2, retry.maxMs);
    }
  }
  ctx.exitCode = Math.max(ctx.exitCode, INTERRUPTED_EXIT_CODE);
}

interface Target {
  client: HubClient;
  resource: ResourceType;
  namespace: string | undefined;
  names: string[];
  selector: string | undefined;
  accept?: string;
}

interface State {
  /** Tables (table formats) or objects, in print order. */
  items: unknown[];
  /** Where the watch starts: the list's resourceVersion, or "0" for named objects. */
  resourceVersion: string;
}

async function currentState(target: Target): Promise<State> {
  const { client, resource, namespace, names, accept } = target;
  if (names.length > 0) {
    const items: unknown[] = [];
    for (const name of names) items.push(asItem(await client.get(resourcePath(resource, namespace, name), accept ? { accept } : {}), target));
    // kubectl watches a named object from "0": its own resourceVersion may be older than the
    // watch cache remembers, "now" never is.
    return { items, resourceVersion: FROM_CURRENT_STATE };
  }
  const answer = await client.get<KubeList | Record<string, unknown>>(resourcePath(resource, namespace), {
    ...(accept ? { accept } : {}),
    query: { labelSelector: target.selector },
  });
  const resourceVersion = String((answer.metadata as { resourceVersion?: string } | undefined)?.resourceVersion ?? '');
  if (accept) return { items: [asItem(answer, target)], resourceVersion };
  return { items: (answer as KubeList).items ?? [], resourceVersion };
}

/** A Table when tables were asked for (rendered here with the hub's printers should the hub answer plain objects). */
function asItem(answer: unknown, target: Target): unknown {
  if (!target.accept || isTable(answer)) return answer;
  const list = answer as Partial<KubeList>;
  return printTable(target.resource, Array.isArray(list.items) ? list.items : [answer as KubeObject], new Date());
}
