/**
 * `ps [--format table|json] ID`: the processes of the container's cgroup,
 * as host PIDs. containerd reads `--format json`, a JSON array of numbers.
 *
 * @module
 */

import { notExist } from "./errors.ts";
import { cgroupPids } from "./cgroup_procs.ts";
import type { RuntimeRoot } from "./paths.ts";
import { readRecord } from "./record.ts";

/** The host PIDs of container `id`'s processes, lowest first. */
export function containerPids(root: RuntimeRoot, id: string): number[] {
  const paths = root.container(id);
  const record = readRecord(paths);
  if (!record) throw notExist(id);
  return cgroupPids(record.cgroup).sort((a, b) => a - b);
}

/** One process as the table shows it: its PID and its command line (or its name). */
export function processLine(pid: number): string {
  let cmd = "";
  try {
    cmd = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter((a) => a).join(" ");
    if (cmd === "") cmd = `[${Deno.readTextFileSync(`/proc/${pid}/comm`).trim()}]`;
  } catch {
    cmd = "?";
  }
  return `${String(pid).padEnd(10)}${cmd}`;
}
