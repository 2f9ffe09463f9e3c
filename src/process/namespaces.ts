/**
 * The namespaces of a container, as named under /proc/<pid>/ns, with their
 * CLONE_ flags, in the order setns(2) joins them: the mount namespace last,
 * because after it /proc is the container's and the others can no longer be
 * opened by host PID.
 *
 * @module
 */

import {
  CLONE_FS,
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUTS,
  O_CLOEXEC,
  O_RDONLY,
} from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";

/** [name, flag] pairs in setns order. */
export const NAMESPACES: ReadonlyArray<[name: string, flag: number]> = [
  ["ipc", CLONE_NEWIPC],
  ["uts", CLONE_NEWUTS],
  ["net", CLONE_NEWNET],
  ["pid", CLONE_NEWPID],
  ["mnt", CLONE_NEWNS],
];

/**
 * Moves the calling process into `pid`'s namespaces named in `names`.
 * All are opened first (see above); unshare(CLONE_FS) gives the process an
 * fs_struct of its own, which setns into a mount namespace requires.
 */
export function joinNamespaces(kernel: Kernel, pid: number, names: readonly string[]): void {
  const targets = NAMESPACES.filter(([name]) => names.includes(name)).map(([name, flag]) => ({
    flag,
    fd: kernel.open(`/proc/${pid}/ns/${name}`, O_RDONLY | O_CLOEXEC),
  }));
  try {
    if (names.includes("mnt")) kernel.unshare(CLONE_FS);
    for (const { fd, flag } of targets) kernel.setns(fd, flag);
  } finally {
    for (const { fd } of targets) kernel.close(fd);
  }
}
