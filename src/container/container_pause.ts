/**
 * `pause`/`unpause`: every process of a running container frozen by its
 * cgroup (v1: the freezer controller's `freezer.state`; v2:
 * `cgroup.freeze`) and thawed again. The container stays running (its
 * status word is "paused"); a signal sent to a paused container (kill,
 * stop, rm -f) is delivered and the container thawed so it can act on it,
 * as Docker does.
 *
 * @module
 */

import { openContainerCgroup } from "../cgroup/container_cgroup.ts";
import { debug } from "../debug.ts";
import { UserError } from "../errors.ts";
import { recordEvent } from "../events/events.ts";
import { needsSpace } from "../store/disk_full.ts";
import type { StateRoot } from "../store/paths.ts";
import { eventSubject } from "./events.ts";
import type { ContainerRecord } from "./record.ts";
import { ContainerStore } from "./store.ts";

/** Docker's CLI exits 1 when the daemon refuses the request. */
const REFUSED = 1;

function notRunning(record: ContainerRecord): UserError {
  return new UserError(
    `Error response from daemon: Container ${record.id} is not running`,
    REFUSED,
  );
}

/** Stores the paused flag of the run that started at `startedAt`; false if that run is over. */
function setPaused(root: StateRoot, record: ContainerRecord, paused: boolean): boolean {
  let same = false;
  new ContainerStore(root).update(record.id, (rec) => {
    same = rec.state.status === "running" && rec.state.startedAt === record.state.startedAt;
    return same ? { ...rec, state: { ...rec.state, paused } } : rec;
  });
  return same;
}

/** Freezes every process of `record`'s running container. */
export async function pauseContainer(root: StateRoot, record: ContainerRecord): Promise<void> {
  if (record.state.status !== "running") throw notRunning(record);
  if (record.state.paused) {
    throw new UserError(
      `Error response from daemon: Container ${record.id} is already paused`,
      REFUSED,
    );
  }
  const cgroup = openContainerCgroup(record.id, record.config.resources);
  await cgroup.freeze();
  debug("pause", `${record.id.slice(0, 12)} frozen: ${cgroup.processes().length} processes`);
  let recorded: boolean;
  try {
    recorded = needsSpace(root, () => setPaused(root, record, true));
  } catch (err) {
    // Not left frozen when its record cannot say so (a full disk).
    cgroup.thaw();
    throw err;
  }
  if (!recorded) {
    // It exited while being frozen: nothing is left to pause.
    cgroup.thaw();
    throw notRunning(record);
  }
  recordEvent(root, "pause", eventSubject(record));
}

/** Thaws `record`'s paused container. */
export function unpauseContainer(root: StateRoot, record: ContainerRecord): void {
  if (record.state.status !== "running" || !record.state.paused) {
    throw new UserError(
      `Error response from daemon: Container ${record.id} is not paused`,
      REFUSED,
    );
  }
  openContainerCgroup(record.id, record.config.resources).thaw();
  setPaused(root, record, false);
  recordEvent(root, "unpause", eventSubject(record));
}

/**
 * After a signal was sent to `record`'s container: thaw it if it is
 * paused, so its processes can receive the signal (a frozen task does not
 * run its handler, nor die of SIGKILL, until thawed).
 */
export function thawForSignal(root: StateRoot, record: ContainerRecord): void {
  const cgroup = openContainerCgroup(record.id, record.config.resources);
  if (!record.state.paused && !cgroup.frozen()) return;
  debug("pause", `${record.id.slice(0, 12)} is paused: thawed so the signal is acted on`);
  cgroup.thaw();
  setPaused(root, record, false);
}
