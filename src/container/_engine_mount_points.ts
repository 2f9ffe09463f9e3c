/**
 * Files bind-mounted over by every container (and `--init`'s), and
 * Docker's `/.dockerenv` mark, relative to the container's root: an empty
 * one in the upper layer that no image layer has was made by the engine,
 * as Docker's init layer, which neither `commit` nor `diff` shows.
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
