/**
 * `process.rlimits` (`--ulimit`), set on the init before it becomes the
 * user's command, which inherits them, before the user switch (the kernel
 * checks RLIMIT_NPROC at set*uid). The limits on the address space
 * (RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK) are the exception when they lower
 * one: the init is a Deno process that maps memory as it runs, and V8
 * would abort before the user's command ever starts (runtime-tools'
 * process_rlimits found it), so those are left to the program the init
 * execs in the command's place (limits_trampoline.ts), which sets them and
 * execs the command. Raising one needs CAP_SYS_RESOURCE, so that is done
 * early, while the capabilities are held.
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
export function limitValue(n: number): bigint {
  return n < 0 ? RLIM_INFINITY : BigInt(n);
}

/** The prlimit(2) resource of `r`; an unknown type throws. */
function resourceOf(r: Rlimit): number {
  const resource = RLIMITS[r.type];
  if (resource === undefined) throw new Error(`unknown rlimit type ${JSON.stringify(r.type)}`);
  return resource;
}

/** The limits on the address space, which a lowered value makes V8 itself run out of. */
const ADDRESS_SPACE = new Set(["RLIMIT_AS", "RLIMIT_DATA", "RLIMIT_STACK"]);

/** `process.rlimits` split into those set now and those the trampoline sets. */
export interface RlimitPlan {
  /** Set by `confineProcess`, before the user switch. */
  early: Rlimit[];
  /** The lowered address-space limits: set by the trampoline, right before the command's exec. */
  atExec: Rlimit[];
}

/**
 * Splits `rlimits` by the limits the init has now (so before any of them
 * is set). Unknown types and a soft limit above its hard one throw here,
 * before any limit is set.
 */
export function planRlimits(kernel: Kernel, rlimits: readonly Rlimit[]): RlimitPlan {
  const plan: RlimitPlan = { early: [], atExec: [] };
  for (const r of rlimits) {
    const resource = resourceOf(r);
    if (limitValue(r.soft) > limitValue(r.hard)) {
      throw new Error(`${r.type}: the soft limit ${r.soft} is above the hard limit ${r.hard}`);
    }
    const lowers = limitValue(r.hard) <= kernel.getrlimit(resource).hard;
    (ADDRESS_SPACE.has(r.type) && lowers ? plan.atExec : plan.early).push(r);
  }
  return plan;
}

/** Sets every limit of `rlimits`; a hard limit above what the host allows is one clear error. */
export function applyRlimits(kernel: Kernel, rlimits: readonly Rlimit[]): void {
  for (const r of rlimits) {
    const resource = resourceOf(r);
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
