/**
 * `run`/`create` resource flags: `-m/--memory`, `--memory-swap`,
 * `--memory-reservation`, `--memory-swappiness`, `--oom-kill-disable`,
 * `--cpus`, `-c/--cpu-shares`, `--cpuset-cpus`, `--cpuset-mems`,
 * `--pids-limit`, `--cgroup-parent`.
 *
 * @module
 */

import { checkCgroupParent } from "../cgroup/path.ts";
import {
  checkCpuset,
  MIN_MEMORY,
  onlineCpus,
  onlineMems,
  parseCpus,
  parseCpuShares,
  parseInteger,
  parseMemory,
  parseMemorySwap,
  parsePidsLimit,
  parseSize,
} from "../cgroup/units.ts";
import { hostCgroupVersion } from "../cgroup/container_cgroup.ts";
import type { Resources } from "../container/record.ts";
import { UserError } from "../errors.ts";
import type { FlagSpec, ParsedFlags } from "./flags.ts";

/** The resource flags of `run` and `create`. */
export const RESOURCE_FLAGS: FlagSpec[] = [
  { long: "memory", short: "m", kind: "string", help: "Memory limit" },
  {
    long: "memory-swap",
    kind: "string",
    help: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
  },
  { long: "memory-reservation", kind: "string", help: "Memory soft limit" },
  { long: "memory-swappiness", kind: "string", help: "Tune container memory swappiness" },
  { long: "oom-kill-disable", kind: "bool", help: "Disable OOM Killer" },
  { long: "cpus", kind: "string", help: "Number of CPUs" },
  { long: "cpu-shares", short: "c", kind: "string", help: "CPU shares (relative weight)" },
  { long: "cpuset-cpus", kind: "string", help: "CPUs in which to allow execution (0-3, 0,1)" },
  { long: "cpuset-mems", kind: "string", help: "MEMs in which to allow execution (0-3, 0,1)" },
  { long: "pids-limit", kind: "string", help: "Tune container pids limit (set -1 for unlimited)" },
  { long: "cgroup-parent", kind: "string", help: "Optional parent cgroup for the container" },
];

/**
 * The limits the flags ask for, checked as Docker checks them. As Docker's
 * daemon does, a memory limit without `--memory-swap` allows as much swap
 * as memory (memory-swap = 2 × memory).
 */
export function resourcesFromFlags(flags: ParsedFlags): Resources {
  const get = (name: string) => flags.strings.get(name);
  const out: Resources = {};
  const memory = get("memory");
  if (memory !== undefined) out.memory = parseMemory(memory);
  const swap = get("memory-swap");
  if (swap !== undefined) {
    const memorySwap = parseMemorySwap(swap);
    if (out.memory === undefined) {
      throw new UserError(
        "dockergsh: You should always set the Memory limit when using Memoryswap limit, see usage",
      );
    }
    if (memorySwap !== -1 && memorySwap < out.memory) {
      throw new UserError(
        "dockergsh: Minimum memoryswap limit should be larger than memory limit, see usage",
      );
    }
    out.memorySwap = memorySwap;
  } else if (out.memory !== undefined) {
    out.memorySwap = out.memory * 2;
  }
  Object.assign(out, memoryExtrasFromFlags(flags, out.memory));
  const cpus = get("cpus");
  if (cpus !== undefined) out.nanoCpus = parseCpus(cpus);
  const shares = get("cpu-shares");
  if (shares !== undefined) out.cpuShares = parseCpuShares(shares);
  const cpusetCpus = get("cpuset-cpus");
  if (cpusetCpus !== undefined) out.cpusetCpus = checkCpuset(cpusetCpus, "cpus", onlineCpus());
  const cpusetMems = get("cpuset-mems");
  if (cpusetMems !== undefined) out.cpusetMems = checkCpuset(cpusetMems, "mems", onlineMems());
  const pids = get("pids-limit");
  if (pids !== undefined) out.pidsLimit = parsePidsLimit(pids);
  const parent = get("cgroup-parent");
  if (parent !== undefined) out.cgroupParent = checkCgroupParent(parent);
  for (const key of Object.keys(out) as (keyof Resources)[]) {
    if (out[key] === undefined) delete out[key];
  }
  return out;
}

/**
 * `--memory-reservation`, `--memory-swappiness` and `--oom-kill-disable`,
 * checked in Docker's words (`memory`: the `-m` limit). As Docker does, on
 * cgroup v2 (which has neither) the last two are dropped with its warning.
 */
function memoryExtrasFromFlags(flags: ParsedFlags, memory: number | undefined): Resources {
  const out: Resources = {};
  const v2 = () => hostCgroupVersion() === "v2";
  const reservation = flags.strings.get("memory-reservation");
  if (reservation !== undefined) {
    const bytes = parseSize(reservation, "--memory-reservation");
    if (bytes > 0 && bytes < MIN_MEMORY) {
      throw new UserError("dockergsh: Minimum memory reservation allowed is 6MB");
    }
    if (memory !== undefined && bytes > memory) {
      throw new UserError(
        "dockergsh: Minimum memory limit can not be less than memory reservation limit, see usage",
      );
    }
    if (bytes > 0) out.memoryReservation = bytes;
  }
  const swappiness = flags.strings.get("memory-swappiness");
  if (swappiness !== undefined) {
    const n = parseInteger(swappiness, "--memory-swappiness");
    if (n !== -1 && (n < 0 || n > 100)) {
      throw new UserError(`dockergsh: invalid value: ${n}. Valid memory swappiness range is 0-100`);
    }
    if (n !== -1 && v2()) {
      console.error(
        "WARNING: Your kernel does not support memory swappiness capabilities or the cgroup is " +
          "not mounted. Memory swappiness discarded.",
      );
    } else if (n !== -1) out.memorySwappiness = n;
  }
  if (flags.bools.has("oom-kill-disable")) {
    if (v2()) {
      console.error(
        "WARNING: Your kernel does not support OomKillDisable. OomKillDisable discarded.",
      );
    } else {
      if (memory === undefined) {
        console.error(
          "WARNING: OOM killer is disabled for the container, but no memory limit is set, this " +
            "can result in the system running out of resources.",
        );
      }
      out.oomKillDisable = true;
    }
  }
  return out;
}
