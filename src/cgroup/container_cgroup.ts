/**
 * What the container lifecycle calls: set up a container's cgroup before
 * its init runs the user's command, open it again (exec, stats, OOM
 * check), and remove it once the container is gone.
 *
 * @module
 */

import type { Resources } from "./resources.ts";
import { type CgroupDriver, cgroupDriverForHost, type ContainerCgroup } from "./driver.ts";

let hostDriver: CgroupDriver | undefined;

/** The host's driver, detected once per process. */
function driver(): CgroupDriver {
  hostDriver ??= cgroupDriverForHost();
  return hostDriver;
}

/** The host's cgroup version (v1 also on a hybrid host). */
export function hostCgroupVersion(): "v1" | "v2" {
  return driver().version;
}

/**
 * Creates container `id`'s cgroup under `resources.cgroupParent` (default
 * `/dockergsh`) with every limit written. The caller then moves the init
 * into it (`addProcess(pid)`) before the init executes the user's command,
 * so everything the command forks is limited too.
 */
export function setupContainerCgroup(id: string, resources: Resources): ContainerCgroup {
  return driver().create(id, resources);
}

/** Container `id`'s existing cgroup: to join (exec), read (stats) or check for OOM kills. */
export function openContainerCgroup(id: string, resources: Resources): ContainerCgroup {
  return driver().open(id, resources.cgroupParent);
}

/** Removes container `id`'s cgroup; a cgroup that is already gone is fine. */
export function removeContainerCgroup(id: string, resources: Resources): Promise<void> {
  return openContainerCgroup(id, resources).destroy();
}
