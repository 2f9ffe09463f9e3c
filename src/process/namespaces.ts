/**
 * The namespaces of a container, as named under /proc/<pid>/ns, with their
 * CLONE_ flags, in the order setns(2) joins them: the mount namespace last.
 * All are opened before the first setns, since after joining the mount
 * namespace /proc is the container's and host PIDs no longer resolve.
 *
 * @module
 */

import {
  CLONE_FS,
  CLONE_NEWCGROUP,
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUTS,
  O_CLOEXEC,
  O_DIRECTORY,
  O_PATH,
  O_RDONLY,
} from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";

/** [name, flag] pairs in setns order. */
export const NAMESPACES: ReadonlyArray<[name: string, flag: number]> = [
  ["ipc", CLONE_NEWIPC],
  ["uts", CLONE_NEWUTS],
  ["net", CLONE_NEWNET],
  ["pid", CLONE_NEWPID],
  ["cgroup", CLONE_NEWCGROUP],
  ["mnt", CLONE_NEWNS],
];

/**
 * Moves the calling thread into `pid`'s namespaces named in `names` (the
 * PID namespace for its children: a process never changes its own).
 * All are opened first (see above), then `stillThere` confirms `pid` is
 * still the process meant, not a recycled PID; unshare(CLONE_FS) gives the
 * thread an fs_struct of its own, which setns into a mount namespace
 * requires.
 */
export function joinNamespaces(
  kernel: Kernel,
  pid: number,
  names: readonly string[],
  stillThere: () => boolean,
): void {
  const targets = NAMESPACES.filter(([name]) => names.includes(name)).map(([name, flag]) => ({
    flag,
    fd: kernel.open(`/proc/${pid}/ns/${name}`, O_RDONLY | O_CLOEXEC),
  }));
  const root = names.includes("mnt")
    ? kernel.open(`/proc/${pid}/root`, O_PATH | O_DIRECTORY | O_CLOEXEC)
    : undefined;
  try {
    if (!stillThere()) throw new Error(`container process ${pid} is gone`);
    if (root !== undefined) kernel.unshare(CLONE_FS);
    for (const { fd, flag } of targets) kernel.setns(fd, flag);
    // The root of `pid` itself, not the mount namespace's: they differ under
    // --no-pivot, and there a container that unmounted its root would leave
    // the namespace's, the host's old root, to whoever joins it.
    if (root !== undefined) {
      kernel.fchdir(root);
      kernel.chroot(".");
    }
  } finally {
    for (const { fd } of targets) kernel.close(fd);
    if (root !== undefined) kernel.close(root);
  }
}
