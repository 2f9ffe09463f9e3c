/**
 * The processes of a container's cgroup: what `ps` lists and `kill --all`
 * signals. On cgroup v1 every hierarchy holds the same processes; the
 * first directory is read.
 *
 * @module
 */

import { type CgroupLocation, containerCgroup } from "./cgroup.ts";

/** The host PIDs in the container's cgroup (none when it is gone). */
export function cgroupPids(location: CgroupLocation): number[] {
  for (const dir of containerCgroup(location).paths) {
    try {
      return Deno.readTextFileSync(`${dir}/cgroup.procs`).split("\n").filter((l) => l !== "")
        .map(Number);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  return [];
}
