/**
 * A `--rm` container's overlay is mounted `volatile`: the kernel then
 * skips every sync of its upper directory, above all the one its unmount
 * makes. Without it, the exit of the container's PID 1 (whose mount
 * namespace holds the overlay) waits for a sync of the whole filesystem
 * under the state root, ext4's journal included: tens of milliseconds on
 * every `run --rm`, more on a busy disk, for changes removed a moment
 * later. Podman (`--rm`) and CRI-O mount their throw-away containers so.
 *
 * What a volatile mount wrote may not be on disk: after a crash the upper
 * may be torn. The engine notes the boot of each volatile mount
 * (`volatile-boot`, beside the record) and, from another boot, neither
 * mounts nor reads that upper again: one line, and the container is to be
 * removed. In the same boot the upper is whole (its pages are the
 * kernel's own). The kernel also marks the work directory of a volatile
 * mount (`work/work/incompat/volatile`) and refuses to mount it again; a
 * `--rm` container is mounted again only by `restart`, by `cp` into it, or
 * when its run was killed before it removed it. Such a mount first syncs
 * the upper's filesystem, then clears the mark: from then on a crash
 * cannot lose what the volatile mount wrote.
 *
 * @module
 */

import { O_CLOEXEC, O_DIRECTORY, O_RDONLY } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { UserError } from "../errors.ts";
import { writeFileAtomic } from "../store/atomic.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { containerPaths } from "./paths.ts";
import type { StateRoot } from "../store/paths.ts";

/** This boot's ID: a new random UUID each time the kernel starts. */
function bootId(): string {
  return Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();
}

/** The boot container `id`'s overlay was last mounted volatile in, if it ever was. */
function notedBoot(root: StateRoot, id: string): string | undefined {
  try {
    return Deno.readTextFileSync(`${containerPaths(root, id).dir}/volatile-boot`).trim();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

function tornUpper(id: string): UserError {
  return new UserError(
    `dockergsh: container ${id} ran with --rm and the host restarted before it was ` +
      "removed: its files were never synced to disk and may be torn, so they are not used again",
  );
}

/**
 * Refuses container `id`'s upper directory when a volatile mount of it
 * happened in another boot: before it is read (`commit`, `export`,
 * `diff`, `cp` out of a stopped container).
 */
export function assertUpperIntact(root: StateRoot, id: string): void {
  if (!intact(notedBoot(root, id), markedVolatile(root, id), bootId())) throw tornUpper(id);
}

/**
 * Whether an upper may be used in boot `boot`, given the boot its last
 * volatile mount was `noted` in and whether the kernel `marked` it: no
 * volatile mount noted in another boot, and none marked that went
 * unnoted (the note, not fsynced, lost in a crash).
 */
function intact(noted: string | undefined, marked: boolean, boot: string): boolean {
  return noted !== undefined ? noted === boot : !marked;
}

/** Whether the kernel's mark of a volatile mount is in container `id`'s work directory. */
function markedVolatile(root: StateRoot, id: string): boolean {
  return lstatOrUndefined(`${containerPaths(root, id).work}/work/incompat/volatile`) !== undefined;
}

/**
 * Readies container `id`'s upper and work directories for an overlay
 * mount, `volatile` or not (a start, `cp` into a stopped one): refused
 * after a volatile mount in another boot (or a marked one with no note);
 * an earlier volatile mount of this boot is synced to disk and its mark
 * cleared; a volatile mount now notes this boot first.
 */
export function prepareUpper(
  root: StateRoot,
  kernel: Kernel,
  id: string,
  volatile: boolean,
): void {
  const paths = containerPaths(root, id);
  const note = `${paths.dir}/volatile-boot`;
  const boot = bootId();
  const noted = notedBoot(root, id);
  const marked = markedVolatile(root, id);
  if (!intact(noted, marked, boot)) throw tornUpper(id);
  if (noted !== undefined && (marked || !volatile)) {
    // What the volatile mount wrote, on disk before its mark goes.
    const fd = kernel.open(paths.upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    try {
      kernel.syncfs(fd);
    } finally {
      kernel.close(fd);
    }
    // overlay's own scratch directory: the kernel makes it again at the mount.
    if (marked) Deno.removeSync(`${paths.work}/work`, { recursive: true });
  }
  // Not fsynced: lost in a crash, it reads as another boot's and the upper is refused.
  if (volatile) {
    if (noted !== boot) writeFileAtomic(note, boot, { durable: false });
  } else if (noted !== undefined) Deno.removeSync(note);
}
