/**
 * Docker's units and bounds for resource limits: memory sizes ("100m"),
 * CPU counts ("0.5"), CPU shares and their cgroup v2 weight, cpuset lists
 * ("0-2,4"), and pids limits. Every parse error is a UserError worded as
 * Docker words it.
 *
 * @module
 */

import { UserError } from "../errors.ts";

/** Docker refuses memory limits below 6 MiB (a container cannot even start below that). */
export const MIN_MEMORY = 6 * 1024 * 1024;

/** The kernel's (and Docker's) bounds of cpu.shares. */
export const MIN_CPU_SHARES = 2;
export const MAX_CPU_SHARES = 262144;

/** The CFS period Docker uses for `--cpus`, in microseconds. */
export const CFS_PERIOD_US = 100000;

/** The kernel's cpu.shares of a new cgroup (v1; the v2 weight 100 it maps to). */
export const DEFAULT_CPU_SHARES = 1024;

const SIZE = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i;
const BINARY: Record<string, number> = {
  "": 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** Cobra's wording for a flag value that does not parse. */
function invalidArgument(value: string, flag: string, why: string): UserError {
  return new UserError(`invalid argument "${value}" for "${flag}" flag: ${why}`);
}

/**
 * A size with an optional binary unit (b, k, m, g, t, p; any case; an
 * optional "i"/"b" after it, as go-units' RAMInBytes) → bytes.
 * `flag` is how the error names the flag: `-m, --memory`.
 */
export function parseSize(value: string, flag: string): number {
  const m = SIZE.exec(value);
  if (!m) throw invalidArgument(value, flag, `invalid size: '${value}'`);
  // Docker's pattern takes `1.2.3`; its number parser then refuses it, in these words.
  const n = Number(m[1]);
  if (Number.isNaN(n)) {
    throw invalidArgument(value, flag, `strconv.ParseFloat: parsing "${m[1]}": invalid syntax`);
  }
  return Math.trunc(n * BINARY[(m[2] ?? "").toLowerCase()]);
}

/** `-m/--memory` → bytes, at least 6 MiB. */
export function parseMemory(value: string): number {
  const bytes = parseSize(value, "-m, --memory");
  if (bytes < MIN_MEMORY) throw new UserError("dockergsh: Minimum memory limit allowed is 6MB");
  return bytes;
}

/** `--memory-swap` → bytes, or -1 for unlimited swap. */
export function parseMemorySwap(value: string): number {
  if (value === "-1") return -1;
  return parseSize(value, "--memory-swap");
}

/**
 * The CPUs this host has online, from `online` (the kernel's list format,
 * as /sys/devices/system/cpu/online: "0-3,6").
 */
export function onlineCpus(
  online: string = Deno.readTextFileSync("/sys/devices/system/cpu/online"),
): number[] {
  return parseList(online.trim(), "online cpus");
}

/**
 * The memory nodes this host has online, from /sys/devices/system/node/online;
 * a kernel without NUMA support has only node 0.
 */
export function onlineMems(path = "/sys/devices/system/node/online"): number[] {
  try {
    return parseList(Deno.readTextFileSync(path).trim(), "online mems");
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [0];
    throw err;
  }
}

/**
 * `--cpus` (a decimal number of CPUs) → nano CPUs. Docker's bounds: from
 * 0.01 to the host's CPU count, and at most nine decimals.
 */
export function parseCpus(value: string, hostCpus: number = onlineCpus().length): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) {
    throw invalidArgument(value, "--cpus", `failed to parse ${value} as a rational number`);
  }
  const [whole, frac = ""] = value.replace(/^[+-]/, "").split(".");
  if (frac.replace(/0+$/, "").length > 9) {
    throw invalidArgument(value, "--cpus", "value is too precise");
  }
  const nano = (value.startsWith("-") ? -1 : 1) *
    (Number(whole || "0") * 1e9 + Number(frac.padEnd(9, "0").slice(0, 9)));
  if (nano < 1e7 || nano > hostCpus * 1e9) {
    throw new UserError(
      `dockergsh: range of CPUs is from 0.01 to ${hostCpus}.00, as there are only ${hostCpus} CPUs available`,
    );
  }
  return nano;
}

/** A plain decimal integer, or Cobra's strconv error naming `flag`. */
export function parseInteger(value: string, flag: string): number {
  if (!/^[+-]?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw invalidArgument(
      value,
      flag,
      `strconv.ParseInt: parsing "${value}": invalid syntax`,
    );
  }
  return Number(value);
}

/**
 * `-c/--cpu-shares` → shares, within the kernel's 2..262144. 0 means
 * "the default" and yields undefined.
 */
export function parseCpuShares(value: string): number | undefined {
  const shares = parseInteger(value, "-c, --cpu-shares");
  if (shares === 0) return undefined;
  if (shares < MIN_CPU_SHARES || shares > MAX_CPU_SHARES) {
    throw new UserError(
      `dockergsh: invalid --cpu-shares ${shares}: the range is ${MIN_CPU_SHARES} to ${MAX_CPU_SHARES} (0 for the default)`,
    );
  }
  return shares;
}

/**
 * `--pids-limit` → the limit; 0 and -1 mean unlimited (undefined), as in
 * Docker; other negatives are refused.
 */
export function parsePidsLimit(value: string): number | undefined {
  const limit = parseInteger(value, "--pids-limit");
  if (limit === 0 || limit === -1) return undefined;
  if (limit < 0) {
    throw new UserError(`dockergsh: invalid --pids-limit ${limit}: use -1 or 0 for unlimited`);
  }
  return limit;
}

/**
 * cgroup v1 cpu.shares → cgroup v2 cpu.weight, as runc converts it:
 * [2, 262144] maps onto [1, 10000]; 0 (unset) stays 0.
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** The numbers of a kernel list ("0-2,4"), or a UserError naming `what`. */
function parseList(list: string, what: string): number[] {
  const out = new Set<number>();
  for (const part of list.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new UserError(`dockergsh: Invalid value ${list} for ${what}`);
    const lo = Number(m[1]);
    const hi = Number(m[2] ?? m[1]);
    if (hi < lo) throw new UserError(`dockergsh: Invalid value ${list} for ${what}`);
    for (let n = lo; n <= hi; n++) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * Checks a `--cpuset-cpus`/`--cpuset-mems` list against what the host has
 * online, as Docker does: "Requested CPUs are not available - requested
 * 0-3, available: 0-1". Returns the list as given.
 */
export function checkCpuset(
  list: string,
  kind: "cpus" | "mems",
  available: readonly number[],
): string {
  const requested = parseList(list, `cpuset ${kind}`);
  if (requested.some((n) => !available.includes(n))) {
    const what = kind === "cpus" ? "CPUs" : "memory nodes";
    throw new UserError(
      `dockergsh: Requested ${what} are not available - requested ${list}, available: ${
        formatList(available)
      }`,
    );
  }
  return list;
}

/** Numbers in the kernel's list format: [0,1,2,4] → "0-2,4". */
function formatList(nums: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < nums.length; i++) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
    parts.push(i === j ? `${nums[i]}` : `${nums[i]}-${nums[j]}`);
    i = j;
  }
  return parts.join(",");
}
