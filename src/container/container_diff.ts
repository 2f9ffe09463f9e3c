/**
 * `diff`: what the container changed in its filesystem, from its overlay
 * upper directory compared with the image's layers below it, in Docker's
 * three kinds: A (added), C (changed), D (deleted: a whiteout).
 *
 * As Docker reports them (checked against Docker 20.10 on overlay2): an
 * opaque directory (deleted and made again) and everything in it are A;
 * a directory that exists below is C only when its owner or mode changed
 * or something under it is reported (a directory merely copied up as the
 * parent of a file made and removed again is not); a file that exists
 * below is C unless it was only copied up (same type, mode, owner, size
 * and mtime: a hard link made to it copies it up unchanged). The empty
 * files the engine makes in the upper directory as mount points for
 * /etc/hostname, /etc/hosts and /etc/resolv.conf are not the container's
 * changes and are left out, as Docker keeps them in a layer of its own.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { ImageStore } from "../image/store.ts";
import type { StateRoot } from "../store/paths.ts";
import { containerPaths } from "./paths.ts";
import { assertUpperIntact } from "./volatile_upper.ts";
import type { ContainerRecord } from "./record.ts";
import { isEngineEntry } from "./_engine_mount_points.ts";
import { isWhiteout, LayerDir, mergedEntries, subdirectoryLayers } from "../rootfs/layer_tree.ts";

/** One change, as `docker diff` prints it: `C /etc`. */
export interface Change {
  kind: "A" | "C" | "D";
  path: string;
}

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.size === b.size &&
    a.mtime?.getTime() === b.mtime?.getTime() && a.isSymlink === b.isSymlink;
}

/** Changes under the upper directory `upper` (at `path`) over `lowers` (the merged directory below). */
function changesIn(upper: LayerDir, lowers: LayerDir[], path: string): Change[] {
  const out: Change[] = [];
  const lowerEntries = new Map(mergedEntries(lowers).map((e) => [e.name, e]));
  for (const name of upper.names().sort()) {
    const at = `${path}/${name}`;
    const info = upper.stat(name);
    if (!info) continue;
    const old = lowerEntries.get(name);
    if (isWhiteout(info)) {
      out.push({ kind: "D", path: at });
      continue;
    }
    if (!info.isDirectory) {
      if (!old && isEngineEntry(at.slice(1), info, () => Deno.readLinkSync(upper.at(name)))) {
        continue;
      }
      if (!old) out.push({ kind: "A", path: at });
      else if (!sameFile(info, old.info)) out.push({ kind: "C", path: at });
      continue;
    }
    const opaque = upper.opaque(name);
    const child = upper.child(name);
    if (!child) continue;
    const oldDirs = old?.info.isDirectory && !opaque ? subdirectoryLayers(lowers, old) : [];
    try {
      const inner = changesIn(child, oldDirs, at);
      const isNew = !old || !old.info.isDirectory || opaque;
      const metaChanged = old !== undefined &&
        (old.info.mode !== info.mode || old.info.uid !== info.uid || old.info.gid !== info.gid);
      if (isNew) out.push({ kind: "A", path: at });
      else if (metaChanged || inner.length > 0) out.push({ kind: "C", path: at });
      out.push(...inner);
    } finally {
      child.close();
      for (const d of oldDirs) d.close();
    }
  }
  return out;
}

/** The changes `record`'s container made to its image's filesystem. */
export function containerChanges(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
): Change[] {
  assertUpperIntact(root, record.id);
  const upper = LayerDir.openRoot(kernel, containerPaths(root, record.id).upper);
  const lowers = new ImageStore(root).layerDirs(record.config.imageId)
    .map((path) => LayerDir.openRoot(kernel, path));
  try {
    return changesIn(upper, lowers, "");
  } finally {
    upper.close();
    for (const d of lowers) d.close();
  }
}
