/**
 * `linux.maskedPaths` and `linux.readonlyPaths`, applied after pivot_root
 * on the container's own /proc and /sys: a masked file is covered by
 * /dev/null, a masked directory by an empty read-only tmpfs; a read-only
 * path is bind-mounted on itself and remounted read-only. A path the
 * kernel does not have is skipped. The container lacks CAP_SYS_ADMIN, so
 * it cannot unmount or remount them.
 *
 * @module
 */

import {
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
} from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { lstatOrUndefined } from "../_fs.ts";

/** Hides each of `paths` (inside the container's root `root`). */
export function maskPaths(kernel: Kernel, paths: readonly string[], root = ""): void {
  for (const path of paths) {
    const info = lstatOrUndefined(`${root}${path}`);
    if (!info) continue;
    if (info.isDirectory) kernel.mount("tmpfs", `${root}${path}`, "tmpfs", MS_RDONLY);
    else kernel.mount(`${root}/dev/null`, `${root}${path}`, null, MS_BIND);
  }
}

/**
 * Makes each of `paths` read-only. The remount also sets nosuid, nodev and
 * noexec: a remount replaces a bind mount's flags, and the paths this is
 * for (/proc's) have them.
 */
export function readonlyPaths(kernel: Kernel, paths: readonly string[], root = ""): void {
  for (const path of paths) {
    const target = `${root}${path}`;
    if (!lstatOrUndefined(target)) continue;
    kernel.mount(target, target, null, MS_BIND | MS_REC);
    kernel.mount(
      null,
      target,
      null,
      MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_REC,
    );
  }
}

/** Remounts the container's root read-only (`root.readonly`, `--read-only`). */
export function readonlyRoot(kernel: Kernel): void {
  kernel.mount(null, "/", null, MS_REMOUNT | MS_BIND | MS_RDONLY);
}
