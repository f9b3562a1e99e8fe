/**
 * `describe pod`, ported line for line from kubectl 1.32's describePod. Fields Skiff's schema does
 * not carry are printed as Kubernetes would have defaulted them for the same manifest: priority 0
 * and the "default" service account (admission plugins set both), and podIPs from podIP (the
 * kubelet always reports both).
 */
import { controllerOf } from '../../../shared/api/object.js';
import type { Event } from '../../../shared/api/schema/event.js';
import type { Pod } from '../../../shared/api/schema/pod.js';
import type { ContainerStatus } from '../../../shared/api/status-types.js';
import { describeContainers, type ContainerLike, type FieldPathResolver } from './containers.js';
import { describeEvents } from './events.js';
import { printAnnotationsMultiline, printLabelsMultiline, printTolerationsMultiline, type TolerationLike } from './multiline.js';
import { describeVolumes, type VolumeLike } from './pod-template.js';
import { LEVEL_0, LEVEL_1, tabbedString, type PrefixWriter } from './prefix-writer.js';
import { podQos } from '../../../shared/api/qos.js';
import { formatTime, since, type DescribeClock } from './time-format.js';

/** Pod fields kubectl prints that Skiff's schema may not declare. */
interface PodExtras {
  spec: {
    priority?: number;
    initContainers?: readonly ContainerLike[];
    priorityClassName?: string;
    serviceAccountName?: string;
    tolerations?: TolerationLike[];
    volumes?: ReadonlyArray<VolumeLike>;
  };
  status?: { podIPs?: ReadonlyArray<{ ip: string }>; nominatedNodeName?: string; initContainerStatuses?: ContainerStatus[] };
}

function describePodIPs(pod: Pod, w: PrefixWriter): void {
  const status = pod.status ?? {};
  const ips = (pod as PodExtras).status?.podIPs ?? (status.podIP ? [{ ip: status.podIP }] : []);
  if (ips.length === 0) return w.write(LEVEL_0, 'IPs:\t<none>\n');
  w.write(LEVEL_0, 'IPs:\n');
  for (const { ip } of ips) w.write(LEVEL_1, `IP:\t${ip}\n`);
}

/**
 * kubectl's EnvValueFrom: a fieldRef's value, as kubectl finds it client-side. It converts the
 * path through the Pod's field-label conversion (metadata.name, metadata.namespace, spec.nodeName,
 * status.podIP, ...) and then extracts it with fieldpath.ExtractFieldPathAsString, which only
 * reads metadata; what passes both is metadata.name and metadata.namespace. Anything else prints
 * empty, as kubectl 1.32 prints it (checked against it).
 */
export function podFieldPath(pod: Pod): FieldPathResolver {
  return (fieldPath) => {
    if (fieldPath === 'metadata.name') return pod.metadata.name ?? '';
    if (fieldPath === 'metadata.namespace') return pod.metadata.namespace ?? '';
    return '';
  };
}

/** printController: "ReplicaSet/web-5d8c7b9f4d" for a pod a ReplicaSet controls. */
function controlledBy(pod: Pod): string {
  const ref = controllerOf(pod);
  return ref ? `${ref.kind}/${ref.name}` : '';
}

function statusLines(pod: Pod, w: PrefixWriter, clock: DescribeClock): void {
  const phase = pod.status?.phase ?? '';
  if (pod.metadata.deletionTimestamp && phase !== 'Failed' && phase !== 'Succeeded') {
    w.write(LEVEL_0, `Status:\tTerminating (lasts ${since(pod.metadata.deletionTimestamp, clock)})\n`);
    if (pod.metadata.deletionGracePeriodSeconds !== undefined) w.write(LEVEL_0, `Termination Grace Period:\t${pod.metadata.deletionGracePeriodSeconds}s\n`);
  } else {
    w.write(LEVEL_0, `Status:\t${phase}\n`);
  }
  if (pod.status?.reason) w.write(LEVEL_0, `Reason:\t${pod.status.reason}\n`);
  if (pod.status?.message) w.write(LEVEL_0, `Message:\t${pod.status.message}\n`);
}

/** The text `kubectl describe pod` prints; `events` undefined leaves the Events section out. */
export function describePod(pod: Pod, events: readonly Event[] | undefined, clock: DescribeClock): string {
  const extras = pod as PodExtras;
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${pod.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${pod.metadata.namespace ?? ''}\n`);
    w.write(LEVEL_0, `Priority:\t${extras.spec.priority ?? 0}\n`);
    if (extras.spec.priorityClassName) w.write(LEVEL_0, `Priority Class Name:\t${extras.spec.priorityClassName}\n`);
    w.write(LEVEL_0, `Service Account:\t${extras.spec.serviceAccountName || 'default'}\n`);
    const nodeName = pod.spec.nodeName ?? '';
    w.write(LEVEL_0, nodeName === '' ? 'Node:\t<none>\n' : `Node:\t${nodeName}/${pod.status?.hostIP ?? ''}\n`);
    if (pod.status?.startTime) w.write(LEVEL_0, `Start Time:\t${formatTime(pod.status.startTime, clock)}\n`);
    printLabelsMultiline(w, 'Labels', pod.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', pod.metadata.annotations);
    statusLines(pod, w, clock);
    w.write(LEVEL_0, `IP:\t${pod.status?.podIP ?? ''}\n`);
    describePodIPs(pod, w);
    const controller = controlledBy(pod);
    if (controller) w.write(LEVEL_0, `Controlled By:\t${controller}\n`);
    if (extras.status?.nominatedNodeName) w.write(LEVEL_0, `NominatedNodeName:\t${extras.status.nominatedNodeName}\n`);
    const init = extras.spec.initContainers ?? [];
    const resolve = podFieldPath(pod);
    if (init.length > 0) describeContainers('Init Containers', init, extras.status?.initContainerStatuses ?? [], w, '', clock, resolve);
    describeContainers('Containers', pod.spec.containers, pod.status?.containerStatuses ?? [], w, '', clock, resolve);
    const conditions = pod.status?.conditions ?? [];
    if (conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\n');
      for (const c of conditions) w.write(LEVEL_1, `${c.type} \t${c.status} \n`);
    }
    describeVolumes(extras.spec.volumes, w, '');
    w.write(LEVEL_0, `QoS Class:\t${podQos(pod)}\n`);
    printLabelsMultiline(w, 'Node-Selectors', pod.spec.nodeSelector);
    printTolerationsMultiline(w, 'Tolerations', extras.spec.tolerations);
    if (events) describeEvents(events, w, clock);
  });
}
