/**
 * Docker's volume copy-up: a volume that is empty when a container is
 * created with it gets what the image has at the mount's path (files,
 * directories, symlinks, device nodes, with their owners, modes and times),
 * as Docker does at create (measured: `-v NEW:/etc` shows the image's /etc;
 * emptied, the next container's create fills it again; `nocopy` does not).
 *
 * The image is read from its layer directories as the overlay would show
 * them (upper layers first, whiteouts hide, an opaque directory stops
 * the layers below), without mounting anything. What is copied is made in
 * a staging directory beside `_data`, which no container sees, and each
 * top entry is then renamed into `_data`: rename(2) never follows a
 * symlink a container may have planted there meanwhile.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { S_IFMT } from "../../ffi/constants.ts";
import { splitDev } from "../_fs.ts";
import { UserError } from "../errors.ts";
import { newId } from "../store/ids.ts";

/** One path of the union: the topmost layer's entry for it. */
interface UnionEntry {
  /** The layer directory's path of the entry. */
  path: string;
  info: Deno.FileInfo;
}

function lstat(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw err;
  }
}

function isWhiteout(info: Deno.FileInfo): boolean {
  return info.isCharDevice === true && info.rdev === 0;
}

/** The layers (top first) as the overlay merges them, for reading only. */
class LayerUnion {
  constructor(private readonly kernel: Kernel, private readonly layers: readonly string[]) {}

  private opaque(dir: string): boolean {
    const value = this.kernel.lgetxattr(dir, "trusted.overlay.opaque");
    return value !== null && new TextDecoder().decode(value) === "y";
  }

  /** The entries for `rel` ("" is the root), top first, down to the one that hides the rest. */
  private stack(rel: string): UnionEntry[] {
    const out: UnionEntry[] = [];
    for (const layer of this.layers) {
      const path = rel === "" ? layer : `${layer}/${rel}`;
      const info = lstat(path);
      if (!info) continue;
      if (isWhiteout(info)) break;
      out.push({ path, info });
      if (!info.isDirectory || this.opaque(path)) break;
    }
    // A directory over a file hides it; a file hides what is below.
    return out.length > 0 && out[0].info.isDirectory
      ? out.filter((e) => e.info.isDirectory)
      : out.slice(0, 1);
  }

  /** What the container sees at `rel`, or undefined. */
  entry(rel: string): UnionEntry | undefined {
    // A whiteout or a non-directory on the way hides what is below it.
    const parts = rel.split("/").filter((p) => p !== "");
    for (let i = 1; i < parts.length; i++) {
      const up = this.stack(parts.slice(0, i).join("/"));
      if (up.length === 0 || !up[0].info.isDirectory) return undefined;
    }
    return this.stack(parts.join("/"))[0];
  }

  /**
   * `path` with the image's symlinks on it followed inside the image's root
   * (as the mount point is: the init resolves it with secureJoin), without
   * its leading slash; undefined past 40 links, as the kernel's ELOOP.
   */
  resolve(path: string): string | undefined {
    const todo = path.split("/").filter((p) => p !== "");
    const done: string[] = [];
    for (let hops = 0; todo.length > 0;) {
      const part = todo.shift()!;
      if (part === ".") continue;
      if (part === "..") {
        done.pop();
        continue;
      }
      const top = this.entry([...done, part].join("/"));
      if (!top?.info.isSymlink) {
        done.push(part);
        continue;
      }
      if (++hops > 40) return undefined;
      const target = Deno.readLinkSync(top.path);
      if (target.startsWith("/")) done.length = 0;
      todo.unshift(...target.split("/").filter((p) => p !== ""));
    }
    return done.join("/");
  }

  /** The names in directory `rel`, merged across layers. */
  list(rel: string): string[] {
    const names = new Set<string>();
    const hidden = new Set<string>();
    for (const { path, info } of this.stack(rel)) {
      if (!info.isDirectory) break;
      for (const e of Deno.readDirSync(path)) {
        if (hidden.has(e.name) || names.has(e.name)) continue;
        const sub = lstat(`${path}/${e.name}`);
        if (sub && isWhiteout(sub)) hidden.add(e.name);
        else names.add(e.name);
      }
    }
    return [...names].sort();
  }
}

/** True when `dir` has no entries. */
function isEmptyDir(dir: string): boolean {
  for (const _ of Deno.readDirSync(dir)) return false;
  return true;
}

/** Owner, mode and times of `info` onto `path` (a symlink keeps only what it was made with). */
function copyMeta(path: string, info: Deno.FileInfo): void {
  if (info.isSymlink) return;
  Deno.chownSync(path, info.uid, info.gid);
  Deno.chmodSync(path, (info.mode ?? 0o755) & 0o7777);
  if (info.atime && info.mtime) Deno.utimeSync(path, info.atime, info.mtime);
}

/** Copies union path `rel` to `dest`, which does not exist yet. */
function copyEntry(kernel: Kernel, union: LayerUnion, rel: string, dest: string): void {
  const entry = union.entry(rel);
  if (!entry) return;
  const { path, info } = entry;
  if (info.isDirectory) {
    Deno.mkdirSync(dest);
    for (const name of union.list(rel)) {
      copyEntry(kernel, union, `${rel}/${name}`, `${dest}/${name}`);
    }
  } else if (info.isSymlink) {
    Deno.symlinkSync(Deno.readLinkSync(path), dest);
  } else if (info.isFile) {
    Deno.copyFileSync(path, dest);
  } else if (info.isCharDevice || info.isBlockDevice || info.isFifo) {
    const { major, minor } = splitDev(info.rdev ?? 0);
    kernel.mknod(dest, (info.mode ?? 0) & (S_IFMT | 0o7777), major, minor);
  } else {
    return; // a socket means nothing outside its process
  }
  copyMeta(dest, info);
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
  const union = new LayerUnion(kernel, layers);
  const rel = union.resolve(destination);
  if (!rel) return false; // too many links, or the image's root itself
  const top = union.entry(rel);
  if (top && !top.info.isDirectory) {
    throw new UserError(
      `dockergsh: Error response from daemon: ${destination} is not a directory in the image: ` +
        "a volume cannot be mounted there",
    );
  }
  if (!top || !isEmptyDir(data)) return false;
  const volumeDir = data.slice(0, data.lastIndexOf("/"));
  // A copy a killed process left half made (the caller holds the volumes lock).
  for (const e of Deno.readDirSync(volumeDir)) {
    if (e.name.startsWith(".copy-")) Deno.removeSync(`${volumeDir}/${e.name}`, { recursive: true });
  }
  const staging = `${volumeDir}/.copy-${newId()}`;
  Deno.mkdirSync(staging, { mode: 0o700 });
  try {
    for (const name of union.list(rel)) {
      copyEntry(kernel, union, `${rel}/${name}`, `${staging}/${name}`);
      Deno.renameSync(`${staging}/${name}`, `${data}/${name}`);
    }
    copyMeta(data, top.info);
  } finally {
    Deno.removeSync(staging, { recursive: true });
  }
  return true;
}
