/**
 * `describe secret`, ported from kubectl 1.32's describeSecret: the object's names, its type, and
 * the size of each data value, never the value itself. Like kubectl, no events are shown.
 *
 * One deliberate difference: kubectl prints the `token` of a kubernetes.io/service-account-token
 * Secret in clear; Skiff prints its size like every other key, so a describe never leaks a
 * credential into a terminal or a log.
 */
import type { Secret } from '../../../shared/api/schema/config.js';
import { decodedByteLength } from './config-map.js';
import { byteOrder, printAnnotationsMultiline, printLabelsMultiline } from './multiline.js';
import { LEVEL_0, tabbedString } from './prefix-writer.js';

/** The text `kubectl describe secret` prints; keys in byte order (kubectl's follow Go's map order). */
export function describeSecret(secret: Secret): string {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${secret.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${secret.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', secret.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', secret.metadata.annotations);

    w.write(LEVEL_0, `\nType:\t${secret.type ?? ''}\n`);

    w.write(LEVEL_0, '\nData\n====\n');
    const data = secret.data ?? {};
    for (const key of Object.keys(data).sort(byteOrder)) {
      w.write(LEVEL_0, `${key}:\t${decodedByteLength(data[key]!)} bytes\n`);
    }
  });
}
