/**
 * The container's root filesystem: an overlay with the image as the
 * read-only lower layer and a per-container upper layer, so the container's
 * changes never reach the image.
 *
 * @module
 */

import { MS_PRIVATE, MS_REC } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";

/** The image layers of the container's root filesystem, mounted as an overlay on `root.path`. */
export interface OverlayLayers {
  /** The lower directories, topmost first, joined by `:` (overlay's lowerdir). */
  lower: string;
  upper: string;
  work: string;
  /**
   * Mounted `volatile`: the kernel skips syncing the upper directory, on
   * fsync(2), syncfs(2) and the unmount (the engine's `--rm` containers;
   * see src/container/volatile_upper.ts).
   */
  volatile?: boolean;
}

/**
 * Stops mount events from propagating back to the host: after this, mounts
 * made in the container's mount namespace stay there and vanish with it.
 */
export function makeMountsPrivate(kernel: Kernel): void {
  kernel.mount(null, "/", null, MS_PRIVATE | MS_REC);
}

/**
 * mount -t overlay overlay -o lowerdir=…,upperdir=…,workdir=…[,volatile]
 * target. A kernel older than 5.10 has no `volatile` (EINVAL): the mount is
 * then made without it, synced as any other.
 */
export function mountOverlay(kernel: Kernel, layers: OverlayLayers, target: string): void {
  const data = `lowerdir=${layers.lower},upperdir=${layers.upper},workdir=${layers.work}`;
  if (layers.volatile) {
    try {
      kernel.mount("overlay", target, "overlay", 0, `${data},volatile`);
      return;
    } catch (err) {
      if (!(err instanceof SyscallError) || err.code !== "EINVAL") throw err;
      debug("rootfs", "overlay refused volatile (EINVAL): mounted without it");
    }
  }
  kernel.mount("overlay", target, "overlay", 0, data);
}
