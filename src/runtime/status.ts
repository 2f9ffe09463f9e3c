/**
 * A container's lifecycle state, from the kernel and the state directory:
 * its init alive (same PID and start time, not a zombie) in a frozen
 * cgroup is `paused` (as runc says, created or running), alive with the
 * exec FIFO still there `created`, alive without it `running`, anything
 * else `stopped`.
 *
 * @module
 */

import { type ContainerStatus, OCI_VERSION, type State } from "../oci/state.ts";
import { isSameProcess } from "../process/proc.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { containerCgroup } from "./cgroup.ts";
import type { ContainerPaths } from "./paths.ts";
import type { RuntimeRecord } from "./record.ts";

/** `record`'s status now. */
export function statusOf(paths: ContainerPaths, record: RuntimeRecord): ContainerStatus {
  if (!isSameProcess(record.pid, record.pidStartTime)) return "stopped";
  if (containerCgroup(record.cgroup).frozen()) return "paused";
  return lstatOrUndefined(paths.fifo) ? "created" : "running";
}

/** The runtime-spec state of `record` in `status`. */
export function ociState(record: RuntimeRecord, status: ContainerStatus): State {
  const annotations = record.spec.annotations;
  return {
    ociVersion: record.spec.ociVersion ?? OCI_VERSION,
    id: record.id,
    status,
    pid: status === "stopped" ? 0 : record.pid,
    bundle: record.bundle,
    rootfs: record.spec.root?.path ?? "",
    created: record.created,
    owner: "",
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  };
}
