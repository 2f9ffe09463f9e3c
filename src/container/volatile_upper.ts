/**
 * A `--rm` container's overlay is mounted `volatile`: the kernel then
 * skips every sync of its upper directory, above all the one its unmount
 * makes. Without it, the exit of the container's PID 1 (whose mount
 * namespace holds the overlay) waits for a sync of the whole filesystem
 * under the state root, ext4's journal included: tens of milliseconds on
 * every `run --rm`, more on a busy disk, for changes removed a moment
 * later. Podman (`--rm`) and CRI-O mount their throw-away containers so.
 *
 * The kernel marks the work directory of a volatile mount
 * (`work/work/incompat/volatile`) and refuses to mount it again: after a
 * crash, the upper directory may be torn. A `--rm` container is mounted
 * again only by `restart`, or when its run was killed before it removed
 * it; the engine notes the boot each volatile mount happened in, and
 * clears the mark for a mount in the same boot (the upper was unmounted
 * cleanly, its pages are the kernel's own). From another boot it refuses
 * in one line (a failed start then removes the container, as any failed
 * start of a `--rm` one).
 *
 * @module
 */

import { UserError } from "../errors.ts";
import { writeFileAtomic } from "../store/atomic.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { containerPaths } from "./paths.ts";
import type { StateRoot } from "../store/paths.ts";

/** This boot's ID: a new random UUID each time the kernel starts. */
function bootId(): string {
  return Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();
}

/**
 * Readies container `id`'s upper and work directories for an overlay
 * mount, `volatile` or not: a volatile mount of an earlier start is
 * cleared when it was in this boot, refused otherwise; a volatile mount
 * now notes this boot first.
 */
export function prepareUpper(root: StateRoot, id: string, volatile: boolean): void {
  const paths = containerPaths(root, id);
  const overlayWork = `${paths.work}/work`;
  const notedBoot = `${paths.dir}/volatile-boot`;
  const boot = bootId();
  if (lstatOrUndefined(`${overlayWork}/incompat/volatile`)) {
    let noted: string | undefined;
    try {
      noted = Deno.readTextFileSync(notedBoot).trim();
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    if (noted !== boot) {
      throw new UserError(
        `dockergsh: container ${id} ran with --rm and the host restarted before it was ` +
          "removed: its files were never synced to disk and may be torn, so it is not mounted again",
      );
    }
    // overlay's own scratch directory: the kernel makes it again at the mount.
    Deno.removeSync(overlayWork, { recursive: true });
  }
  // Not fsynced: lost in a crash, it reads as another boot's, which refuses.
  if (volatile) writeFileAtomic(notedBoot, boot, { durable: false });
}
