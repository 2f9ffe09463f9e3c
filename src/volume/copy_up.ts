/**
 * Docker's volume copy-up: a volume that is empty when a container is
 * created with it gets what the image has at the mount's path (files,
 * directories, symlinks, device nodes, with their owners, modes and times),
 * as Docker does at create (measured: `-v NEW:/etc` shows the image's /etc;
 * emptied, the next container's create fills it again; `nocopy` does not).
 *
 * The image is read from its layer directories as the overlay would show
 * them (upper layers first, whiteouts hide, an opaque directory stops
 * the layers below), without mounting anything, through descriptors
 * (rootfs/layer_tree.ts): a layer's symlink is never followed on the host,
 * where overlay would not follow it either. What is copied is made in
 * a staging directory beside `_data`, which no container sees, and each
 * top entry is then renamed into `_data`: rename(2) never follows a
 * symlink a container may have planted there meanwhile.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { AT_FDCWD, S_IFMT } from "../../ffi/constants.ts";
import { lstatOrUndefined, splitDev } from "../_fs.ts";
import { UserError } from "../errors.ts";
import {
  isWhiteout,
  LayerDir,
  mergedEntries,
  type MergedEntry,
  subdirectoryLayers,
} from "../rootfs/layer_tree.ts";
import { newId } from "../store/ids.ts";

/** What the image has at a path: the layers of its directory, or nothing usable. */
type ImagePath =
  | { kind: "directory"; info: Deno.FileInfo; dirs: LayerDir[] }
  | { kind: "missing" }
  | { kind: "not-a-directory" };

/** The topmost layer's entry for `name` in the merged directory `dirs`, unless deleted. */
function winner(dirs: readonly LayerDir[], name: string): MergedEntry | undefined {
  for (const [layer, dir] of dirs.entries()) {
    const info = dir.stat(name);
    if (!info) continue;
    return isWhiteout(info) ? undefined : { name, info, dir, layer };
  }
  return undefined;
}

/**
 * Follows `parts` down from the layers' roots `roots` as the overlay
 * would: a missing name, a whiteout or a non-directory on the way means
 * the image has nothing there. Every directory opened is added to `opened`.
 */
function imagePath(roots: LayerDir[], parts: readonly string[], opened: LayerDir[]): ImagePath {
  let dirs = roots;
  let info: Deno.FileInfo | undefined;
  for (const [i, name] of parts.entries()) {
    const entry = winner(dirs, name);
    if (!entry) return { kind: "missing" };
    if (!entry.info.isDirectory) {
      return i === parts.length - 1 ? { kind: "not-a-directory" } : { kind: "missing" };
    }
    dirs = subdirectoryLayers(dirs, entry);
    opened.push(...dirs);
    if (dirs.length === 0) return { kind: "missing" };
    info = entry.info;
  }
  return info ? { kind: "directory", info, dirs } : { kind: "missing" };
}

/** The image's entry at `parts` (its parent directories followed as `imagePath` does). */
function entryAt(roots: LayerDir[], parts: readonly string[], opened: LayerDir[]) {
  const parent = parts.length === 1
    ? { kind: "directory" as const, dirs: roots }
    : imagePath(roots, parts.slice(0, -1), opened);
  return parent.kind === "directory" ? winner(parent.dirs, parts[parts.length - 1]) : undefined;
}

/**
 * `path` with the image's symlinks on it followed inside the image's root
 * (as the mount point is: the init resolves it with secureJoin); undefined
 * past 40 links, as the kernel's ELOOP. Each link is read through its
 * layer's descriptor, never resolved on the host.
 */
function resolveInImage(roots: LayerDir[], path: string, opened: LayerDir[]): string[] | undefined {
  const todo = path.split("/").filter((p) => p !== "");
  const done: string[] = [];
  for (let hops = 0; todo.length > 0;) {
    const part = todo.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    const entry = entryAt(roots, [...done, part], opened);
    if (!entry?.info.isSymlink) {
      done.push(part);
      continue;
    }
    if (++hops > 40) return undefined;
    const target = Deno.readLinkSync(entry.dir.at(entry.name));
    if (target.startsWith("/")) done.length = 0;
    todo.unshift(...target.split("/").filter((p) => p !== ""));
  }
  return done;
}

