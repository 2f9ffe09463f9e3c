/**
 * The limits a container's cgroup is made with, in kernel units: what the
 * engine keeps of `-m`, `--cpus`, … in a container's record, and what the
 * runtime makes of a spec's `linux.resources`.
 *
 * @module
 */

import type { LinuxDeviceCgroup } from "../oci/spec.ts";

/** Resource limits (`-m`, `--cpus`, …), in kernel units. */
export interface Resources {
  memory?: number;
  memorySwap?: number;
  nanoCpus?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number;
  cgroupParent?: string;
  /**
   * Device cgroup rules in OCI form (`linux.resources.devices`), applied in
   * order, last match wins; absent leaves the cgroup's devices as inherited.
   */
  devices?: LinuxDeviceCgroup[];
}
