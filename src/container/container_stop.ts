/**
 * `stop`: SIGTERM to the container's PID 1, SIGKILL once the grace period is
 * over (PID 1 of a PID namespace ignores SIGTERM unless it installed a
 * handler, so `sleep` or `top` only ever die by the SIGKILL), then wait
 * until the process is gone and its exit is on record.
 *
 * The exit code is recorded by the container's parent (the monitor for
 * detached containers, the `run` CLI for foreground ones), which alone can
 * learn it from the kernel. `stop` waits briefly for that record; when
 * there is no parent left to write it, the exit is recorded as unknown and
 * `stop` releases what the run held (its network endpoint and cgroups).
 *
 * @module
 */

import { SIGNALS } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { UserError } from "../errors.ts";
import { unlessDiskFull } from "../store/disk_full.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";
import { signalContainer } from "./container_kill.ts";
import { releaseRuntime } from "./container_runtime.ts";
import { isSameProcess } from "../process/proc.ts";
import type { ContainerRecord } from "./record.ts";
import { signalNumber } from "./signal_name.ts";
import { ContainerStore, policyRestartLock } from "./store.ts";

/** Docker's default grace period between SIGTERM and SIGKILL. */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 10;

/** How long a process may take to disappear after SIGKILL before stop gives up. */
const KILL_WAIT_MS = 10_000;

/** How long to wait for the container's parent to record the exit code. */
const RECORD_WAIT_MS = 1_000;

const POLL_MS = 10;

/** Waits until `pid` (started at `startTime`) is gone; false after `timeoutMs`. */
export async function waitGone(
  pid: number,
  startTime: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (isSameProcess(pid, startTime)) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return true;
}

/**
 * Marks `record` stopped by hand (`stop`, `kill`, `rm -f`, `restart`): its
 * exit is no reason to restart it (Docker 20.10 does not restart a killed
 * one either; measured). Only a restart policy reads the mark, so a
 * container without one writes nothing: stopping it needs no disk space.
 * Returns the record as it is once marked: running again when a restart
 * under its policy was starting it meanwhile.
 */
export function markStopped(root: StateRoot, record: ContainerRecord): ContainerRecord {
  const policy = record.config.restartPolicy?.name ?? "no";
  if (policy === "no" || record.manuallyStopped) return record;
  const store = new ContainerStore(root);
  let marked = record;
  try {
    // A stop or removal on a full disk must still happen: the mark is skipped then.
    unlessDiskFull(`marking ${record.id} stopped`, () => {
      marked = withLock(root, policyRestartLock(record.id), () =>
        store.update(
          record.id,
          (rec) => ({ ...rec, manuallyStopped: true, restartingUntil: undefined }),
        ));
    });
  } catch (err) {
    if (store.ids().includes(record.id)) throw err; // removed meanwhile: nothing to mark
  }
  return marked;
}

/** The stored record of `id`, or undefined once it has been removed. */
function current(store: ContainerStore, id: string): ContainerRecord | undefined {
  try {
    return store.get(id);
  } catch (err) {
    if (!store.ids().includes(id)) return undefined;
    throw err;
  }
}

/**
 * Waits, up to `ms`, until the run of `id` that started at `startedAt` has
 * its exit code on record. Past that, the record says what the kernel says
 * (exited, code unknown), and is stored so. Undefined when the container
 * was removed meanwhile (`--rm`). While it waits, nothing is written: the
 * parent's exit record (fsynced) would otherwise wait for this one's.
 */
export async function awaitExitRecord(
  root: StateRoot,
  id: string,
  startedAt: string,
  ms: number,
): Promise<ContainerRecord | undefined> {
  const store = new ContainerStore(root);
  const deadline = performance.now() + ms;
  for (;;) {
    const rec = store.observed(id);
    // Removed, or a record that does not parse: current() tells which.
    if (rec === undefined) return current(store, id);
    if (rec.state.startedAt !== startedAt) return rec;
    if (rec.state.status === "exited" && rec.state.exitCode !== null) return rec;
    if (performance.now() > deadline) return current(store, id);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Stops `record`'s container: its stop signal (`--stop-signal`, the image's
 * STOPSIGNAL, else SIGTERM), then SIGKILL after `timeoutSeconds` (absent:
 * its `--stop-timeout`, else Docker's 10; 0: SIGKILL at once; negative: wait
 * for as long as it takes). It is marked stopped by hand first, so no
 * restart policy brings it back. Resolves to the record once the process
 * is gone, or undefined if the container was removed on exit. A container
 * that is not running is returned as is.
 */
export async function stopContainer(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  timeoutSeconds?: number,
): Promise<ContainerRecord | undefined> {
  record = markStopped(root, record);
  const { state } = record;
  if (state.status !== "running") return record;
  const timeout = timeoutSeconds ?? record.config.stopTimeout ?? DEFAULT_STOP_TIMEOUT_SECONDS;
  const signal = signalNumber(record.config.stopSignal ?? "SIGTERM") ?? SIGNALS.SIGTERM;
  let gone = false;
  if (timeout !== 0 && signalContainer(root, kernel, record, signal)) {
    const grace = timeout < 0 ? Infinity : timeout * 1000;
    gone = await waitGone(state.pid, state.pidStartTime, grace);
  }
  if (!gone) {
    signalContainer(root, kernel, record, SIGNALS.SIGKILL);
    if (!await waitGone(state.pid, state.pidStartTime, KILL_WAIT_MS)) {
      throw new UserError(
        `Error response from daemon: cannot stop container: ${record.name}: ` +
          `PID ${state.pid} did not exit after SIGKILL`,
      );
    }
  }
  const stopped = await awaitExitRecord(root, record.id, state.startedAt, RECORD_WAIT_MS);
  // No parent recorded the exit, so none released what the run held: stop does.
  if (stopped?.state.status === "exited" && stopped.state.exitCode === null) {
    await releaseRuntime(root, stopped);
  }
  return stopped;
}
