/**
 * A container's size as Docker reports it: SizeRw, the bytes of the
 * files in its writable layer (its overlay upper directory), and
 * SizeRootFs, those plus its image's.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import type { StateRoot } from "../store/paths.ts";
import { containerPaths } from "./paths.ts";
import type { ContainerRecord } from "./record.ts";
import { LayerDir, treeSize } from "../rootfs/layer_tree.ts";
import { ENGINE_SYMLINKS, isEngineEntry } from "./_engine_mount_points.ts";

/** SizeRw: bytes of the regular files in `record`'s upper directory (0 if it has none). */
export function writableLayerSize(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
): number {
  let dir: LayerDir;
  try {
    dir = LayerDir.openRoot(kernel, containerPaths(root, record.id).upper);
  } catch {
    return 0;
  }
  try {
    // Less the engine's own links (/etc/mtab), which Docker's init layer holds, not the container's;
    // looked at through the layer's descriptors (the container may have swapped a directory).
    const engine = Object.keys(ENGINE_SYMLINKS).reduce((n, path) => {
      const slash = path.lastIndexOf("/");
      const parent = dir.childPath(path.slice(0, slash));
      if (!parent) return n;
      try {
        const name = path.slice(slash + 1);
        const info = parent.stat(name);
        const engineMade = info &&
          isEngineEntry(path, info, () => Deno.readLinkSync(parent.at(name)));
        return n + (engineMade ? info.size : 0);
      } finally {
        parent.close();
      }
    }, 0);
    return treeSize(dir) - engine;
  } finally {
    dir.close();
  }
}
