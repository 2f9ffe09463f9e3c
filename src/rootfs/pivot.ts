/**
 * Switching the container to its own root with pivot_root(2) rather than
 * chroot(2): pivot_root moves the old root away entirely, so no path (and no
 * open-directory trick) leads back to the host's filesystem.
 *
 * @module
 */

import { MNT_DETACH, MS_BIND, MS_REC } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";

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
