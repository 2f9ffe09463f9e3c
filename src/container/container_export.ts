/**
 * `export`: the container's filesystem as one tar archive, as the
 * container sees its root (the image's layers with its own changes on
 * top, deletions applied), running or not, without the kernel's mounts
 * (/proc, /dev, binds) in it. Read through `rootfs/layer_tree.ts`, which never
 * follows a symlink the container may have planted. Entries are in
 * lexical order per directory, parents first; hard links within a layer
 * stay hard links.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { ImageStore } from "../image/store.ts";
import type { StateRoot } from "../store/paths.ts";
import { splitDev } from "../_fs.ts";
import { containerPaths } from "./paths.ts";
import { assertUpperIntact } from "./volatile_upper.ts";
import type { ContainerRecord } from "./record.ts";
import {
  LayerDir,
  mergedEntries,
  type MergedEntry,
  subdirectoryLayers,
} from "../rootfs/layer_tree.ts";
import { type TarHeader, type TarKind, TarWriter } from "./_tar_writer.ts";

/** The tar kind of a file, or undefined for what tar cannot hold (a socket). */
export function tarKind(info: Deno.FileInfo): TarKind | undefined {
  if (info.isFile) return "file";
  if (info.isDirectory) return "dir";
  if (info.isSymlink) return "symlink";
  if (info.isCharDevice) return "char";
  if (info.isBlockDevice) return "block";
  if (info.isFifo) return "fifo";
  return undefined;
}

/** The tar header of `name` as `info` describes it (content and link target aside). */
export function headerOf(name: string, info: Deno.FileInfo, kind: TarKind): TarHeader {
  const dev = kind === "char" || kind === "block" ? splitDev(info.rdev ?? 0) : undefined;
  return {
    name,
    kind,
    mode: (info.mode ?? 0) & 0o7777,
    uid: info.uid ?? 0,
    gid: info.gid ?? 0,
    size: kind === "file" ? info.size : 0,
    mtime: Math.floor((info.mtime?.getTime() ?? 0) / 1000),
    devMajor: dev?.major,
    devMinor: dev?.minor,
  };
}

/**
 * Writes the regular file `name` of `dir` (opened without following a
 * symlink) as a tar entry; a file that is gone or no longer regular is
 * left out.
 */
export function addFile(
  kernel: Kernel,
  tar: TarWriter,
  dir: LayerDir,
  name: string,
  header: TarHeader,
): void {
  const fd = dir.openFile(name);
  if (fd === undefined) return; // removed or replaced since it was listed
  try {
    const st = kernel.fstat(fd);
    tar.add({ ...header, size: st.size }, (buf) => kernel.read(fd, buf));
  } finally {
    kernel.close(fd);
  }
}

/** Writes the merged directory `dirs` (its layers, topmost first) under `prefix`. */
function writeTree(
  kernel: Kernel,
  tar: TarWriter,
  dirs: LayerDir[],
  prefix: string,
  links: Map<string, string>,
): void {
  for (const entry of mergedEntries(dirs)) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    writeEntry(kernel, tar, dirs, entry, path, links);
  }
}

function writeEntry(
  kernel: Kernel,
  tar: TarWriter,
  dirs: LayerDir[],
  entry: MergedEntry,
  path: string,
  links: Map<string, string>,
): void {
  const { info, dir, name } = entry;
  const kind = tarKind(info);
  if (!kind) return;
  const header = headerOf(path, info, kind);
  if (kind === "dir") {
    tar.add(header);
    const sub = subdirectoryLayers(dirs, entry);
    try {
      writeTree(kernel, tar, sub, path, links);
    } finally {
      for (const d of sub) d.close();
    }
    return;
  }
  const key = `${info.dev}:${info.ino}`;
  const first = (info.nlink ?? 1) > 1 ? links.get(key) : undefined;
  if (first !== undefined) {
    tar.add({ ...header, kind: "hardlink", size: 0, linkname: first });
    return;
  }
  if ((info.nlink ?? 1) > 1) links.set(key, path);
  if (kind === "symlink") {
    tar.add({ ...header, linkname: Deno.readLinkSync(dir.at(name)) });
  } else if (kind === "file") {
    addFile(kernel, tar, dir, name, header);
  } else {
    tar.add(header);
  }
}

/** Writes `record`'s filesystem as a tar archive to `sink`. */
export function exportContainer(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  sink: (data: Uint8Array) => void,
): void {
  assertUpperIntact(root, record.id);
  const layers = [
    containerPaths(root, record.id).upper,
    ...new ImageStore(root).layerDirs(record.config.imageId),
  ];
  const dirs = layers.map((path) => LayerDir.openRoot(kernel, path));
  try {
    const tar = new TarWriter(sink);
    writeTree(kernel, tar, dirs, "", new Map());
    tar.finish();
  } finally {
    for (const d of dirs) d.close();
  }
}
