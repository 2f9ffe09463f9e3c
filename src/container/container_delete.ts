/**
 * `rm`: remove a container and everything it owns. A running container is
 * refused unless forced; forced, it is killed first and waited for.
 *
 * @module
 */

import { SIGNALS } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { UserError } from "../errors.ts";
import type { StateRoot } from "../store/paths.ts";
import { isSameProcess } from "./proc.ts";
import type { ContainerRecord } from "./record.ts";
import { ContainerStore } from "./store.ts";

/** Waits until `pid` (started at `startTime`) is gone; false after `timeoutMs`. */
export async function waitGone(
  pid: number,
  startTime: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (isSameProcess(pid, startTime)) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Removes `record`'s container; kills it first when `force`. */
export async function deleteContainer(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  force: boolean,
): Promise<void> {
  const { state } = record;
  if (state.status === "running") {
    if (!force) {
      throw new UserError(
        `Error response from daemon: You cannot remove a running container ${record.id}. ` +
          "Stop the container before attempting removal or force remove",
      );
    }
    try {
      kernel.kill(state.pid, SIGNALS.SIGKILL);
    } catch {
      // Exited on its own meanwhile.
    }
    if (!await waitGone(state.pid, state.pidStartTime, 10_000)) {
      throw new UserError(`Error response from daemon: could not kill container ${record.id}`);
    }
  }
  new ContainerStore(root).delete(record.id);
}
