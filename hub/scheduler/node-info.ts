/**
 * The scheduler's view of one node (as kube-scheduler's NodeInfo): the node, the Pods bound to it
 * and the sum of their requests. Pods that have finished (Succeeded or Failed) hold nothing; a
 * terminating Pod still holds its place until it is gone, since its containers still run.
 *
 * `NodeInfoSet` keeps these up to date one change at a time (kube-scheduler's cache), so that a
 * decision costs a pass over the nodes, not a rebuild from every Pod: rebuilding parsed every
 * bound Pod's requests for each Pod scheduled, ~5 ms a decision with 100 nodes and 1,000 Pods
 * (docs/benchmarks.md, "Scheduler throughput").
 */
import { controllerOf, type KubeObject } from '../../shared/api/object.js';
import { nodeNameOf, podStatus } from '../controllers/pod-facts.js';
import { nodeAllocatable, nonZeroPodRequests, podRequests, type Allocatable, type Resources } from './resources.js';

export interface NodeInfo {
  node: KubeObject;
  name: string;
  pods: KubeObject[];
  allocatable: Allocatable;
  /** Sum of the bound Pods' requests (what NodeResourcesFit subtracts). */
  requested: Resources;
  /** The same with 100m/200Mi for containers without requests (what scoring uses). */
  nonZeroRequested: Resources;
  /** Bound Pods per controlling owner's uid (what spreading counts). */
  podsPerOwner: ReadonlyMap<string, number>;
}

interface Slot {
  node: KubeObject | undefined;
  allocatable: Allocatable;
  pods: Map<string, KubeObject>;
  requested: Resources;
  nonZeroRequested: Resources;
  podsPerOwner: Map<string, number>;
  /** The NodeInfo handed out last, until this slot changes (decisions between changes share it). */
  view: NodeInfo | undefined;
}

function isTerminal(pod: KubeObject): boolean {
  const phase = podStatus(pod).phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

const zero = (): Resources => ({ milliCpu: 0, memory: 0, ephemeralStorage: 0 });

function accumulate(into: Resources, amount: Resources, sign: 1 | -1): void {
  into.milliCpu += sign * amount.milliCpu;
  into.memory += sign * amount.memory;
  into.ephemeralStorage += sign * amount.ephemeralStorage;
}

/**
 * Nodes and the Pods bound to them, by node name. A Pod bound to a node not (or no longer) known
 * is kept aside and counts again if that node comes back, as kube-scheduler keeps a NodeInfo
 * without its Node.
 */
export class NodeInfoSet {
  private readonly slots = new Map<string, Slot>();
  /** Where each counted Pod is, by its key, so that its next version replaces it. */
  private readonly placed = new Map<string, { nodeName: string; pod: KubeObject }>();

  private slot(name: string): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = { node: undefined, allocatable: nodeAllocatable({ apiVersion: 'v1', kind: 'Node', metadata: { name } }), pods: new Map(), requested: zero(), nonZeroRequested: zero(), podsPerOwner: new Map(), view: undefined };
      this.slots.set(name, slot);
    }
    return slot;
  }

  setNode(node: KubeObject): void {
    const slot = this.slot(node.metadata.name!);
    slot.node = node;
    slot.allocatable = nodeAllocatable(node);
    slot.view = undefined;
  }

  deleteNode(name: string): void {
    const slot = this.slots.get(name);
    if (!slot) return;
    slot.node = undefined;
    slot.view = undefined;
    if (slot.pods.size === 0) this.slots.delete(name);
  }

  /** Counts `pod` under `key` (replacing what was counted under it), unless it is unbound or finished. */
  setPod(key: string, pod: KubeObject): void {
    this.deletePod(key);
    const nodeName = nodeNameOf(pod);
    if (!nodeName || isTerminal(pod)) return;
    const slot = this.slot(nodeName);
    slot.pods.set(key, pod);
    accumulate(slot.requested, podRequests(pod), 1);
    accumulate(slot.nonZeroRequested, nonZeroPodRequests(pod), 1);
    const owner = controllerOf(pod)?.uid;
    if (owner) slot.podsPerOwner.set(owner, (slot.podsPerOwner.get(owner) ?? 0) + 1);
    slot.view = undefined;
    this.placed.set(key, { nodeName, pod });
  }

  deletePod(key: string): void {
    const was = this.placed.get(key);
    if (!was) return;
    this.placed.delete(key);
    const slot = this.slots.get(was.nodeName)!;
    slot.pods.delete(key);
    accumulate(slot.requested, podRequests(was.pod), -1);
    accumulate(slot.nonZeroRequested, nonZeroPodRequests(was.pod), -1);
    const owner = controllerOf(was.pod)?.uid;
    if (owner) {
      const left = slot.podsPerOwner.get(owner)! - 1;
      if (left > 0) slot.podsPerOwner.set(owner, left);
      else slot.podsPerOwner.delete(owner);
    }
    slot.view = undefined;
    if (slot.pods.size === 0 && !slot.node) this.slots.delete(was.nodeName);
  }

  clear(): void {
    this.slots.clear();
    this.placed.clear();
  }

  /** Every known node's info. Treat them as read-only: they are shared until their node or Pods change. */
  infos(): NodeInfo[] {
    const infos: NodeInfo[] = [];
    for (const [name, slot] of this.slots) {
      if (!slot.node) continue;
      slot.view ??= {
        node: slot.node,
        name,
        pods: [...slot.pods.values()],
        allocatable: slot.allocatable,
        requested: { ...slot.requested },
        nonZeroRequested: { ...slot.nonZeroRequested },
        podsPerOwner: new Map(slot.podsPerOwner),
      };
      infos.push(slot.view);
    }
    return infos;
  }
}

export function buildNodeInfos(nodes: readonly KubeObject[], pods: readonly KubeObject[]): NodeInfo[] {
  const set = new NodeInfoSet();
  for (const node of nodes) set.setNode(node);
  pods.forEach((pod, i) => set.setPod(String(i), pod));
  return set.infos();
}
