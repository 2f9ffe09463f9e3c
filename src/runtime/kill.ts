/**
 * `kill [--all] ID SIGNAL`: signals the container's init (or, with
 * `--all`, every process of its cgroup). The init is signalled through a
 * pidfd opened before its start time is checked, so a recycled PID is
 * never hit.
 *
 * @module
 */

import { SIGNALS } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import { isSameProcess } from "../process/proc.ts";
import { type CgroupLocation, containerCgroup } from "./cgroup.ts";
import { cgroupPids } from "./cgroup_procs.ts";
import { notExist, notRunning } from "./errors.ts";
import { withContainerLock } from "./lock.ts";
import type { RuntimeRoot } from "./paths.ts";
import { readRecord } from "./record.ts";

/** Sends `signal` to `pid` if it is still the process that started at `startTime`; true if sent. */
export function signalProcess(kernel: Kernel, pid: number, startTime: number, signal: number) {
  let pidfd: number;
  try {
    pidfd = kernel.pidfdOpen(pid);
  } catch (err) {
    if (err instanceof SyscallError && err.code === "ESRCH") return false;
    throw err;
  }
  try {
    if (!isSameProcess(pid, startTime)) return false;
    kernel.pidfdSendSignal(pidfd, signal);
    return true;
  } catch (err) {
    if (err instanceof SyscallError && err.code === "ESRCH") return false;
    throw err;
  } finally {
    kernel.close(pidfd);
  }
}

function thawIfFrozen(location: CgroupLocation): void {
  const cgroup = containerCgroup(location);
  if (!cgroup.frozen()) return;
  debug("kill", "the cgroup is frozen: thawed");
  cgroup.thaw();
}

/**
 * Freezes the cgroup before `kill --all` lists it, as runc does: a frozen
 * process cannot fork one the listing would miss. Best effort: a cgroup
 * that will not freeze (a task in the kernel that does not stop) is
 * signalled as it is.
 */
async function freezeForSignal(location: CgroupLocation): Promise<void> {
  const cgroup = containerCgroup(location);
  if (cgroup.frozen()) return;
  try {
    await cgroup.freeze();
    debug("kill", "the cgroup is frozen while it is signalled");
  } catch (err) {
    debug("kill", `the cgroup did not freeze (${(err as Error).message}): signalled as it is`);
  }
}

/** Signals container `id`. */
export function killContainer(
  root: RuntimeRoot,
  kernel: Kernel,
  id: string,
  signal: number,
  all: boolean,
): Promise<void> {
  const paths = root.container(id);
  return withContainerLock(paths, id, async () => {
    const record = readRecord(paths);
    if (!record) throw notExist(id);
    const initAlive = isSameProcess(record.pid, record.pidStartTime);
    if (all) {
      await freezeForSignal(record.cgroup);
      try {
        const pids = cgroupPids(record.cgroup);
        if (pids.length === 0 && !initAlive) throw notRunning(id);
        debug("kill", `signal ${signal} to the cgroup's pids ${pids.join(" ")}`);
        for (const pid of pids) {
          try {
            kernel.kill(pid, signal);
          } catch (err) {
            if (!(err instanceof SyscallError && err.code === "ESRCH")) throw err;
          }
        }
      } finally {
        // As runc's: thawed after, a paused container too, so every process acts on the signal.
        thawIfFrozen(record.cgroup);
      }
      return;
    }
    debug("kill", `signal ${signal} to the init, pid ${record.pid}`);
    if (!signalProcess(kernel, record.pid, record.pidStartTime, signal)) throw notRunning(id);
    // As runc's: a paused container stays paused, but a frozen task dies of SIGKILL only once thawed.
    if (signal === SIGNALS.SIGKILL) thawIfFrozen(record.cgroup);
  });
}
