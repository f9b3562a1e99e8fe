/**
 * `describe node`, ported from kubectl 1.32's describeNode and describeNodeResource: the node's
 * facts, then what its non-terminated pods request and limit against what it can allocate.
 *
 * Not shown: kubectl's "Lease:" block (HolderIdentity, AcquireTime, RenewTime), because Skiff
 * nodes have no coordination.k8s.io Lease; their heartbeat is the Ready condition's
 * LastHeartbeatTime in the Conditions table.
 */
import type { Event } from '../../../shared/api/schema/event.js';
import type { Node } from '../../../shared/api/schema/cluster.js';
import type { Pod } from '../../../shared/api/schema/pod.js';
import { nodeRoles } from '../../printers/node.js';
import { describeEvents } from './events.js';
import { byteOrder, printAnnotationsMultiline, printLabelsMultiline, printNodeTaintsMultiline } from './multiline.js';
import { LEVEL_0, LEVEL_1, tabbedString, type PrefixWriter } from './prefix-writer.js';
import { effectiveRequests } from '../../../shared/api/qos.js';
import { ZERO_QUANTITY, addQuantity, milliValue, parseQuantityText, quantityString, wholeValue, type Quantity } from '../../../shared/api/quantity-text.js';
import { formatTime, since, type DescribeClock } from './time-format.js';

type ResourceTotals = Map<string, Quantity>;

/** Node spec fields kubectl prints that Skiff's schema may not declare. */
interface NodeSpecExtras {
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
}

/** Resource names kubectl treats as standard (IsStandardContainerResourceName) or lists elsewhere. */
const STANDARD_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage', 'pods']);
const isHugePages = (name: string): boolean => name.startsWith('hugepages-');

function addList(into: ResourceTotals, list: Record<string, string | number> | undefined): void {
  for (const [name, text] of Object.entries(list ?? {})) {
    const q = parseQuantityText(text);
    if (q) into.set(name, addQuantity(into.get(name), q));
  }
}

/** kubectl's PodRequestsAndLimits: containers summed, then the largest init container if larger. */
export function podRequestsAndLimits(pod: Pod): { requests: ResourceTotals; limits: ResourceTotals } {
  const requests: ResourceTotals = new Map();
  const limits: ResourceTotals = new Map();
  for (const c of pod.spec.containers) {
    addList(requests, effectiveRequests(c.resources));
    addList(limits, c.resources?.limits);
  }
  const init = (pod.spec as { initContainers?: Pod['spec']['containers'] }).initContainers ?? [];
  for (const c of init) {
    for (const [totals, list] of [[requests, effectiveRequests(c.resources)], [limits, c.resources?.limits ?? {}]] as const) {
      for (const [name, text] of Object.entries(list)) {
        const q = parseQuantityText(text);
        const current = totals.get(name);
        if (q && (!current || q.nano > current.nano)) totals.set(name, q);
      }
    }
  }
  return { requests, limits };
}

const quantityOf = (list: Record<string, string> | undefined, name: string): Quantity => parseQuantityText(list?.[name] ?? '') ?? ZERO_QUANTITY;

/** int64(float64(part) / float64(whole) * 100), with an empty whole read as 0% rather than Go's overflow. */
function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.trunc((part / whole) * 100);
}

const cell = (q: Quantity | undefined): Quantity => q ?? ZERO_QUANTITY;

