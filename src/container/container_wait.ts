/**
 * `wait`: block until a container is not running, then tell its exit code
 * (Docker's default condition "not-running": a container that is created
 * or exited already answers at once).
 *
 * @module
 */

import type { StateRoot } from "../store/paths.ts";
import { UNKNOWN_EXIT_CODE } from "./container_inspect.ts";
import { awaitExitRecord } from "./container_stop.ts";
import type { ContainerRecord } from "./record.ts";
import { ContainerStore } from "./store.ts";

const POLL_MS = 20;

/** How long to wait, after the process is gone, for its parent to record the exit code. */
const RECORD_WAIT_MS = 1000;

/**
 * Resolves to `record`'s exit code once it is not running: -1 when the
 * exit was never observed; the last known code when the container was
 * removed on exit (`--rm`).
 */
export async function waitContainer(root: StateRoot, record: ContainerRecord): Promise<number> {
  const store = new ContainerStore(root);
  let last = record;
  while (last.state.status === "running") {
    await new Promise((r) => setTimeout(r, POLL_MS));
    if (!store.ids().includes(record.id)) break;
    last = store.get(record.id);
  }
  if (last.state.status === "running" || last.state.status === "exited") {
    // The process is gone; its parent records the code a moment later.
    const recorded = await awaitExitRecord(root, record.id, last.state.startedAt, RECORD_WAIT_MS);
    if (recorded) last = recorded;
  }
  if (last.state.status === "created") return 0;
  return last.state.exitCode ?? UNKNOWN_EXIT_CODE;
}
