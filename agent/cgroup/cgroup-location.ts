/**
 * Where a container's cgroup lives, from /proc/<pid>/cgroup of its main process: robust to the
 * cgroup driver (cgroupfs puts Docker's containers under /docker/<id>, systemd under
 * /system.slice/docker-<id>.scope) and to the hierarchy version. cgroup v1 (these machines) has
 * one directory per controller (`4:memory:/docker/<id>`); cgroup v2 (Raspberry Pi OS since
 * bookworm) one unified directory (`0::/system.slice/docker-<id>.scope`). Pure.
 */

export type CgroupLocation =
  | {
      version: 1;
      /** Directory of each controller, under the mount root, e.g. memory -> /sys/fs/cgroup/memory/docker/<id>. */
      controllers: ReadonlyMap<string, string>;
    }
  | {
      version: 2;
      /** The unified directory, e.g. /sys/fs/cgroup/system.slice/docker-<id>.scope. */
      dir: string;
    };

/**
 * Parses /proc/<pid>/cgroup. A v1 line names its controllers (`3:cpu,cpuacct:/docker/x`: both
 * share the directory mounted at /sys/fs/cgroup/cpu,cpuacct); the lone `0::/path` line is v2's.
 * A process in a v1 system may still show `0::/` (the systemd "unified" compat mount): when any
 * v1 controller is listed, v1 wins. Undefined when nothing usable is there.
 */
export function locateCgroup(procCgroup: string, mountRoot = '/sys/fs/cgroup'): CgroupLocation | undefined {
  const controllers = new Map<string, string>();
  let unified: string | undefined;
  for (const line of procCgroup.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, , list, path] = match as unknown as [string, string, string, string];
    if (list === '') {
      unified = path;
      continue;
    }
    // name=systemd is a named hierarchy, not a resource controller.
    const names = list.split(',').filter((name) => !name.startsWith('name='));
    for (const name of names) controllers.set(name, `${mountRoot}/${list}${path === '/' ? '' : path}`);
  }
  if (controllers.size > 0) return { version: 1, controllers };
  if (unified !== undefined) return { version: 2, dir: `${mountRoot}${unified === '/' ? '' : unified}` };
  return undefined;
}

/** The directory holding `controller`'s files (v2: the unified one). */
export function controllerDir(location: CgroupLocation, controller: string): string | undefined {
  return location.version === 2 ? location.dir : location.controllers.get(controller);
}