function describeNodeResource(pods: readonly Pod[], node: Node, w: PrefixWriter, clock: DescribeClock): void {
  w.write(LEVEL_0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(LEVEL_1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
  w.write(LEVEL_1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
  const capacity = node.status?.capacity;
  const allocatable = Object.keys(node.status?.allocatable ?? {}).length > 0 ? node.status!.allocatable! : (capacity ?? {});
  const cpu = milliValue(quantityOf(allocatable, 'cpu'));
  const memory = wholeValue(quantityOf(allocatable, 'memory'));
  const storage = wholeValue(quantityOf(allocatable, 'ephemeral-storage'));
  const cpuCell = (q: Quantity): string => `${quantityString(q)} (${percent(milliValue(q), cpu)}%)`;
  const memoryCell = (q: Quantity): string => `${quantityString(q)} (${percent(wholeValue(q), memory)}%)`;

  const totalRequests: ResourceTotals = new Map();
  const totalLimits: ResourceTotals = new Map();
  for (const pod of pods) {
    const { requests, limits } = podRequestsAndLimits(pod);
    for (const [name, q] of requests) totalRequests.set(name, addQuantity(totalRequests.get(name), q));
    for (const [name, q] of limits) totalLimits.set(name, addQuantity(totalLimits.get(name), q));
    w.write(
      LEVEL_1,
      `${pod.metadata.namespace ?? ''}\t${pod.metadata.name ?? ''}\t\t${cpuCell(cell(requests.get('cpu')))}\t${cpuCell(cell(limits.get('cpu')))}\t` +
        `${memoryCell(cell(requests.get('memory')))}\t${memoryCell(cell(limits.get('memory')))}\t${since(pod.metadata.creationTimestamp, clock)}\n`,
    );
  }

  w.write(LEVEL_0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(LEVEL_1, 'Resource\tRequests\tLimits\n');
  w.write(LEVEL_1, '--------\t--------\t------\n');
  w.write(LEVEL_1, `cpu\t${cpuCell(cell(totalRequests.get('cpu')))}\t${cpuCell(cell(totalLimits.get('cpu')))}\n`);
  w.write(LEVEL_1, `memory\t${memoryCell(cell(totalRequests.get('memory')))}\t${memoryCell(cell(totalLimits.get('memory')))}\n`);
  const storageCell = (q: Quantity): string => `${quantityString(q)} (${percent(wholeValue(q), storage)}%)`;
  w.write(LEVEL_1, `ephemeral-storage\t${storageCell(cell(totalRequests.get('ephemeral-storage')))}\t${storageCell(cell(totalLimits.get('ephemeral-storage')))}\n`);
  const names = Object.keys(allocatable).sort(byteOrder);
  for (const name of names.filter(isHugePages)) {
    const whole = wholeValue(quantityOf(allocatable, name));
    const hugeCell = (q: Quantity): string => `${quantityString(q)} (${percent(wholeValue(q), whole)}%)`;
    w.write(LEVEL_1, `${name}\t${hugeCell(cell(totalRequests.get(name)))}\t${hugeCell(cell(totalLimits.get(name)))}\n`);
  }
  for (const name of names.filter((n) => !isHugePages(n) && !STANDARD_RESOURCES.has(n))) {
    w.write(LEVEL_1, `${name}\t${quantityString(cell(totalRequests.get(name)))}\t${quantityString(cell(totalLimits.get(name)))}\n`);
  }
}

function printResourceList(w: PrefixWriter, title: string, list: Record<string, string> | undefined): void {
  const names = Object.keys(list ?? {}).sort(byteOrder);
  if (names.length === 0) return;
  w.write(LEVEL_0, `${title}:\n`);
  for (const name of names) w.write(LEVEL_0, `  ${name}:\t${quantityString(quantityOf(list, name))}\n`);
}

/**
 * The text `kubectl describe node` prints. `pods` are the node's non-terminated pods (phase
 * neither Succeeded nor Failed), in the order the hub listed them.
 */
export function describeNode(node: Node, pods: readonly Pod[], events: readonly Event[] | undefined, clock: DescribeClock): string {
  const status = node.status ?? {};
  const spec = (node.spec ?? {}) as NonNullable<Node['spec']> & NodeSpecExtras;
  const info = status.nodeInfo;
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${node.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Roles:\t${nodeRoles(node)}\n`);
    printLabelsMultiline(w, 'Labels', node.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', node.metadata.annotations);
    w.write(LEVEL_0, `CreationTimestamp:\t${formatTime(node.metadata.creationTimestamp, clock)}\n`);
    printNodeTaintsMultiline(w, 'Taints', spec.taints);
    w.write(LEVEL_0, `Unschedulable:\t${spec.unschedulable === true}\n`);
    const conditions = status.conditions ?? [];
    if (conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
      w.write(LEVEL_1, '----\t------\t-----------------\t------------------\t------\t-------\n');
      for (const c of conditions) {
        w.write(
          LEVEL_1,
          `${c.type} \t${c.status} \t${formatTime(c.lastHeartbeatTime, clock)} \t${formatTime(c.lastTransitionTime, clock)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`,
        );
      }
    }
    w.write(LEVEL_0, 'Addresses:\n');
    for (const a of status.addresses ?? []) w.write(LEVEL_1, `${a.type}:\t${a.address}\n`);
    printResourceList(w, 'Capacity', status.capacity);
    printResourceList(w, 'Allocatable', status.allocatable);
    w.write(LEVEL_0, 'System Info:\n');
    w.write(LEVEL_0, `  Machine ID:\t${info?.machineID ?? ''}\n`);
    w.write(LEVEL_0, `  System UUID:\t${info?.systemUUID ?? ''}\n`);
    w.write(LEVEL_0, `  Boot ID:\t${info?.bootID ?? ''}\n`);
    w.write(LEVEL_0, `  Kernel Version:\t${info?.kernelVersion ?? ''}\n`);
    w.write(LEVEL_0, `  OS Image:\t${info?.osImage ?? ''}\n`);
    w.write(LEVEL_0, `  Operating System:\t${info?.operatingSystem ?? ''}\n`);
    w.write(LEVEL_0, `  Architecture:\t${info?.architecture ?? ''}\n`);
    w.write(LEVEL_0, `  Container Runtime Version:\t${info?.containerRuntimeVersion ?? ''}\n`);
    w.write(LEVEL_0, `  Kubelet Version:\t${info?.kubeletVersion ?? ''}\n`);
    w.write(LEVEL_0, `  Kube-Proxy Version:\t${info?.kubeProxyVersion ?? ''}\n`);
    if (spec.podCIDR) w.write(LEVEL_0, `PodCIDR:\t${spec.podCIDR}\n`);
    if ((spec.podCIDRs ?? []).length > 0) w.write(LEVEL_0, `PodCIDRs:\t${spec.podCIDRs!.join(',')}\n`);
    if (spec.providerID) w.write(LEVEL_0, `ProviderID:\t${spec.providerID}\n`);
    describeNodeResource(pods, node, w, clock);
    if (events) describeEvents(events, w, clock);
  });
}