/** True when `dir` has no entries. */
export function isEmptyDir(dir: string): boolean {
  for (const _ of Deno.readDirSync(dir)) return false;
  return true;
}

/**
 * Owner, mode and times of `info` onto `path`, a path this copy made (a
 * symlink's own owner and times, not its target's; it has no mode).
 */
function copyMeta(kernel: Kernel, path: string, info: Deno.FileInfo): void {
  if (info.isSymlink) {
    kernel.lchownAt(AT_FDCWD, path, info.uid ?? 0, info.gid ?? 0);
    if (info.atime && info.mtime) kernel.lutimesAt(AT_FDCWD, path, info.atime, info.mtime);
    return;
  }
  Deno.chownSync(path, info.uid, info.gid);
  Deno.chmodSync(path, (info.mode ?? 0o755) & 0o7777);
  if (info.atime && info.mtime) Deno.utimeSync(path, info.atime, info.mtime);
}

/** Copies merged entry `entry` of the directory whose layers are `dirs` to `dest`, which does not exist yet. */
function copyEntry(
  kernel: Kernel,
  dirs: readonly LayerDir[],
  entry: MergedEntry,
  dest: string,
): void {
  const { info } = entry;
  if (info.isDirectory) {
    Deno.mkdirSync(dest);
    const sub = subdirectoryLayers(dirs, entry);
    try {
      for (const e of mergedEntries(sub)) copyEntry(kernel, sub, e, `${dest}/${e.name}`);
    } finally {
      for (const d of sub) d.close();
    }
  } else if (info.isSymlink) {
    Deno.symlinkSync(Deno.readLinkSync(entry.dir.at(entry.name)), dest);
  } else if (info.isFile) {
    if (!entry.dir.copyFileTo(entry.name, dest)) return;
  } else if (info.isCharDevice || info.isBlockDevice || info.isFifo) {
    const { major, minor } = splitDev(info.rdev ?? 0);
    kernel.mknod(dest, (info.mode ?? 0) & (S_IFMT | 0o7777), major, minor);
  } else {
    return; // a socket means nothing outside its process
  }
  copyMeta(kernel, dest, info);
}

/**
 * Fills the empty volume directory `data` with what the image's `layers`
 * (top first) have at `destination`; the volume's root takes that
 * directory's owner and mode. Nothing happens when the image has no
 * directory there. Resolves to whether anything was copied.
 */
export function copyUp(
  kernel: Kernel,
  layers: readonly string[],
  destination: string,
  data: string,
): boolean {
  const opened = layers.map((layer) => LayerDir.openRoot(kernel, layer));
  try {
    const parts = resolveInImage([...opened], destination, opened);
    if (!parts?.length) return false; // too many links, or the image's root itself
    const found = imagePath([...opened], parts, opened);
    if (found.kind === "not-a-directory") {
      throw new UserError(
        `dockergsh: Error response from daemon: ${destination} is not a directory in the image: ` +
          "a volume cannot be mounted there",
      );
    }
    if (found.kind === "missing" || !isEmptyDir(data)) return false;
    const volumeDir = data.slice(0, data.lastIndexOf("/"));
    // A copy a killed process left half made (the caller holds the volumes lock).
    for (const e of Deno.readDirSync(volumeDir)) {
      if (e.name.startsWith(".copy-")) {
        Deno.removeSync(`${volumeDir}/${e.name}`, { recursive: true });
      }
    }
    const staging = `${volumeDir}/.copy-${newId()}`;
    Deno.mkdirSync(staging, { mode: 0o700 });
    try {
      for (const entry of mergedEntries(found.dirs)) {
        copyEntry(kernel, found.dirs, entry, `${staging}/${entry.name}`);
        // Nothing was made for a socket, or a file that is no regular file.
        if (lstatOrUndefined(`${staging}/${entry.name}`)) {
          Deno.renameSync(`${staging}/${entry.name}`, `${data}/${entry.name}`);
        }
      }
      copyMeta(kernel, data, found.info);
    } finally {
      Deno.removeSync(staging, { recursive: true });
    }
    return true;
  } finally {
    for (const dir of opened) dir.close();
  }
}
