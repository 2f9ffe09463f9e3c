/**
 * Switching the container to its own root with pivot_root(2) rather than
 * chroot(2): pivot_root moves the old root away entirely, so no path (and no
 * open-directory trick) leads back to the host's filesystem. Where the old
 * root cannot be pivoted (an initramfs), `--no-pivot` moves the new root
 * over it instead, as runc's flag of that name does.
 *
 * @module
 */

import { MNT_DETACH, MS_BIND, MS_MOVE, MS_REC } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { SyscallError } from "../../ffi/errno.ts";
import { concatBytes } from "../_bytes.ts";
import { parseMountOptions } from "./mount_options.ts";

/**
 * Binds `root` onto itself: pivot_root(2) and MS_MOVE need the new root to
 * be a mount point. Done before the container's own mounts go under it:
 * a recursive bind made after them would leave out the unbindable ones.
 */
export function bindRootOnItself(kernel: Kernel, root: string): void {
  kernel.mount(root, root, null, MS_BIND | MS_REC);
}

/**
 * Makes `newRoot` (a mount point: see bindRootOnItself) the root of the
 * mount namespace and detaches the old root.
 *
 * `pivot_root(".", ".")` (see pivot_root(2)) stacks the old root on top of
 * the new one at "/", so no `.pivot_root` directory has to be created in the
 * container's upper layer; unmounting "." then removes the old root.
 */
export function pivotInto(kernel: Kernel, newRoot: string): void {
  kernel.chdir(newRoot);
  kernel.pivotRoot(".", ".");
  kernel.umount2(".", MNT_DETACH);
  kernel.chdir("/");
}

/** All of `file`, read from where it is. */
function readAllSync(file: Deno.FsFile): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const buf = new Uint8Array(64 * 1024);
    const n = file.readSync(buf);
    if (n === null) return concatBytes(...chunks);
    chunks.push(buf.subarray(0, n));
  }
}

/** The mount points `mountinfo` lists (its fifth field, octal escapes undone). */
function mountPoints(mountinfo: string): string[] {
  return mountinfo.split("\n").filter((l) => l !== "").map((line) =>
    line.split(" ")[4].replace(/\\([0-7]{3})/g, (_, oct) => String.fromCharCode(parseInt(oct, 8)))
  );
}

/**
 * Makes `newRoot` the root without pivot_root(2) (`--no-pivot`): every
 * mount of the namespace that is neither `newRoot`, under it, nor one it
 * lies under is detached, deepest first; then `newRoot` (a mount point:
 * see bindRootOnItself) is moved onto "/" and the process chroots into it.
 *
 * The old root and the mounts above `newRoot` stay in the namespace,
 * covered by the new root: a `..` at the top of a mount tree steps back
 * down into what is mounted there, so no path leads to them, but they are
 * not gone as pivot_root makes them, which is why runc, too, only does
 * this when asked.
 */
export function moveRootInto(kernel: Kernel, newRoot: string): void {
  const root = Deno.realPathSync(newRoot);
  const isOutside = (mp: string) =>
    mp !== "/" && mp !== root && !mp.startsWith(`${root}/`) && !`${root}/`.startsWith(`${mp}/`);
  // Kept open: it is read again once /proc itself is detached.
  using mountinfo = Deno.openSync("/proc/self/mountinfo");
  const read = () => {
    mountinfo.seekSync(0, Deno.SeekMode.Start);
    return mountPoints(new TextDecoder().decode(readAllSync(mountinfo))).filter(isOutside);
  };
  const outside = read().sort((a, b) => b.length - a.length);
  for (const mp of outside) {
    try {
      kernel.umount2(mp, MNT_DETACH);
    } catch (err) {
      // Detached already, with a mount stacked on the same point or below it (checked below).
      if (!(err instanceof SyscallError && (err.code === "EINVAL" || err.code === "ENOENT"))) {
        throw err;
      }
    }
  }
  // EINVAL is also a mount the kernel locked (one copied into a less privileged user
  // namespace): fail closed if any outside mount is left.
  const left = read();
  if (left.length > 0) throw new Error(`--no-pivot: cannot detach ${left.join(", ")}`);
  kernel.chdir(root);
  kernel.mount(root, "/", null, MS_MOVE);
  kernel.chroot(".");
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
