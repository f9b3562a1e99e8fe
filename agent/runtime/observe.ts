/**
 * Observed state, rebuilt from Docker on every pass: list this node's containers (one call) and
 * inspect only those that are new or changed state since the last pass (cached by id + state), so
 * that a steady node costs one list call per pass.
 */
import type { ContainerDetails, DockerApi } from './docker-api.js';
import { nodeFilter } from './labels.js';

/** A container as the planner and the status builder see it (plain data, no dockerode types). */
export type ObservedContainer = Readonly<ContainerDetails>;

export class Observer {
  private readonly cache = new Map<string, ContainerDetails>();

  constructor(
    private readonly api: DockerApi,
    private readonly node: string,
  ) {}

  async observe(): Promise<ObservedContainer[]> {
    const summaries = await this.api.listContainers([nodeFilter(this.node)]);
    const seen = new Set<string>();
    const observed: ObservedContainer[] = [];
    for (const summary of summaries) {
      seen.add(summary.id);
      let details = this.cache.get(summary.id);
      if (details === undefined || details.state !== summary.state) {
        details = await this.api.inspectContainer(summary.id);
        if (details === undefined) continue; // removed between list and inspect
        this.cache.set(summary.id, details);
      }
      observed.push(details);
    }
    for (const id of this.cache.keys()) if (!seen.has(id)) this.cache.delete(id);
    return observed;
  }

  /** Forget a container's cached details (after the agent acted on it). */
  invalidate(id: string): void {
    this.cache.delete(id);
  }
}
