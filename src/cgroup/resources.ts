/**
 * The limits a container's cgroup is made with, in kernel units: what the
 * engine keeps of `-m`, `--cpus`, … in a container's record, and what the
 * runtime makes of a spec's `linux.resources`.
 *
 * @module
 */

import type { LinuxDeviceCgroup } from "../oci/spec.ts";

/**
 * Resource limits (`-m`, `--cpus`, …), in kernel units. -1 is "no limit"
 * for memory, memory + swap, the CPU quota and pids.
 */
export interface Resources {
  memory?: number;
  /** Memory plus swap (Docker's and runc's `--memory-swap`). */
  memorySwap?: number;
  /**
   * The engine's `--cpus`, kept in its record; its containers' specs carry
   * it as a quota over a 100 ms period, which is what the drivers write.
   */
  nanoCpus?: number;
  /** CFS quota, µs per period (`cpu.cfs_quota_us`; cpu.max's first field). */
  cpuQuota?: number;
  /** CFS period, µs (`cpu.cfs_period_us`; cpu.max's second field). */
  cpuPeriod?: number;
  cpuShares?: number;
  /** CFS burst, µs (v1 cpu.cfs_burst_us, v2 cpu.max.burst). */
  cpuBurst?: number;
  /** 1: the cgroup's tasks run as SCHED_IDLE (cpu.idle). */
  cpuIdle?: number;
  /** Realtime bandwidth, µs (v1 cpu.rt_period_us and cpu.rt_runtime_us; v2 has none). */
  cpuRtPeriod?: number;
  cpuRtRuntime?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number;
  /** The memory soft limit (v1 memory.soft_limit_in_bytes, v2 memory.low); -1 is none. */
  memoryReservation?: number;
  /** v1 memory.swappiness, 0-100 (cgroup v2 has none). */
  memorySwappiness?: number;
  /** v1 memory.oom_control: the OOM killer leaves the cgroup's tasks alone (v2 has none). */
  oomKillDisable?: boolean;
  /** Block I/O weights and throttles (v1 blkio). */
  blkio?: BlkioLimits;
  /** cgroup v2 interface files by name (`memory.high`: "1G"), written last, as given. */
  unified?: Record<string, string>;
  cgroupParent?: string;
  /**
   * Device cgroup rules in OCI form (`linux.resources.devices`), applied in
   * order, last match wins; absent leaves the cgroup's devices as inherited.
   */
  devices?: LinuxDeviceCgroup[];
}

/** One device, `MAJ:MIN`, as the blkio files name it. */
export interface BlkioDevice {
  major: number;
  minor: number;
}

/** Block I/O limits of the v1 blkio controller. */
export interface BlkioLimits {
  /** The cgroup's proportional weight (blkio.weight, or blkio.bfq.weight under BFQ). */
  weight?: number;
  leafWeight?: number;
  weightDevices?: (BlkioDevice & { weight?: number; leafWeight?: number })[];
  /** Bytes (bps) or operations (iops) per second, per device. */
  readBps?: (BlkioDevice & { rate: number })[];
  writeBps?: (BlkioDevice & { rate: number })[];
  readIops?: (BlkioDevice & { rate: number })[];
  writeIops?: (BlkioDevice & { rate: number })[];
}
