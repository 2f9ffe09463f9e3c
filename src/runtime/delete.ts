/**
 * `delete [--force] ID`: removes a container. A stopped or created one
 * goes at once (a created init is killed, as runc does); a running one
 * only with `--force` (SIGKILL, then its end is awaited). Then whatever is
 * left in its cgroup is killed and the cgroup removed, the state
 * directory removed, and the `poststop` hooks run. `--force` of a
 * container that does not exist succeeds quietly: containerd's shim calls
 * it after `delete` to clean up.
 *
 * @module
 */

import { SIGNALS } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { removeContainerCgroup } from "../cgroup/container_cgroup.ts";
import { debug } from "../debug.ts";
import { isSameProcess } from "../process/proc.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { containerCgroup } from "./cgroup.ts";
import { notExist, RuntimeError } from "./errors.ts";
import { runHooks } from "./hooks.ts";
import { type ContainerLock, lockContainer } from "./lock.ts";
import type { RuntimeRoot } from "./paths.ts";
import { readRecord } from "./record.ts";
import { ociState, statusOf } from "./status.ts";
import { signalProcess } from "./kill.ts";

const EXIT_WAIT_MS = 10_000;
const EXIT_POLL_MS = 5;

/** Waits until `pid` (started at `startTime`) is gone or a zombie. */
async function awaitExit(pid: number, startTime: number): Promise<void> {
  const deadline = Date.now() + EXIT_WAIT_MS;
  while (isSameProcess(pid, startTime)) {
    if (Date.now() > deadline) throw new RuntimeError(`process ${pid} did not exit after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, EXIT_POLL_MS));
  }
}

/** Deletes container `id`. */
export async function deleteContainer(
  root: RuntimeRoot,
  kernel: Kernel,
  id: string,
  force: boolean,
): Promise<void> {
  const paths = root.container(id);
  let lock: ContainerLock;
  try {
    lock = await lockContainer(paths, id);
  } catch (err) {
    if (force && err instanceof RuntimeError && err.message.includes("does not exist")) return;
    throw err;
  }
  try {
    // Another delete may have removed it while this one waited for the lock.
    if (!lstatOrUndefined(paths.dir)) {
      if (force) return;
      throw notExist(id);
    }
    const record = readRecord(paths);
    if (!record) {
      // A create killed before it wrote its record: nothing of it runs.
      Deno.removeSync(paths.dir, { recursive: true });
      return;
    }
    const status = statusOf(paths, record);
    if ((status === "running" || status === "paused") && !force) {
      throw new RuntimeError(`cannot delete container ${id} that is not stopped: ${status}`);
    }
    if (status !== "stopped") {
      debug("delete", `SIGKILL to the ${status} init, pid ${record.pid}`);
      signalProcess(kernel, record.pid, record.pidStartTime, SIGNALS.SIGKILL);
    }
    // A frozen task dies of SIGKILL only once thawed (cgroup v1), the init's and any other's.
    const cgroup = containerCgroup(record.cgroup);
    if (cgroup.frozen()) cgroup.thaw();
    if (status !== "stopped") await awaitExit(record.pid, record.pidStartTime);
    await removeContainerCgroup(record.cgroup.name, { cgroupParent: record.cgroup.parent });
    Deno.removeSync(paths.dir, { recursive: true });
    await runHooks("poststop", record.spec.hooks?.poststop, ociState(record, "stopped"), true);
  } finally {
    lock.release();
  }
}
