/**
 * The words of an image pull in progress (issue #9), one source of truth for both sides: the
 * agent writes them into a waiting container's state.waiting.message (reason stays
 * ContainerCreating, as kubelet's: Kubernetes has no pull-progress field, so kubectl shows the
 * reason and `describe` the message), and the CLI recognises them to print progress while
 * `rollout status` or `apply --wait` waits.
 *
 *   Pulling image "reg/x:2": 12.3 MB of 45.6 MB, 3 of 7 layers
 *
 * The prefix is kubelet's own "Pulling" event message, so a message without progress yet (the
 * manifest is being fetched) reads as that event does.
 */

/** What an image pull has done so far, summed over its layers (agent/runtime/pull-progress.ts). */
export interface PullProgress {
  /** Layers downloaded and extracted, or already on the machine. */
  layersDone: number;
  layersTotal: number;
  /** Compressed bytes downloaded, over the layers that had to be downloaded. */
  bytesDone: number;
  /** The sizes known so far of the layers to download. */
  bytesTotal: number;
  /** False while a layer to download has not told its size yet (dockerd downloads three at a time). */
  bytesTotalKnown: boolean;
}

const PREFIX = 'Pulling image "';
const MESSAGE = /^Pulling image "([^"]+)"(?:: (.+))?$/;

/** Decimal units, as Docker prints sizes (go-units HumanSize): "950 B", "36.4 kB", "12.3 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  // 999.96 kB prints as "1.0 MB", not "1000.0 kB".
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** "12.3 MB of 45.6 MB, 3 of 7 layers"; undefined before the engine has said which layers the image has. */
export function pullProgressDetail(progress: PullProgress): string | undefined {
  if (progress.layersTotal === 0) return undefined;
  const done = formatBytes(progress.bytesDone);
  const bytes = progress.bytesTotalKnown ? `${done} of ${formatBytes(progress.bytesTotal)}` : progress.bytesTotal > 0 ? `${done} of at least ${formatBytes(progress.bytesTotal)}` : `${done} downloaded`;
  return `${bytes}, ${progress.layersDone} of ${progress.layersTotal} layers`;
}

/** The waiting message of a container whose image is being pulled. */
export function formatPullProgressMessage(image: string, progress: PullProgress | undefined): string {
  const detail = progress && pullProgressDetail(progress);
  return `${PREFIX}${image}"${detail ? `: ${detail}` : ''}`;
}

/** The image and progress a waiting message tells, or undefined when it is not a pull's. */
export function parsePullProgressMessage(message: string | undefined): { image: string; detail?: string } | undefined {
  const match = message === undefined ? null : MESSAGE.exec(message);
  if (!match) return undefined;
  return { image: match[1]!, ...(match[2] !== undefined ? { detail: match[2] } : {}) };
}
