/**
 * Bind mounts into the container root, before pivot_root: volumes
 * (`-v HOST:CONTAINER[:ro]`) and the per-container /etc files.
 *
 * Targets are resolved with `secureJoin`, because mount(2) follows symlinks
 * in its target: an image whose /data is a symlink to /etc must get the
 * volume at its own /etc, not the host's.
 *
 * @module
 */

import { MS_BIND, MS_RDONLY, MS_REC, MS_REMOUNT } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import type { InitBind } from "../process/init_config.ts";
import { secureJoin } from "./secure_join.ts";

/** Creates the mount point: a directory for a directory source, else an empty file. */
function ensureMountPoint(target: string, sourceIsDir: boolean): void {
  if (sourceIsDir) {
    Deno.mkdirSync(target, { recursive: true });
    return;
  }
  Deno.mkdirSync(target.slice(0, target.lastIndexOf("/")) || "/", { recursive: true });
  try {
    Deno.writeFileSync(target, new Uint8Array(), { createNew: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
}

/** Bind-mounts `bind.source` at `bind.destination` inside `rootfs`; read-only if asked. */
export function bindInto(kernel: Kernel, rootfs: string, bind: InitBind): void {
  const target = secureJoin(rootfs, bind.destination);
  ensureMountPoint(target, Deno.statSync(bind.source).isDirectory);
  kernel.mount(bind.source, target, null, MS_BIND | MS_REC);
  if (bind.readOnly) {
    // A bind mount takes MS_RDONLY only on a remount of itself.
    kernel.mount(null, target, null, MS_REMOUNT | MS_BIND | MS_RDONLY);
  }
}
