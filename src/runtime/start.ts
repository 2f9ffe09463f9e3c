/**
 * `start`: releases a created container's init. It is blocked opening the
 * exec FIFO for writing (see init.ts); opening the other end lets it on,
 * and the byte it writes then says it got there. The FIFO is removed,
 * which makes the container `running`, and the `poststart` hooks run.
 *
 * @module
 */

import { O_CLOEXEC, O_NONBLOCK, O_RDONLY } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import { isSameProcess } from "../process/proc.ts";
import { notExist, RuntimeError } from "./errors.ts";
import { runHooks } from "./hooks.ts";
import { withContainerLock } from "./lock.ts";
import type { RuntimeRoot } from "./paths.ts";
import { readRecord, type RuntimeRecord } from "./record.ts";
import { ociState, statusOf } from "./status.ts";

const POLL_MS = 1;

/**
 * Opens the FIFO without blocking (no writer may ever come: an init that
 * died) and waits for the init's byte while the init lives.
 */
async function releaseInit(kernel: Kernel, fifo: string, record: RuntimeRecord): Promise<void> {
  const fd = kernel.open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  try {
    const buf = new Uint8Array(1);
    const released = () => {
      try {
        return kernel.read(fd, buf) === 1;
      } catch (err) {
        if (!(err instanceof SyscallError && err.code === "EAGAIN")) throw err;
        return false;
      }
    };
    // Nothing yet: no writer so far (the init's open may not have returned), or it is gone.
    while (!released()) {
      if (!isSameProcess(record.pid, record.pidStartTime)) {
        // It may have written, exec'd and exited (a short command) since the read.
        if (released()) return;
        throw new RuntimeError(`container "${record.id}": its init exited before it was started`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    kernel.close(fd);
  }
}

/** Starts created container `id`. */
export function startContainer(root: RuntimeRoot, kernel: Kernel, id: string): Promise<void> {
  const paths = root.container(id);
  return withContainerLock(paths, id, async () => {
    const record = readRecord(paths);
    if (!record) throw notExist(id);
    const status = statusOf(paths, record);
    if (status === "running") throw new RuntimeError(`container "${id}" is already running`);
    if (status === "paused") throw new RuntimeError("cannot start a container in the paused state");
    if (status === "stopped") throw new RuntimeError(`cannot start a container that has stopped`);
    await releaseInit(kernel, paths.fifo, record);
    Deno.removeSync(paths.fifo);
    debug("start", `init ${record.pid} released: the user's process runs`);
    await runHooks("poststart", record.spec.hooks?.poststart, ociState(record, "running"), true);
  });
}
