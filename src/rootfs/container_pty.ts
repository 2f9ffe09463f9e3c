/**
 * A new pseudo-terminal from a container's own devpts instance, so that
 * inside the container it is /dev/pts/N.
 *
 * @module
 */

import { O_CLOEXEC, O_PATH } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { splitDev } from "../_fs.ts";
import { UserError } from "../errors.ts";

/**
 * A new terminal from the devpts under the container root `root` (the
 * bundle's root before pivot_root, or `/proc/<pid>/root` of a running
 * container). Its `ptmx` is resolved inside `root` (openat2
 * RESOLVE_IN_ROOT) and must be a pty multiplexer (5:2) before it is opened
 * for real: the caller is the host's root, and the container could have
 * made that path a symlink or another device node.
 */
export function openContainerPty(kernel: Kernel, root: string): { master: number; index: number } {
  const ptmx = kernel.openInRoot(root, "/dev/pts/ptmx", O_PATH | O_CLOEXEC);
  try {
    const via = `/proc/self/fd/${ptmx}`;
    const info = Deno.statSync(via);
    const { major, minor } = splitDev(info.rdev ?? 0);
    if (!info.isCharDevice || major !== 5 || minor !== 2) {
      throw new UserError(
        "dockergsh: the container's /dev/pts/ptmx is not a pseudo-terminal multiplexer (5:2)",
      );
    }
    return kernel.openPty(via);
  } finally {
    kernel.close(ptmx);
  }
}
