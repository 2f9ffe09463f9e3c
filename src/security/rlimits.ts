/**
 * `process.rlimits` (`--ulimit`), set on the init before it becomes the
 * user's command, which inherits them.
 *
 * @module
 */

import { RLIMITS } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import type { Rlimit } from "../oci/spec.ts";

/** The kernel's RLIM_INFINITY. */
const RLIM_INFINITY = 0xffffffffffffffffn;

/** A limit as prlimit(2) takes it: -1 (Docker's "unlimited") is RLIM_INFINITY. */
function limitValue(n: number): bigint {
  return n < 0 ? RLIM_INFINITY : BigInt(n);
}

/** Sets every limit of `rlimits`; a hard limit above what the host allows is one clear error. */
export function applyRlimits(kernel: Kernel, rlimits: readonly Rlimit[]): void {
  for (const r of rlimits) {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw new Error(`unknown rlimit type ${JSON.stringify(r.type)}`);
    try {
      kernel.setrlimit(resource, limitValue(r.soft), limitValue(r.hard));
    } catch (err) {
      if (err instanceof SyscallError && err.code === "EPERM") {
        throw new Error(
          `cannot set ${r.type} to ${r.soft}:${r.hard}: raising a hard limit above the host's ` +
            `needs CAP_SYS_RESOURCE, which this host's root does not have`,
        );
      }
      throw err;
    }
  }
}
