/**
 * The last steps before the user's command runs, in the order the kernel
 * needs (as runc's init takes them): the resource limits (but lowered
 * address-space ones, which the trampoline sets: see rlimits.ts);
 * no_new_privs; the
 * seccomp filter while CAP_SYS_ADMIN is still held when no_new_privs is
 * off (loading a filter needs one or the other); the bounding set while
 * CAP_SETPCAP is still held; the user and groups (with PR_SET_KEEPCAPS,
 * so the capability sets survive the switch until capset says what
 * stays); the capability sets; and, with no_new_privs, the seccomp filter
 * as late as possible, so the fewest of the init's own calls are filtered.
 *
 * A step that fails throws: the container does not start.
 *
 * @module
 */

import { PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import type { Process } from "../oci/spec.ts";
import { applyCapabilitySets, dropBoundingSet } from "./capabilities.ts";
import { applyRlimits } from "./rlimits.ts";
import type { RlimitPlan } from "./rlimits.ts";

/** Sets the user and groups of the calling process; capabilities are kept for capset. */
function switchUser(kernel: Kernel, user: Process["user"]): void {
  kernel.prctl(PR_SET_KEEPCAPS, 1);
  kernel.setgroups(user.additionalGids ?? []);
  kernel.setresgid(user.gid);
  kernel.setresuid(user.uid);
  kernel.prctl(PR_SET_KEEPCAPS, 0);
}

/**
 * Applies `process`'s privileges, the early limits of `limits` (see
 * planRlimits), and the seccomp `program` (BPF, compiled by libseccomp:
 * see seccomp_program.ts), to the calling thread. `lastStep` runs once
 * all but a late seccomp filter is in place (the OCI runtime's wait for
 * `start`, which must still open a file).
 */
export function confineProcess(
  kernel: Kernel,
  process: Process,
  limits: RlimitPlan,
  program: Uint8Array | undefined,
  lastStep: () => void = () => {},
): void {
  applyRlimits(kernel, limits.early);
  if (process.user.umask !== undefined) kernel.umask(process.user.umask);
  const nnp = process.noNewPrivileges === true;
  if (nnp) kernel.prctl(PR_SET_NO_NEW_PRIVS, 1);
  if (program && !nnp) {
    debug("confine", "seccomp filter, while CAP_SYS_ADMIN is held (no_new_privs is off)");
    kernel.seccompSetFilter(program);
  }
  const caps = process.capabilities ?? {};
  debug("confine", `capabilities: bounding set [${(caps.bounding ?? []).join(" ")}]`);
  dropBoundingSet(kernel, caps.bounding);
  const { uid, gid, additionalGids = [] } = process.user;
  debug("confine", `user: uid ${uid} gid ${gid} groups [${additionalGids.join(" ")}]`);
  switchUser(kernel, process.user);
  applyCapabilitySets(kernel, caps);
  lastStep();
  if (program && nnp) {
    debug("confine", "seccomp filter, last (no_new_privs is on)");
    kernel.seccompSetFilter(program);
  }
}
