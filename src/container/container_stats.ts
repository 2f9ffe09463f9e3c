/**
 * One reading of a running container's usage: its cgroup's counters and
 * its network namespace's byte counts, stamped with the time it was taken
 * so that two readings give a CPU percentage.
 *
 * @module
 */

import { openContainerCgroup } from "../cgroup/container_cgroup.ts";
import type { ContainerRecord } from "./record.ts";

/** A container's counters at one moment. */
export interface StatsSample {
  /** performance.now() when read, in milliseconds. */
  at: number;
  cpuNs: number;
  memoryUsage: number;
  /** The memory limit, or the host's memory when the container has none (as Docker shows). */
  memoryLimit: number;
  pids: number;
  /** Bytes received and sent on the container's interfaces (loopback excluded). */
  rxBytes: number;
  txBytes: number;
  /** Bytes read from and written to block devices (the cgroup's counters). */
  blockRead: number;
  blockWrite: number;
}

/** The host's memory in bytes (MemTotal of /proc/meminfo). */
function hostMemory(): number {
  const m = /^MemTotal:\s+(\d+) kB$/m.exec(Deno.readTextFileSync("/proc/meminfo"));
  return m ? Number(m[1]) * 1024 : Infinity;
}

/**
 * Byte counts of the network namespace `pid` is in, from /proc/<pid>/net/dev.
 * A container on the host's network has none of its own: zero, as in Docker.
 */
function networkBytes(rec: ContainerRecord): { rx: number; tx: number } {
  if (rec.config.networkMode === "host") return { rx: 0, tx: 0 };
  let rx = 0;
  let tx = 0;
  const lines = Deno.readTextFileSync(`/proc/${rec.state.pid}/net/dev`).split("\n").slice(2);
  for (const line of lines) {
    const [name, counters] = line.split(":");
    if (counters === undefined || name.trim() === "lo") continue;
    const fields = counters.trim().split(/\s+/).map(Number);
    rx += fields[0];
    tx += fields[8];
  }
  return { rx, tx };
}

/**
 * A reading of `rec`, or undefined when it is not running or its cgroup
 * or process is gone (it stopped between listing and reading).
 */
export function sampleContainer(rec: ContainerRecord): StatsSample | undefined {
  if (rec.state.status !== "running") return undefined;
  try {
    const stats = openContainerCgroup(rec.id, rec.config.resources).stats();
    const net = networkBytes(rec);
    return {
      at: performance.now(),
      cpuNs: stats.cpuUsageNs,
      memoryUsage: stats.memoryUsage,
      memoryLimit: Math.min(stats.memoryLimit, hostMemory()),
      pids: stats.pids,
      rxBytes: net.rx,
      txBytes: net.tx,
      blockRead: stats.blockRead,
      blockWrite: stats.blockWrite,
    };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** CPU use between two readings, in percent of one CPU (Docker's CPU %). */
export function cpuPercent(prev: StatsSample | undefined, cur: StatsSample): number {
  if (!prev || cur.at <= prev.at) return 0;
  return Math.max(0, (cur.cpuNs - prev.cpuNs) / ((cur.at - prev.at) * 1e6) * 100);
}
