/**
 * Files bind-mounted over by every container (and `--init`'s), Docker's
 * `/.dockerenv` mark and its `/etc/mtab` link to /proc/mounts, relative to
 * the container's root: an empty file of these (or that link) in the upper
 * layer that no image layer has was made by the engine, as Docker's init
 * layer, which neither `commit` nor `diff` shows.
 *
 * @module
 */

/** The engine's mount-point files, relative to the root. */
export const ENGINE_MOUNT_POINTS: readonly string[] = [
  "etc/hostname",
  "etc/hosts",
  "etc/resolv.conf",
  ".dockerenv",
  "sbin/docker-init",
];

/** The engine's symlinks, and where they point (Docker's init layer: `etc/mtab`). */
export const ENGINE_SYMLINKS: Readonly<Record<string, string>> = { "etc/mtab": "/proc/mounts" };

/**
 * Is `info` (at `path`, relative to the root, in the upper layer) what the
 * engine made there? `readLink` reads the link when it is one.
 */
export function isEngineEntry(path: string, info: Deno.FileInfo, readLink: () => string): boolean {
  if (ENGINE_MOUNT_POINTS.includes(path)) return info.isFile && info.size === 0;
  const target = ENGINE_SYMLINKS[path];
  return target !== undefined && info.isSymlink && readLink() === target;
}
