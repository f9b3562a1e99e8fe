/**
 * The output of a container's previous attempt, kept for `logs --previous`. kubelet keeps the
 * dead container itself until the next one exists; Skiff's agent removes an ended container as it
 * records the end (reconcile/plan.ts), so just before that the executor copies the end of its
 * output (at most PREVIOUS_LOG_MAX_BYTES, with engine timestamps so that --since and --timestamps
 * still apply) to <dataDir>/pods/<uid>/logs/<container>.previous, replacing the one before.
 * The file goes with the Pod's directory (volumes/pod-volumes.ts).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DockerApi } from '../runtime/docker-api.js';
import { onMultiplexedFrames } from '../runtime/docker-streams.js';

export const POD_LOGS_DIR = 'logs';
export const PREVIOUS_LOG_MAX_BYTES = 1024 * 1024;
/** Lines asked of the engine (its logs API has no byte limit); the bytes are cut after. */
const PREVIOUS_LOG_MAX_LINES = 20_000;

export function previousLogPath(dataDir: string, uid: string, container: string): string {
  return join(dataDir, 'pods', uid, POD_LOGS_DIR, `${container}.previous`);
}

/** Copies the end of the container's output (timestamped) to its `.previous` file. */
export async function savePreviousLog(api: Pick<DockerApi, 'containerLogs'>, dataDir: string, uid: string, container: string, containerId: string): Promise<void> {
  if (!api.containerLogs) return;
  const stream = await api.containerLogs(containerId, { follow: false, timestamps: true, tail: PREVIOUS_LOG_MAX_LINES });
  const parts: Buffer[] = [];
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    onMultiplexedFrames(stream, (payload) => {
      parts.push(payload);
      bytes += payload.length;
      while (bytes - parts[0]!.length >= PREVIOUS_LOG_MAX_BYTES) bytes -= parts.shift()!.length;
    });
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  let data = Buffer.concat(parts);
  if (data.length > PREVIOUS_LOG_MAX_BYTES) {
    data = data.subarray(data.length - PREVIOUS_LOG_MAX_BYTES);
    const newline = data.indexOf(0x0a);
    if (newline >= 0) data = data.subarray(newline + 1); // whole lines only
  }
  const path = previousLogPath(dataDir, uid, container);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(`${path}.tmp`, data, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/** The saved output, or undefined when there is none. */
export async function readPreviousLog(dataDir: string, uid: string, container: string): Promise<Buffer | undefined> {
  try {
    return await readFile(previousLogPath(dataDir, uid, container));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Applies PodLogOptions to saved timestamped output: sinceSeconds/sinceTime (by each line's
 * engine timestamp), tailLines, then the timestamps themselves (kept or cut), then limitBytes.
 */
export function selectLogLines(saved: Buffer, options: { timestamps: boolean; tailLines?: number; sinceMs?: number; limitBytes?: number }): Buffer {
  let lines = saved.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (options.sinceMs !== undefined) lines = lines.filter((line) => Date.parse(line.slice(0, line.indexOf(' '))) >= options.sinceMs!);
  if (options.tailLines !== undefined) lines = options.tailLines === 0 ? [] : lines.slice(-options.tailLines);
  if (!options.timestamps) lines = lines.map((line) => line.slice(line.indexOf(' ') + 1));
  const out = Buffer.from(lines.map((line) => `${line}\n`).join(''));
  return options.limitBytes !== undefined ? out.subarray(0, options.limitBytes) : out;
}
