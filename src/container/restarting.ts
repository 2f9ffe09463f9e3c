/**
 * Docker's "restarting" state: a container that exited and whose restart
 * policy's next start is pending in the monitor's back-off.
 *
 * @module
 */

import type { ContainerRecord } from "./record.ts";

/** True while `rec`'s restart is pending (see ContainerRecord.restartingUntil). */
export function isRestarting(rec: ContainerRecord, now: Date): boolean {
  return rec.state.status === "exited" && !rec.manuallyStopped &&
    rec.restartingUntil !== undefined && now.getTime() < Date.parse(rec.restartingUntil);
}
