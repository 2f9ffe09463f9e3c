/**
 * The container's cgroup, from `linux.cgroupsPath` and `linux.resources`:
 * where it is in each hierarchy (containerd gives `/<namespace>/<id>`,
 * from the hierarchy's root) and the limits the cgroup drivers write
 * before the init may start.
 *
 * @module
 */

import { openContainerCgroup, type setupContainerCgroup } from "../cgroup/container_cgroup.ts";
import type { ContainerCgroup } from "../cgroup/driver.ts";
import { cgroupPathParts } from "../cgroup/path.ts";
import { RUNC_DEFAULT_DEVICE_RULES } from "../oci/default_devices.ts";
import type { BlkioLimits } from "../cgroup/resources.ts";
import type { LinuxBlockIO, LinuxResources, LinuxThrottleDevice, Spec } from "../oci/spec.ts";
import { RuntimeError } from "./errors.ts";
import { given, swappinessUnset } from "./resource_support.ts";

/** The limits the cgroup drivers take. */
export type CgroupResources = Parameters<typeof setupContainerCgroup>[1];

/** `<parent>/<name>` from each hierarchy's root. */
export interface CgroupLocation {
  parent: string;
  name: string;
}

/** The container's existing cgroup at `location` (to read, freeze, update or join). */
export function containerCgroup(location: CgroupLocation): ContainerCgroup {
  return openContainerCgroup(location.name, { cgroupParent: location.parent });
}

/**
 * Where `spec`'s cgroup is: `linux.cgroupsPath` (absolute or relative,
 * both from the hierarchy's root), or `/dockergsh-runc/<id>` without one.
 * A systemd-style `slice:prefix:name` is refused (no systemd driver).
 */
export function cgroupLocation(spec: Spec, id: string): CgroupLocation {
  const path = spec.linux?.cgroupsPath;
  if (path === undefined || path === "") return { parent: "/dockergsh-runc", name: id };
  // A systemd path is `slice:prefix:name`, never absolute (an absolute
  // path's names may hold a ":", as Docker's --cgroup-parent's may).
  if (!path.startsWith("/") && path.includes(":")) {
    throw new RuntimeError(
      `linux.cgroupsPath ${
        JSON.stringify(path)
      } is a systemd path: dockergsh-runc has no systemd cgroup driver`,
    );
  }
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0) {
    throw new RuntimeError(`linux.cgroupsPath ${JSON.stringify(path)} names no cgroup`);
  }
  const location = { parent: "/" + parts.slice(0, -1).join("/"), name: parts[parts.length - 1] };
  try {
    cgroupPathParts(location.name, location.parent);
  } catch {
    throw new RuntimeError(
      `linux.cgroupsPath ${
        JSON.stringify(path)
      }: use names made of [A-Za-z0-9_.@:-], no "." or ".."`,
    );
  }
  return location;
}

/**
 * `linux.resources` in the drivers' terms, under `location`'s parent: memory
 * (limit, swap), cpu (shares, quota and period as given, cpus, mems), pids
 * and devices. As runc: 0 (or absent) leaves a limit unset, -1 makes it
 * unlimited (memory, swap, quota, pids).
 */
export function cgroupResources(spec: Spec, location: CgroupLocation): CgroupResources {
  const r = spec.linux?.resources ?? {};
  return {
    ...cgroupLimits(r),
    cgroupParent: location.parent,
    // runc appends the devices every container may use to the spec's rules.
    devices: [...(r.devices ?? []), ...RUNC_DEFAULT_DEVICE_RULES],
  };
}

/**
 * The limits of `r` that are set (0, null and absent are not), without
 * device rules. What the runtime does not apply is refused before this
 * (resource_support.ts).
 */
export function cgroupLimits(r: LinuxResources): CgroupResources {
  const out: CgroupResources = {};
  const set = (n: number | undefined | null) => n !== undefined && n !== null && n !== 0;
  const limit = r.memory?.limit;
  if (set(limit)) out.memory = limit! < 0 ? -1 : limit!;
  const swap = r.memory?.swap;
  if (set(swap)) out.memorySwap = swap! < 0 ? -1 : swap!;
  const reservation = r.memory?.reservation;
  if (set(reservation)) out.memoryReservation = reservation! < 0 ? -1 : reservation!;
  if (!swappinessUnset(r.memory?.swappiness)) out.memorySwappiness = r.memory!.swappiness;
  if (r.memory?.disableOOMKiller === true) out.oomKillDisable = true;
  const blkio = blkioLimits(r.blockIO);
  if (blkio) out.blkio = blkio;
  if (given(r.unified)) out.unified = r.unified;
  if (r.cpu?.shares) out.cpuShares = r.cpu.shares;
  const quota = r.cpu?.quota;
  if (set(quota)) out.cpuQuota = quota! < 0 ? -1 : quota;
  if (r.cpu?.period) out.cpuPeriod = r.cpu.period;
  if (r.cpu?.burst) out.cpuBurst = r.cpu.burst;
  if (r.cpu?.idle) out.cpuIdle = r.cpu.idle;
  if (r.cpu?.realtimePeriod) out.cpuRtPeriod = r.cpu.realtimePeriod;
  if (r.cpu?.realtimeRuntime) out.cpuRtRuntime = r.cpu.realtimeRuntime;
  if (r.cpu?.cpus) out.cpusetCpus = r.cpu.cpus;
  if (r.cpu?.mems) out.cpusetMems = r.cpu.mems;
  const pids = r.pids?.limit;
  if (set(pids)) out.pidsLimit = pids! < 0 ? -1 : pids;
  return out;
}

/** `linux.resources.blockIO` in the drivers' terms; undefined when it sets nothing. */
function blkioLimits(b: LinuxBlockIO | undefined): BlkioLimits | undefined {
  if (!given(b)) return undefined;
  const set = (n: number | undefined) => n === undefined || n === null || n === 0 ? undefined : n;
  const throttle = (list: LinuxThrottleDevice[] | undefined) =>
    list?.map(({ major, minor, rate }) => ({ major, minor, rate: rate ?? 0 }));
  const out: BlkioLimits = {
    weight: set(b!.weight),
    leafWeight: set(b!.leafWeight),
    weightDevices: b!.weightDevice?.map((d) => ({
      major: d.major,
      minor: d.minor,
      weight: set(d.weight),
      leafWeight: set(d.leafWeight),
    })),
    readBps: throttle(b!.throttleReadBpsDevice),
    writeBps: throttle(b!.throttleWriteBpsDevice),
    readIops: throttle(b!.throttleReadIOPSDevice),
    writeIops: throttle(b!.throttleWriteIOPSDevice),
  };
  for (const key of Object.keys(out) as (keyof BlkioLimits)[]) {
    if (out[key] === undefined) delete out[key];
  }
  return out;
}
