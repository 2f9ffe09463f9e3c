/**
 * `pause ID` / `resume ID`: every process of a container frozen by its
 * cgroup and thawed again (v1: the freezer's `freezer.state`; v2:
 * `cgroup.freeze`; the code is the engine's `docker pause` code,
 * src/cgroup/). As runc: a created or running container can be paused,
 * is then `paused` in `state` and `list` until resumed, and comes back
 * created or running as it was.
 *
 * @module
 */

import { debug } from "../debug.ts";
import { containerCgroup } from "./cgroup.ts";
import { notExist, notPaused, notRunning } from "./errors.ts";
import { withContainerLock } from "./lock.ts";
import type { RuntimeRoot } from "./paths.ts";
import { readRecord } from "./record.ts";
import { statusOf } from "./status.ts";

/** Freezes container `id`; resolves once the kernel reports every task frozen. */
export function pauseContainer(root: RuntimeRoot, id: string): Promise<void> {
  const paths = root.container(id);
  return withContainerLock(paths, id, async () => {
    const record = readRecord(paths);
    if (!record) throw notExist(id);
    const status = statusOf(paths, record);
    if (status !== "created" && status !== "running") throw notRunning(id);
    const cgroup = containerCgroup(record.cgroup);
    await cgroup.freeze();
    debug("pause", `${id} (${status}) frozen: ${cgroup.processes().length} processes`);
  });
}

/** Thaws paused container `id`. */
export function resumeContainer(root: RuntimeRoot, id: string): Promise<void> {
  const paths = root.container(id);
  return withContainerLock(paths, id, () => {
    const record = readRecord(paths);
    if (!record) throw notExist(id);
    if (statusOf(paths, record) !== "paused") throw notPaused(id);
    containerCgroup(record.cgroup).thaw();
    debug("pause", `${id} thawed`);
  });
}
