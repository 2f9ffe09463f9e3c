/**
 * The cgroup driver interface: one cgroup per container, with its limits
 * written before any process joins it, and what the container's cgroup
 * can tell afterwards (usage, OOM kills). `cgroupDriverForHost` picks the
 * v1 or v2 implementation from the host's layout.
 *
 * @module
 */

import type { Resources } from "./resources.ts";
import { detectCgroupLayout } from "./detect.ts";
import { CgroupV1Driver } from "./v1.ts";
import { CgroupV2Driver } from "./v2.ts";

/** A container's usage, read from its cgroup. */
export interface CgroupStats {
  /** Bytes in use, less the inactive page cache (as `docker stats` counts). */
  memoryUsage: number;
  /** The memory limit in bytes; Infinity when there is none. */
  memoryLimit: number;
  /** CPU time used by all its tasks, in nanoseconds. */
  cpuUsageNs: number;
  /** Tasks (processes and threads) in it. */
  pids: number;
  /** Bytes its tasks read from and wrote to block devices, as the kernel counted them. */
  blockRead: number;
  blockWrite: number;
}

/** One container's cgroup (a directory per v1 controller, or one v2 directory). */
export interface ContainerCgroup {
  /** Its directories. */
  readonly paths: readonly string[];
  /**
   * Writes the limits of `r` that are set (not its device rules) to the
   * cgroup, also while processes run in it (`update`).
   */
  setLimits(r: Resources): void;
  /** Moves a process (and the children it forks later) into the cgroup. */
  addProcess(pid: number): void;
  /**
   * `addProcess` without blocking the event loop: on cgroup v1 each
   * cgroup.procs write waits for an RCU grace period (~11 ms measured),
   * so these are made on worker threads, the hierarchies' at once.
   */
  addProcessAsync(pid: number): Promise<void>;
  /** Current usage. */
  stats(): CgroupStats;
  /** True once the kernel's OOM killer has killed a task of the cgroup. */
  oomKilled(): boolean;
  /** The processes in the cgroup (thread-group IDs, as cgroup.procs lists them). */
  processes(): number[];
  /**
   * Freezes every task of the cgroup (`pause`); resolves once the kernel
   * reports the whole cgroup frozen, or thaws it again and throws.
   */
  freeze(): Promise<void>;
  /** Thaws the cgroup (`unpause`). */
  thaw(): void;
  /** True while the cgroup is frozen or freezing. */
  frozen(): boolean;
  /**
   * Removes the cgroup, waiting briefly for exiting tasks to leave it.
   * Resolves without error when it is already gone.
   */
  destroy(): Promise<void>;
}

/** Creates and opens container cgroups on one cgroup layout. */
export interface CgroupDriver {
  readonly version: "v1" | "v2";
  /**
   * Creates `<parent>/<id>` (parent: `resources.cgroupParent` or
   * `/dockergsh`) and writes every limit of `resources`. On failure nothing
   * it created is left behind.
   */
  create(id: string, resources: Resources): ContainerCgroup;
  /** The existing cgroup of container `id` (nothing is created or checked). */
  open(id: string, parent?: string): ContainerCgroup;
}

/**
 * The driver for this host: v1 on a v1 or hybrid host, v2 on a unified one.
 * `mountinfo` replaces /proc/self/mountinfo (for tests).
 */
export function cgroupDriverForHost(opts: { mountinfo?: string } = {}): CgroupDriver {
  const layout = detectCgroupLayout(opts.mountinfo);
  return layout.version === "v1"
    ? new CgroupV1Driver(layout.mountRoot)
    : new CgroupV2Driver(layout.mountRoot);
}
