/**
 * emptyDir sizeLimit enforcement, as kubelet's eviction manager does it
 * (pkg/kubelet/eviction/eviction_manager.go localStorageEviction -> emptyDirLimitEviction): on
 * every monitoring pass, whatever the node's pressure, a Pod one of whose emptyDir volumes holds
 * more bytes than its sizeLimit is evicted — every such Pod in the pass, not one per interval —
 * with the message of its first volume (in spec order) over the limit. A volume without usage
 * figures is skipped, as kubelet skips one absent from its volume stats; a sizeLimit of 0 (or
 * less) is no limit (kubelet: size.Sign() == 1).
 * Pure: usage is measured by the caller (PodVolumes.emptyDirUsage, dir-usage.ts).
 */
import { parseQuantityText, quantityString } from '../../shared/api/quantity-text.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import { volumesOf } from '../volumes/volume-source.js';
import { emptyDirLimitMessage } from './eviction-message.js';

/** One emptyDir volume of a Pod that has a positive sizeLimit. */
export interface LimitedEmptyDir {
  /** The volume's name. */
  name: string;
  medium: 'Memory' | 'disk';
  /** The largest byte count still within the limit (usage is whole bytes: used > limit <=> used > floor(limit)). */
  limitBytes: number;
  /** The limit as Quantity.String() prints it, for the message. */
  limitText: string;
}

/** A Pod and the bytes used in its emptyDir volumes, by volume name (only those measured). */
export interface EmptyDirMeasurement {
  pod: DesiredPod;
  usedBytes: ReadonlyMap<string, number>;
}

export interface EmptyDirEviction {
  pod: DesiredPod;
  volume: string;
  message: string;
}

const NANO_PER_UNIT = 1_000_000_000n;

/** The Pod's emptyDir volumes with a positive sizeLimit, in spec order ([] when none: nothing to measure). */
export function limitedEmptyDirs(pod: DesiredPod): LimitedEmptyDir[] {
  const limited: LimitedEmptyDir[] = [];
  for (const volume of volumesOf(pod)) {
    const sizeLimit = volume.emptyDir?.sizeLimit;
    if (sizeLimit === undefined) continue;
    const quantity = parseQuantityText(sizeLimit); // validated by the hub; a value it let through unparsed limits nothing
    if (!quantity || quantity.nano <= 0n) continue;
    limited.push({
      name: volume.name,
      medium: volume.emptyDir!.medium === 'Memory' ? 'Memory' : 'disk',
      limitBytes: Number(quantity.nano / NANO_PER_UNIT),
      limitText: quantityString(quantity),
    });
  }
  return limited;
}

/** The Pods to evict, in input order, each with kubelet's message for its first volume over its limit. */
export function emptyDirLimitEvictions(measurements: readonly EmptyDirMeasurement[]): EmptyDirEviction[] {
  const evictions: EmptyDirEviction[] = [];
  for (const { pod, usedBytes } of measurements) {
    const over = limitedEmptyDirs(pod).find((limited) => {
      const used = usedBytes.get(limited.name);
      return used !== undefined && used > limited.limitBytes;
    });
    if (over) evictions.push({ pod, volume: over.name, message: emptyDirLimitMessage(over.name, over.limitText) });
  }
  return evictions;
}
