/**
 * Capabilities of the container's process, applied in the init as the
 * kernel needs: the bounding set first (dropping from it needs
 * CAP_SETPCAP, which the user switch may take away), then — after the
 * user switch — the effective, permitted and inheritable sets with
 * capset(2), then the ambient set.
 *
 * @module
 */

import {
  CAPABILITIES,
  PR_CAP_AMBIENT,
  PR_CAP_AMBIENT_CLEAR_ALL,
  PR_CAP_AMBIENT_RAISE,
  PR_CAPBSET_DROP,
} from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import type { Capabilities } from "../oci/spec.ts";

/** The capability number of `name` (`CAP_SYS_ADMIN`); throws on a name the kernel headers lack. */
export function capabilityNumber(name: string): number {
  const n = CAPABILITIES[name];
  if (n === undefined) throw new Error(`unknown capability ${JSON.stringify(name)}`);
  return n;
}

/** A set of capability names as a bit mask. */
export function capabilityMask(names: readonly string[] | undefined): bigint {
  let mask = 0n;
  for (const name of names ?? []) mask |= 1n << BigInt(capabilityNumber(name));
  return mask;
}

/**
 * The highest capability number this kernel knows, from
 * /proc/sys/kernel/cap_last_cap; 63 when that cannot be read (a root
 * without /proc), and then PR_CAPBSET_DROP's EINVAL marks the end.
 */
function lastCapability(): number {
  try {
    const n = Number(Deno.readTextFileSync("/proc/sys/kernel/cap_last_cap").trim());
    return Number.isInteger(n) && n >= 0 && n < 64 ? n : 63;
  } catch {
    return 63;
  }
}

/**
 * Drops from the bounding set every capability not in `bounding`, up to
 * the last one this kernel knows. Known from the kernel rather than found
 * by the first failing call: a call that is not made cannot be misread.
 */
export function dropBoundingSet(kernel: Kernel, bounding: readonly string[] | undefined): void {
  const keep = capabilityMask(bounding);
  const last = lastCapability();
  for (let cap = 0; cap <= last; cap++) {
    if (keep & (1n << BigInt(cap))) continue;
    try {
      kernel.prctl(PR_CAPBSET_DROP, cap);
    } catch (err) {
      if (err instanceof SyscallError && err.code === "EINVAL") return;
      throw err;
    }
  }
}

/**
 * Sets the effective, permitted and inheritable sets, then the ambient set.
 * An ambient capability the kernel refuses to raise (it must be permitted
 * and inheritable: EPERM) is left out (a --debug line), as runc does (it logs a warning): `runc
 * spec` itself asks for ambient capabilities without inheritable ones, and
 * leaving one out only takes a privilege away.
 */
export function applyCapabilitySets(kernel: Kernel, caps: Capabilities): void {
  kernel.capset({
    effective: capabilityMask(caps.effective),
    permitted: capabilityMask(caps.permitted),
    inheritable: capabilityMask(caps.inheritable),
  });
  kernel.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
  for (const name of caps.ambient ?? []) {
    try {
      kernel.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, capabilityNumber(name));
    } catch (err) {
      if (!(err instanceof SyscallError && err.code === "EPERM")) throw err;
      debug("confine", `ambient capability ${name} left out: it is not inheritable`);
    }
  }
}
