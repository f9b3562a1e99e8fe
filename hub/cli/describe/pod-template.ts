/** kubectl's DescribePodTemplate: the "Pod Template:" block of Deployments (and ReplicaSets). */
import { describeContainers, type ContainerLike } from './containers.js';
import { printLabelsMultiline, printAnnotationsMultiline, printTolerationsMultiline, type TolerationLike } from './multiline.js';
import { LEVEL_0, LEVEL_1, LEVEL_2, type PrefixWriter } from './prefix-writer.js';
import { formatQuantity } from '../../../shared/api/quantity-text.js';
import { parseQuantity } from '../../../shared/api/quantity.js';
import type { DescribeClock } from './time-format.js';

export interface PodTemplateLike {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    containers?: readonly ContainerLike[];
    initContainers?: readonly ContainerLike[];
    nodeSelector?: Record<string, string>;
    [field: string]: unknown;
  };
}

/** Pod spec fields kubectl prints that Skiff's schema may not declare. */
interface PodSpecExtras {
  serviceAccountName?: string;
  priorityClassName?: string;
  tolerations?: TolerationLike[];
  volumes?: ReadonlyArray<VolumeLike>;
}

/** The volume sources Skiff serves, as kubectl reads them. */
export interface VolumeLike {
  name: string;
  configMap?: { name?: string; optional?: boolean };
  secret?: { secretName?: string; optional?: boolean };
  emptyDir?: { medium?: string; sizeLimit?: string | number };
}

/**
 * kubectl's describeVolumes with its printers for the sources Skiff serves (configMap, secret,
 * emptyDir); any other source is listed as kubectl lists one it does not know. The continuation
 * lines carry their own four spaces, as kubectl's format strings do.
 */
export function describeVolumes(volumes: ReadonlyArray<VolumeLike> | undefined, w: PrefixWriter, space: string): void {
  if (!volumes || volumes.length === 0) return w.write(LEVEL_0, `${space}Volumes:\t<none>\n`);
  w.write(LEVEL_0, `${space}Volumes:\n`);
  for (const volume of volumes) {
    w.write(LEVEL_1, `${space ? ' ' : ''}${volume.name}:\n`);
    if (volume.emptyDir) {
      const limit = volume.emptyDir.sizeLimit;
      const sizeLimit = limit !== undefined && (parseQuantity(limit) ?? 0) > 0 ? formatQuantity(limit) : '<unset>';
      w.write(LEVEL_2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${volume.emptyDir.medium ?? ''}\n    SizeLimit:\t${sizeLimit}\n`);
    } else if (volume.secret) {
      w.write(LEVEL_2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${volume.secret.secretName ?? ''}\n    Optional:\t${volume.secret.optional === true}\n`);
    } else if (volume.configMap) {
      w.write(LEVEL_2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${volume.configMap.name ?? ''}\n    Optional:\t${volume.configMap.optional === true}\n`);
    } else {
      w.write(LEVEL_1, '<unknown>\n');
    }
  }
}

export function describePodTemplate(template: PodTemplateLike | undefined, w: PrefixWriter, clock: DescribeClock): void {
  w.write(LEVEL_0, 'Pod Template:\n');
  // Go writes this without a newline, and so does this port.
  if (!template) return w.write(LEVEL_1, '<unset>');
  const spec = template.spec ?? {};
  const more = spec as PodSpecExtras;
  printLabelsMultiline(w, '  Labels', template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0) printAnnotationsMultiline(w, '  Annotations', template.metadata?.annotations);
  if (more.serviceAccountName) w.write(LEVEL_1, `Service Account:\t${more.serviceAccountName}\n`);
  if ((spec.initContainers ?? []).length > 0) describeContainers('Init Containers', spec.initContainers!, undefined, w, '  ', clock);
  describeContainers('Containers', spec.containers ?? [], undefined, w, '  ', clock);
  describeVolumes(more.volumes, w, '  ');
  if (more.priorityClassName) w.write(LEVEL_1, `Priority Class Name:\t${more.priorityClassName}\n`);
  printLabelsMultiline(w, '  Node-Selectors', spec.nodeSelector);
  printTolerationsMultiline(w, '  Tolerations', more.tolerations);
}
