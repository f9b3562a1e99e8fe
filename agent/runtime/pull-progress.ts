/**
 * Image pull progress (issue #9): the engine's pull stream (POST /images/create, one JSON line
 * per layer event: {status, id, progressDetail: {current, total}}) folded into one summary of
 * layers and downloaded bytes, and the latest summary of each pull in flight, which the pod
 * status reports for the containers waiting on that image. No I/O and no imports beyond types:
 * the agent keeps one small record per layer of each pull in flight.
 *
 * The statuses, as dockerd 20.10 sends them (distribution/pull_v2.go, progress.go):
 *   "Already exists"                          layer on the machine: done, nothing to download
 *   "Pulling fs layer", "Waiting"             layer known, download not started (size unknown)
 *   "Downloading" {current, total}            bytes so far of the compressed layer
 *   "Verifying Checksum", "Download complete" downloaded
 *   "Extracting" {current, total}             downloaded; total is the layer's size
 *   "Pull complete"                           done
 * Lines without a layer (the "Pulling from" line carries the tag as its id, "Digest:",
 * "Status:") and any other status ("Retrying in 5 seconds") change nothing.
 */
import type { PullProgress } from '../../shared/pull-progress-message.js';

interface LayerProgress {
  done: boolean;
  /** Already on the machine: counts as done, no bytes to download. */
  present: boolean;
  downloaded: boolean;
  current: number;
  /** The compressed size, once the engine has said it. */
  total?: number;
}

const KNOWN_ONLY = new Set(['Pulling fs layer', 'Waiting']);
const DOWNLOADED = new Set(['Verifying Checksum', 'Download complete', 'Extracting']);

function sizeOf(detail: unknown, field: 'current' | 'total'): number | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined;
  const value = (detail as Record<string, unknown>)[field];
  // The engine sends total -1 (or none) when the registry did not say the size.
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Folds the lines of one pull. `add` says whether the summary is worth reporting now: not after
 * the lines that announce the layers ("Already exists", "Pulling fs layer"), which the engine
 * sends in one burst before any download, so that nobody reads "0 B of 0 B, 1 of 1 layers" from
 * the first of them; the next line gives the whole picture. (An image whose layers all exist has
 * nothing more to say: its pull ends at once.)
 */
export class PullProgressAggregator {
  private readonly layers = new Map<string, LayerProgress>();

  add(line: Record<string, unknown>): boolean {
    const { status, id } = line;
    if (typeof status !== 'string' || typeof id !== 'string') return false;
    const isLayerStatus = status === 'Already exists' || status === 'Downloading' || status === 'Pull complete' || KNOWN_ONLY.has(status) || DOWNLOADED.has(status);
    if (!isLayerStatus) return false;
    const layer = this.layers.get(id) ?? { done: false, present: false, downloaded: false, current: 0 };
    this.layers.set(id, layer);
    const total = sizeOf(line.progressDetail, 'total');
    if (status === 'Already exists') {
      layer.done = true;
      layer.present = true;
    } else if (status === 'Downloading') {
      layer.current = sizeOf(line.progressDetail, 'current') ?? layer.current;
      if (total !== undefined && total > 0) layer.total = total;
    } else if (DOWNLOADED.has(status)) {
      layer.downloaded = true;
      // Extracting counts the same compressed bytes again: it only tells the size, if unknown.
      if (status === 'Extracting' && layer.total === undefined && total !== undefined && total > 0) layer.total = total;
    } else if (status === 'Pull complete') {
      layer.done = true;
      layer.downloaded = true;
    }
    return status !== 'Already exists' && status !== 'Pulling fs layer';
  }

  progress(): PullProgress {
    let layersDone = 0;
    let bytesDone = 0;
    let bytesTotal = 0;
    let bytesTotalKnown = true;
    for (const layer of this.layers.values()) {
      if (layer.done) layersDone++;
      if (layer.present) continue;
      if (layer.total === undefined) bytesTotalKnown = false;
      else bytesTotal += layer.total;
      bytesDone += layer.downloaded ? (layer.total ?? layer.current) : layer.current;
    }
    return { layersDone, layersTotal: this.layers.size, bytesDone, bytesTotal, bytesTotalKnown };
  }
}

/** The summary of a whole stream of lines (tests, and a caller that has the lines at hand). */
export function summarizePull(lines: Iterable<Record<string, unknown>>): PullProgress {
  const aggregator = new PullProgressAggregator();
  for (const line of lines) aggregator.add(line);
  return aggregator.progress();
}

/**
 * The latest progress of each pull in flight, by normalised image reference (the executor's
 * pull key). The executor writes it; the reporter reads it when it builds pod statuses and is
 * told through `onChange` that there is something new to report (it throttles: reporter.ts).
 */
export class PullProgressBoard {
  private readonly latest = new Map<string, PullProgress>();

  constructor(private readonly onChange: () => void = () => undefined) {}

  update(image: string, progress: PullProgress): void {
    this.latest.set(image, progress);
    this.onChange();
  }

  /** The pull ended (either way): its containers are created next or wait with the failure. */
  finish(image: string): void {
    this.latest.delete(image);
  }

  get(image: string): PullProgress | undefined {
    return this.latest.get(image);
  }
}
