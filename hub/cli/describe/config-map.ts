/**
 * `describe configmap`, ported from kubectl 1.32's ConfigMapDescriber: the object's names, every
 * data value in full (ConfigMaps are not secret), binary values as their size only, then events.
 */
import type { ConfigMap } from '../../../shared/api/schema/config.js';
import type { Event } from '../../../shared/api/schema/event.js';
import { describeEvents } from './events.js';
import { byteOrder, printAnnotationsMultiline, printLabelsMultiline } from './multiline.js';
import { LEVEL_0, tabbedString } from './prefix-writer.js';
import type { DescribeClock } from './time-format.js';

/** The length of the bytes a base64 value encodes (Go's len([]byte) on the decoded field). */
export function decodedByteLength(base64: string): number {
  return Buffer.from(base64, 'base64').length;
}

/**
 * The text `kubectl describe configmap` prints. kubectl ranges over Go maps, so its key order
 * changes from run to run; Skiff prints keys in byte order so the output is stable. Each value is
 * followed by an empty line (kubernetes/kubernetes#123597, kubectl 1.31+).
 */
export function describeConfigMap(configMap: ConfigMap, events: readonly Event[] | undefined, clock: DescribeClock): string {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${configMap.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${configMap.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', configMap.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', configMap.metadata.annotations);

    w.write(LEVEL_0, '\nData\n====\n');
    const data = configMap.data ?? {};
    for (const key of Object.keys(data).sort(byteOrder)) {
      w.write(LEVEL_0, `${key}:\n----\n`);
      w.write(LEVEL_0, `${data[key]}\n`);
      w.write(LEVEL_0, '\n');
    }
    w.write(LEVEL_0, '\nBinaryData\n====\n');
    const binaryData = configMap.binaryData ?? {};
    for (const key of Object.keys(binaryData).sort(byteOrder)) {
      w.write(LEVEL_0, `${key}: ${decodedByteLength(binaryData[key]!)} bytes\n`);
    }
    w.write(LEVEL_0, '\n');
    if (events) describeEvents(events, w, clock);
  });
}
