/**
 * The container's own session keyring, `_ses.<container id>`, as runc
 * makes one unless told `--no-new-keyring`: the container's processes do
 * not inherit the caller's session keyring (keys a host login or service
 * put there), and containers do not share one. An exec joins the same
 * keyring by its name, which is why its owner may search it.
 *
 * @module
 */

import { KEY_USR_SEARCH } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";

/**
 * Joins (makes) the session keyring of container `id` and lets its owner
 * search it, runc's permission on it (the kernel's default for a new
 * keyring lets the owner view, read and link it only). A kernel without
 * keyrings (ENOSYS) is no reason to refuse the container; any other
 * refusal is.
 */
export function joinContainerKeyring(kernel: Kernel, id: string): void {
  let ring: number;
  try {
    ring = kernel.joinSessionKeyring(`_ses.${id}`);
  } catch (err) {
    if (err instanceof SyscallError && err.code === "ENOSYS") {
      debug("init", "no keyrings in this kernel: the session keyring is the caller's");
      return;
    }
    throw err;
  }
  const perm = parseInt(kernel.describeKey(ring).split(";")[3], 16);
  kernel.setKeyPerm(ring, perm | KEY_USR_SEARCH);
}
