/**
 * Signalling a container's PID 1 without ever hitting a recycled PID: the
 * process is pinned with a pidfd first, then checked to be the one that
 * started at the recorded start time, and only then signalled through the
 * pidfd. Between the check and the signal the PID cannot be reused, because
 * the pidfd refers to that process and no other.
 *
 * @module
 */

import { Errno, SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { recordEvent } from "../events/events.ts";
import { isSameProcess } from "../process/proc.ts";
import type { StateRoot } from "../store/paths.ts";
import { thawForSignal } from "./container_pause.ts";
import { eventSubject } from "./events.ts";
import type { ContainerRecord, ContainerState } from "./record.ts";

function isGone(err: unknown): boolean {
  return err instanceof SyscallError && err.errno === Errno.ESRCH;
}

/**
 * Sends `signal` to the container's PID 1. Returns false, sending nothing,
 * when the container is not running or its process has already exited
 * (including a PID now owned by an unrelated process).
 */
export function killContainer(kernel: Kernel, state: ContainerState, signal: number): boolean {
  if (state.status !== "running" || state.pid <= 0) return false;
  let pidfd: number;
  try {
    pidfd = kernel.pidfdOpen(state.pid);
  } catch (err) {
    if (isGone(err)) return false;
    throw err;
  }
  try {
    if (!isSameProcess(state.pid, state.pidStartTime)) return false;
    kernel.pidfdSendSignal(pidfd, signal);
    return true;
  } catch (err) {
    if (isGone(err)) return false;
    throw err;
  } finally {
    kernel.close(pidfd);
  }
}

/**
 * `killContainer` for a whole record: the signal is sent, recorded as a
 * `kill` event, and a paused container thawed so that it acts on it.
 */
export function signalContainer(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  signal: number,
): boolean {
  if (!killContainer(kernel, record.state, signal)) return false;
  recordEvent(root, "kill", eventSubject(record), { signal: String(signal) });
  thawForSignal(root, record);
  return true;
}
