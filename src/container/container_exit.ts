/**
 * What happens when a container's PID 1 exits: the exit code is computed as
 * a shell would (128 + signal for a killed process) and recorded through the
 * state machine.
 *
 * @module
 */

import { SIGNALS } from "../../ffi/constants.ts";
import type { StateRoot } from "../store/paths.ts";
import type { ContainerRecord } from "./record.ts";
import { transition } from "./state.ts";
import { ContainerStore } from "./store.ts";

/** Exit code of a finished process: its code, or 128 + the signal that killed it. */
export function exitCodeOf(status: Deno.CommandStatus): number {
  if (status.signal) return 128 + (SIGNALS[status.signal] ?? 0);
  return status.code;
}

/**
 * Records that the run of `id` that started at `startedAt` exited with
 * `exitCode`. If someone already saw the process gone and recorded the exit
 * as unknown, the known code replaces the unknown one; a later run of the
 * same container is never touched.
 */
export function recordExit(
  root: StateRoot,
  id: string,
  startedAt: string,
  exitCode: number,
  oomKilled = false,
): ContainerRecord {
  return new ContainerStore(root).update(id, (rec) => {
    if (rec.state.startedAt !== startedAt) return rec;
    if (rec.state.status === "running") {
      return {
        ...rec,
        state: transition(rec.state, {
          kind: "exit",
          exitCode,
          oomKilled,
          at: new Date().toISOString(),
        }),
      };
    }
    if (rec.state.status === "exited" && rec.state.exitCode === null) {
      return { ...rec, state: { ...rec.state, exitCode, oomKilled } };
    }
    return rec;
  });
}
