/**
 * `rm`: remove a container and everything it owns. A running container is
 * refused unless forced; forced, it is killed first (SIGKILL, as `docker
 * rm -f`) and waited for, exit recorded. This is the one place a container
 * is removed (`rm`, `run --rm`, a failed `run`, the monitor's `--rm`), so
 * what a container owns outside its directory is released here.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { UserError } from "../errors.ts";
import { recordEvent } from "../events/events.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { releaseRuntime } from "./container_runtime.ts";
import type { ContainerRecord } from "./record.ts";
import { observe } from "./state.ts";
import { ContainerStore } from "./store.ts";
import { eventSubject } from "./events.ts";

/** What the caller of deleteContainer already did. */
export interface DeleteOptions {
  /**
   * The caller released the runtime of `record`'s last run itself, once its
   * PID 1 had exited (finishRun: a foreground `--rm` run that just ended),
   * so a container that is not running again is not released a second time.
   */
  runtimeReleased?: boolean;
}

/**
 * Removes `record`'s container; kills it first when `force`. Removing a
 * container that another process removed meanwhile (the monitor's `--rm`)
 * is not an error: it is gone either way.
 */
export async function deleteContainer(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  force: boolean,
  options: DeleteOptions = {},
): Promise<void> {
  if (record.state.status === "running") {
    if (!force && record.state.paused) {
      throw new UserError(
        `Error response from daemon: You cannot remove a paused container ${record.id}. ` +
          "Unpause and then stop the container before attempting removal or force remove",
        1,
      );
    }
    if (!force) {
      throw new UserError(
        `Error response from daemon: You cannot remove a running container ${record.id}. ` +
          "Stop the container before attempting removal or force remove",
        1,
      );
    }
    // Loaded only to remove a running container (a stopped one's removal is the common case).
    const { stopContainer } = await import("./container_stop.ts");
    const stopped = await stopContainer(root, kernel, record, 0);
    if (stopped === undefined) return;
    // Its exit is on record: released by its parent before it recorded it, or by stop when none did.
    record = stopped;
  } else if (!options.runtimeReleased) {
    // Normally released on exit already; not if the exit's watcher was gone.
    await releaseRuntime(root, record);
  }
  const store = new ContainerStore(root);
  // Under the lock that guards names: two removers (rm and the monitor's
  // --rm) cannot trip over each other, and a name is free once it is gone.
  const doomed = withLock(root, "containers", () => {
    // Read once (no listing, nothing stored): gone already is done.
    const current = store.load(record.id);
    if (!current) return undefined;
    // `record` may be stale: never remove a container that was started again
    // since. The run `record` saw end needs no look at the kernel.
    const sameEndedRun = record.state.status !== "running" &&
      current.state.startedAt === record.state.startedAt;
    if (!sameEndedRun && observe(current).state.status === "running") {
      throw new UserError(
        `Error response from daemon: cannot remove container "/${record.name}": ` +
          "it was started again while being removed",
      );
    }
    return store.takeOut(record.id);
  });
  if (doomed === undefined) return;
  // Out of the lock: another container's create or removal need not wait for this tree.
  await store.purge(record.id, doomed);
  recordEvent(root, "destroy", eventSubject(record));
}
