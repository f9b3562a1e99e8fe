/**
 * The volumes of the Pods on this node, on the host: what the reconcile loop asks for before it
 * creates a Pod's containers (prepare), and cleans up after the Pod is gone (remove, list).
 *
 * Layout, per pod and volume (`<kind>` is configmap, secret or empty-dir):
 *   <dataDir>/pods/<uid>/volumes/<kind>/<name>     configMap, emptyDir (the node's disk)
 *   <secretsDir>/pods/<uid>/volumes/<kind>/<name>  secret, emptyDir medium Memory (tmpfs only)
 * Secret bytes never touch the SD card: a secretsDir that is not a tmpfs is refused, not used.
 * configMap and secret volumes are written by atomic-writer.ts, so a running container, which
 * bind-mounts the volume directory, sees updates live; prepare is idempotent and costs one
 * readlink per volume when nothing changed. Calls for one pod must not overlap (the reconcile
 * loop is serial). emptyDirUsage measures an emptyDir for its sizeLimit (the eviction manager).
 */
import { chmod, lstat, mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errorMessage, SkiffError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import type { ConfigLookup } from '../config/config-lookup.js';
import { writePayload, type WrittenPayload } from './atomic-writer.js';
import { directoryUsage, type DirUsage, type DirUsageOptions } from './dir-usage.js';
import { projectConfigMap, projectSecret } from './projection.js';
import { resolveSubPath } from './sub-path.js';
import { isTmpfs } from './tmpfs.js';
import { volumeMountsOf, volumesOf, type PodVolume } from './volume-source.js';
import { HOSTS_FILE_NAME } from '../services/pod-hosts.js';
import { POD_LOGS_DIR } from '../logs/previous-logs.js';

/** One bind mount of one container: host path, container path. */
export interface VolumeMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export type PrepareResult = { ok: true; mounts: Map<string, VolumeMount[]> } | { ok: false; volume: string; message: string };

export interface PodVolumesOptions {
  /** The agent's data dir (node disk). */
  dataDir: string;
  /** A tmpfs for secret volumes and emptyDir medium Memory. */
  secretsDir: string;
  log: Logger;
  /** Clock for the data dir names (tests). */
  now?: () => Date;
}

type VolumeKind = 'configmap' | 'secret' | 'empty-dir';

interface PreparedVolume {
  kind: VolumeKind;
  dir: string;
}

type VolumeResult = ({ ok: true } & PreparedVolume) | { ok: false; message: string };

/** Pod uids and volume names become path elements: nothing that could step out of the tree. */
const SAFE_UID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export class PodVolumes {
  private readonly dataDir: string;
  private readonly secretsDir: string;
  private readonly log: Logger;
  private readonly now: () => Date;
  /** What was last written to each configMap or secret volume dir, so a no-op refresh reads nothing. */
  private readonly written = new Map<string, WrittenPayload>();

  constructor(options: PodVolumesOptions) {
    this.dataDir = options.dataDir;
    this.secretsDir = options.secretsDir;
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
  }

  /** Idempotent: writes or refreshes every volume of the pod; cheap when nothing changed. */
  async prepare(pod: DesiredPod, lookup: ConfigLookup): Promise<PrepareResult> {
    const uid = pod.metadata.uid;
    const prepared = new Map<string, PreparedVolume>();
    for (const volume of volumesOf(pod)) {
      let result: VolumeResult;
      try {
        result = SAFE_UID.test(uid) ? await this.prepareVolume(pod, volume, lookup) : { ok: false, message: `pod uid "${uid}" cannot name a directory` };
      } catch (err) {
        // A filesystem failure (disk full, permissions): reported on the pod as FailedMount, retried next pass.
        this.log.warn({ pod: uid, volume: volume.name, err: errorMessage(err) }, 'volume setup failed');
        result = { ok: false, message: errorMessage(err) };
      }
      if (!result.ok) return { ok: false, volume: volume.name, message: result.message };
      prepared.set(volume.name, result);
    }
    const mounts = new Map<string, VolumeMount[]>();
    for (const container of pod.spec.containers) {
      const list: VolumeMount[] = [];
      for (const mount of volumeMountsOf(container)) {
        const volume = prepared.get(mount.name);
        if (!volume) return { ok: false, volume: mount.name, message: `container "${container.name}" mounts volume "${mount.name}", which the pod does not define` };
        let source = volume.dir;
        if (mount.subPath) {
          const resolved = await resolveSubPath(volume.dir, mount.subPath, { create: volume.kind === 'empty-dir' }).catch((err: unknown) => {
            this.log.warn({ pod: uid, volume: mount.name, err: errorMessage(err) }, 'volume subPath setup failed');
            return { ok: false as const, message: errorMessage(err) };
          });
          if (!resolved.ok) return { ok: false, volume: mount.name, message: resolved.message };
          source = resolved.path;
        }
        // kubelet mounts configMap and secret volumes read-only whatever the mount says.
        list.push({ source, target: mount.mountPath, readOnly: mount.readOnly === true || volume.kind !== 'empty-dir' });
      }
      mounts.set(container.name, list);
    }
    return { ok: true, mounts };
  }

  /** Deletes the pod's volumes, on disk and on tmpfs. */
  async remove(uid: string): Promise<void> {
    if (!SAFE_UID.test(uid)) throw new SkiffError('SKIFF_ERR_INTERNAL', `pod uid "${uid}" cannot name a directory`);
    for (const root of [this.dataDir, this.secretsDir]) {
      const podDir = join(root, 'pods', uid);
      await rm(join(podDir, 'volumes'), { recursive: true, force: true });
      await rm(join(podDir, HOSTS_FILE_NAME), { force: true }); // the managed /etc/hosts (services/pod-hosts.ts)
      await rm(join(podDir, POD_LOGS_DIR), { recursive: true, force: true }); // output kept for logs --previous (logs/previous-logs.ts)
      await rmdirIfEmpty(podDir);
    }
    const prefixes = [join(this.dataDir, 'pods', uid) + '/', join(this.secretsDir, 'pods', uid) + '/'];
    for (const dir of this.written.keys()) {
      if (prefixes.some((p) => dir.startsWith(p))) this.written.delete(dir);
    }
    this.log.debug({ pod: uid }, 'pod volumes removed');
  }

  /** Uids that have volume dirs, a hosts file or kept logs, on disk or on tmpfs (to clean up after pods no longer desired). */
  async list(): Promise<string[]> {
    const uids = new Set<string>();
    for (const root of [this.dataDir, this.secretsDir]) {
      for (const uid of await listDir(join(root, 'pods'))) {
        if (!SAFE_UID.test(uid)) continue;
        const podDir = join(root, 'pods', uid);
        if ((await isDirectory(join(podDir, 'volumes'))) || (await exists(join(podDir, HOSTS_FILE_NAME))) || (await exists(join(podDir, POD_LOGS_DIR)))) uids.add(uid);
      }
    }
    return [...uids].sort();
  }

  /**
   * Bytes used in the Pod's emptyDir volume `name` (dir-usage.ts), on disk or, for medium Memory,
   * on the shared tmpfs; undefined when the volume does not exist (not prepared yet, or removed).
   */
  async emptyDirUsage(uid: string, volume: { name: string; medium: 'Memory' | 'disk' }, options: DirUsageOptions): Promise<DirUsage | undefined> {
    if (!SAFE_UID.test(uid) || !DNS_LABEL.test(volume.name)) return undefined; // never made: no path to measure
    return directoryUsage(volumePath(volume.medium === 'Memory' ? this.secretsDir : this.dataDir, uid, 'empty-dir', volume.name), options);
  }

  private async prepareVolume(pod: DesiredPod, volume: PodVolume, lookup: ConfigLookup): Promise<VolumeResult> {
    if (!DNS_LABEL.test(volume.name)) return { ok: false, message: `volume name "${volume.name}" is not a DNS label` };
    const given = (['configMap', 'secret', 'emptyDir'] as const).filter((k) => volume[k] !== undefined);
    if (given.length !== 1) return { ok: false, message: `volume "${volume.name}" must have exactly one of configMap, secret, emptyDir` };
    const namespace = pod.metadata.namespace;
    if (volume.configMap) {
      const projection = projectConfigMap(volume.configMap, namespace, lookup);
      if (!projection.ok) return projection;
      const dir = await this.volumeDir(this.dataDir, pod, 'configmap', volume.name, 0o755);
      await this.write(pod, volume.name, dir, projection.files);
      return { ok: true, kind: 'configmap', dir };
    }
    if (volume.secret) {
      const problem = await this.tmpfsProblem('secret volumes');
      if (problem) return { ok: false, message: problem };
      const projection = projectSecret(volume.secret, namespace, lookup);
      if (!projection.ok) return projection;
      const dir = await this.volumeDir(this.secretsDir, pod, 'secret', volume.name, 0o755);
      await this.write(pod, volume.name, dir, projection.files);
      return { ok: true, kind: 'secret', dir };
    }
    const memory = volume.emptyDir!.medium === 'Memory';
    if (memory) {
      const problem = await this.tmpfsProblem('emptyDir volumes of medium Memory');
      if (problem) return { ok: false, message: problem };
    }
    // kubelet makes an emptyDir world-writable, so that a container running as any user can use it.
    const dir = await this.volumeDir(memory ? this.secretsDir : this.dataDir, pod, 'empty-dir', volume.name, 0o777);
    return { ok: true, kind: 'empty-dir', dir };
  }

  /** The volume's directory, created with `mode` if missing (its parents: 0700, the agent's only). */
  private async volumeDir(root: string, pod: DesiredPod, kind: VolumeKind, name: string, mode: number): Promise<string> {
    const dir = volumePath(root, pod.metadata.uid, kind, name);
    const parent = dirname(dir);
    await mkdir(parent, { recursive: true, mode: 0o700 });
    try {
      await mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return dir;
      throw err;
    }
    await chmod(dir, mode); // mkdir's mode is filtered by the umask
    return dir;
  }

  private async write(pod: DesiredPod, volume: string, dir: string, files: Parameters<typeof writePayload>[1]): Promise<void> {
    const result = await writePayload(dir, files, this.written.get(dir), this.now());
    this.written.set(dir, { hash: result.hash, dataDir: result.dataDir });
    if (result.changed) this.log.info({ pod: pod.metadata.uid, volume, dataDir: result.dataDir, files: files.length }, 'volume content written');
  }

  /** Why secretsDir cannot hold `what`, or undefined when it is a tmpfs. */
  private async tmpfsProblem(what: string): Promise<string | undefined> {
    await mkdir(this.secretsDir, { recursive: true, mode: 0o700 });
    if (await isTmpfs(this.secretsDir)) return undefined;
    return `${this.secretsDir} is not a tmpfs: ${what} are kept in memory only, never on the node's disk (mount a tmpfs there, or point the agent's secrets dir at one)`;
  }
}

/** Where a volume lives: <root>/pods/<uid>/volumes/<kind>/<name>. */
function volumePath(root: string, uid: string, kind: VolumeKind, name: string): string {
  return join(root, 'pods', uid, 'volumes', kind, name);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await kindOf(path)) === 'directory';
}

async function exists(path: string): Promise<boolean> {
  return (await kindOf(path)) !== undefined;
}

async function kindOf(path: string): Promise<'directory' | 'other' | undefined> {
  try {
    return (await lstat(path)).isDirectory() ? 'directory' : 'other';
  } catch (err) {
    // ENOTDIR: a stray file where a pod dir would be.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Removes `dir` if nothing else lives in it (another module may keep files beside the volumes). */
async function rmdirIfEmpty(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTEMPTY') return;
    throw err;
  }
}
