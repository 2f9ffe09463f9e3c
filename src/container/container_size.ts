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
    return treeSize(dir);
  } finally {
    dir.close();
  }
}
