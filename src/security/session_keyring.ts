/**
 * The container's own session keyring, as runc makes one unless told
 * `--no-new-keyring`: the container's processes do not inherit the
 * caller's session keyring (keys a host login or service put there), and
 * containers do not share one. An exec joins the same keyring by its
 * name, which is why its owner may search it.
 *
 * The kernel hands a keyring to any process of its owner that asks for its
 * name and may search it, so a name another container can guess or read
 * is one it can join, or make first. The engine's containers keep
 * Docker's name, `_ses.<ID>`, listed in /proc/keys (perm 3f1b0000, as the
 * Docker peer's): their IDs are 256 random bits, /proc/keys is masked and
 * Docker's seccomp profile refuses keyctl(2). dockergsh-runc's containers
 * have IDs their caller chose and the caller's seccomp, if any, so theirs
 * is `_ses.<ID>.<128 random bits>`, not listed.
 *
 * @module
 */

import { KEY_POS_ALL, KEY_USR_SEARCH } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";

/** A container's session keyring: its name, and whether /proc/keys lists it to its owner. */
export interface SessionKeyring {
  name: string;
  listed: boolean;
}

/** The keyring of the engine's container `id`: Docker's name and permissions. */
export function engineKeyring(id: string): SessionKeyring {
  return { name: `_ses.${id}`, listed: true };
}

/** A new keyring for dockergsh-runc's container `id`: a name nobody can guess, not listed. */
export function runtimeKeyring(id: string): SessionKeyring {
  const random = crypto.getRandomValues(new Uint8Array(16));
  const hex = [...random].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { name: `_ses.${id}.${hex}`, listed: false };
}

/**
 * Joins (makes) `ring`. Its owner may search it (runc's permission; the
 * kernel's default for a new keyring lets the owner view, read and link
 * it only); a keyring that is not listed keeps only that, beside what its
 * possessors (the container's processes) may do. A kernel without
 * keyrings (ENOSYS) is no reason to refuse the container; any other
 * refusal is.
 */
export function joinContainerKeyring(kernel: Kernel, ring: SessionKeyring): void {
  let id: number;
  try {
    id = kernel.joinSessionKeyring(ring.name);
  } catch (err) {
    if (err instanceof SyscallError && err.code === "ENOSYS") {
      debug("init", "no keyrings in this kernel: the session keyring is the caller's");
      return;
    }
    throw err;
  }
  const perm = ring.listed
    ? parseInt(kernel.describeKey(id).split(";")[3], 16) | KEY_USR_SEARCH
    : KEY_POS_ALL | KEY_USR_SEARCH;
  kernel.setKeyPerm(id, perm);
}
