/**
 * `wait`: block until a container is not running, then tell its exit code
 * (Docker's default condition "not-running": a container that is created
 * or exited already answers at once).
 *
 * @module
 */

import { eventFiles, parseEvents } from "../events/events.ts";
import type { StateRoot } from "../store/paths.ts";
import { UNKNOWN_EXIT_CODE } from "./container_inspect.ts";
import { awaitExitRecord } from "./container_stop.ts";
import type { ContainerRecord } from "./record.ts";
import { ContainerStore } from "./store.ts";

const POLL_MS = 20;

/** How long to wait, after the process is gone, for its parent to record the exit code. */
const RECORD_WAIT_MS = 1000;

/** The exit code the last `die` event of container `id` recorded, if there is one. */
function lastDieCode(root: StateRoot, id: string): number | undefined {
  let code: number | undefined;
  for (const path of eventFiles(root)) {
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch {
      continue;
    }
    for (const e of parseEvents(text)) {
      if (e.id === id && e.Action === "die") code = Number(e.Actor.Attributes.exitCode);
    }
  }
  return code;
}

/**
 * Resolves to `record`'s exit code once it is not running: -1 when the
 * exit was never observed; for a container removed on exit (`--rm`), the
 * code its `die` event recorded.
 */
export async function waitContainer(root: StateRoot, record: ContainerRecord): Promise<number> {
  const store = new ContainerStore(root);
  const removed = () => lastDieCode(root, record.id) ?? UNKNOWN_EXIT_CODE;
  let last: ContainerRecord | undefined = record;
  while (last.state.status === "running") {
    await new Promise((r) => setTimeout(r, POLL_MS));
    try {
      last = store.get(record.id);
    } catch (err) {
      if (!store.ids().includes(record.id)) return removed();
      throw err;
    }
  }
  if (last.state.status === "created") return 0;
  // The process is gone; its parent records the code a moment later.
  last = await awaitExitRecord(root, record.id, last.state.startedAt, RECORD_WAIT_MS);
  if (!last) return removed();
  return last.state.exitCode ?? UNKNOWN_EXIT_CODE;
}
