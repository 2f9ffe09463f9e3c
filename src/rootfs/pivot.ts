/**
 * Switching the container to its own root with pivot_root(2) rather than
 * chroot(2): pivot_root moves the old root away entirely, so no path (and no
 * open-directory trick) leads back to the host's filesystem.
 *
 * @module
 */

import { MNT_DETACH, MS_BIND, MS_REC } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { parseMountOptions } from "./mount_options.ts";

/**
 * Makes `newRoot` the root of the mount namespace and detaches the old root.
 *
 * pivot_root needs `newRoot` to be a mount point, hence the self bind mount.
 * `pivot_root(".", ".")` (see pivot_root(2)) stacks the old root on top of
 * the new one at "/", so no `.pivot_root` directory has to be created in the
 * container's upper layer; unmounting "." then removes the old root.
 */
export function pivotInto(kernel: Kernel, newRoot: string): void {
  kernel.mount(newRoot, newRoot, null, MS_BIND | MS_REC);
  kernel.chdir(newRoot);
  kernel.pivotRoot(".", ".");
  kernel.umount2(".", MNT_DETACH);
  kernel.chdir("/");
}

/**
 * `linux.rootfsPropagation` (`shared`, `rslave`, `private`, …): the
 * propagation of the container's root mount, set after pivot_root (every
 * mount was made private before, so none of the container's building
 * reached the host). An unknown value throws before any mount changes.
 */
export function setRootPropagation(kernel: Kernel, propagation: string): void {
  const flags = parseMountOptions([propagation]).propagation;
  if (flags === 0) throw new Error(`unknown rootfsPropagation "${propagation}"`);
  kernel.mount(null, "/", null, flags);
}
