/**
 * `run`/`create` resource flags: `-m/--memory`, `--memory-swap`, `--cpus`,
 * `-c/--cpu-shares`, `--cpuset-cpus`, `--cpuset-mems`, `--pids-limit`,
 * `--cgroup-parent`.
 *
 * @module
 */

import { checkCgroupParent } from "../cgroup/path.ts";
import {
  checkCpuset,
  onlineCpus,
  onlineMems,
  parseCpus,
  parseCpuShares,
  parseMemory,
  parseMemorySwap,
  parsePidsLimit,
} from "../cgroup/units.ts";
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
