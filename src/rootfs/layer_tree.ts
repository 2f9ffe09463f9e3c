/**
 * Reading a container's layers (its overlay upper directory over the
 * image's layers) the way overlayfs merges them, without mounting
 * anything: the topmost layer that has a name wins; a whiteout (character
 * device 0:0) deletes it; a directory with `trusted.overlay.opaque=y`
 * hides what the layers below hold under it; a non-directory hides
 * everything below it.
 *
 * A running container changes its upper directory while it is read, and
 * may swap a directory for a symlink to a host path at any moment. So
 * nothing here resolves a path on the host: every directory is held open
 * (O_DIRECTORY|O_NOFOLLOW, opened below its parent's descriptor) and
 * every name is looked up as one component under such a descriptor, with
 * lstat (a final symlink is never followed).
 *
 * @module
 */

import {
  O_CLOEXEC,
  O_DIRECTORY,
  O_NOCTTY,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_RDONLY,
  S_IFMT,
  S_IFREG,
} from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";

/** An open directory of one layer. */
export class LayerDir {
  private constructor(private readonly kernel: Kernel, readonly fd: number) {}

  /** Opens directory `path` (a layer's root, a trusted host path). */
  static openRoot(kernel: Kernel, path: string): LayerDir {
    return new LayerDir(kernel, kernel.openInRoot(path, ".", DIR_FLAGS));
  }

  /**
   * Opens directory `path` inside `root` with every symlink on the way,
   * the last one included, resolved inside `root` (RESOLVE_IN_ROOT).
   */
  static openIn(kernel: Kernel, root: string, path: string): LayerDir {
    return new LayerDir(kernel, kernel.openInRoot(root, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }

  /** `path` below this directory, resolved as `openIn` does with this directory as the root. */
  childPath(path: string): LayerDir | undefined {
    try {
      return LayerDir.openIn(this.kernel, this.at(""), path);
    } catch (err) {
      if (err instanceof SyscallError) return undefined;
      throw err;
    }
  }

  /** The path through which the kernel reaches `name` in this directory without resolving it. */
  at(name: string): string {
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  /** lstat of `name`; undefined when there is none. */
  stat(name: string): Deno.FileInfo | undefined {
    try {
      return Deno.lstatSync(this.at(name));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
        return undefined;
      }
      throw err;
    }
  }

  /** The names in this directory. */
  names(): string[] {
    return [...Deno.readDirSync(`/proc/self/fd/${this.fd}`)].map((e) => e.name);
  }

  /** The subdirectory `name`; undefined when it is not a directory (any more). */
  child(name: string): LayerDir | undefined {
    try {
      return new LayerDir(this.kernel, this.kernel.openInRoot(this.at(""), name, DIR_FLAGS));
    } catch (err) {
      if (err instanceof SyscallError) return undefined; // ENOENT, ENOTDIR, ELOOP: not a directory
      throw err;
    }
  }

  /**
   * A descriptor of the regular file `name`, or undefined when `name` is
   * anything else by the time it is opened (gone, a symlink, a FIFO, a
   * device). O_NONBLOCK and O_NOCTTY: a FIFO or a tty swapped in after a
   * listing can neither hang the open nor become a terminal; fstat then
   * refuses them, so no device's content is ever read. The caller closes it.
   */
  openFile(name: string): number | undefined {
    let fd: number;
    try {
      fd = this.kernel.open(
        this.at(name),
        O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
      );
    } catch (err) {
      if (err instanceof SyscallError) return undefined;
      throw err;
    }
    if ((this.kernel.fstat(fd).mode & S_IFMT) === S_IFREG) return fd;
    this.kernel.close(fd);
    return undefined;
  }

  /**
   * Copies the regular file `name` to `dest`, a new host file (0600 until
   * the caller sets its mode). False, making nothing, when `name` is no
   * regular file by the time it is opened (see `openFile`).
   */
  copyFileTo(name: string, dest: string): boolean {
    const fd = this.openFile(name);
    if (fd === undefined) return false;
    try {
      const out = Deno.openSync(dest, { write: true, createNew: true, mode: 0o600 });
      try {
        const buf = new Uint8Array(64 * 1024);
        for (let n = this.kernel.read(fd, buf); n > 0; n = this.kernel.read(fd, buf)) {
          for (let off = 0; off < n;) off += out.writeSync(buf.subarray(off, n));
        }
      } finally {
        out.close();
      }
    } finally {
      this.kernel.close(fd);
    }
    return true;
  }

  /** True when `name` is an opaque directory. */
  opaque(name: string): boolean {
    const v = this.kernel.lgetxattr(this.at(name), "trusted.overlay.opaque");
    return v !== null && new TextDecoder().decode(v) === "y";
  }

  close(): void {
    this.kernel.close(this.fd);
  }
}

const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

/** overlayfs's whiteout: a character device numbered 0:0. */
export function isWhiteout(info: Deno.FileInfo): boolean {
  return info.isCharDevice === true && info.rdev === 0;
}

/** The winner for one name across the layers of a directory (topmost first). */
export interface MergedEntry {
  name: string;
  info: Deno.FileInfo;
  /** The layer directory the entry comes from. */
  dir: LayerDir;
  /** Index of that layer among the directory's layers. */
  layer: number;
}

/**
 * The entries of one merged directory, sorted by name, whiteouts applied.
 * `dirs` are the directory's layers, topmost first.
 */
export function mergedEntries(dirs: readonly LayerDir[]): MergedEntry[] {
  const names = new Set<string>();
  for (const d of dirs) for (const n of d.names()) names.add(n);
  const out: MergedEntry[] = [];
  for (const name of [...names].sort()) {
    for (const [layer, dir] of dirs.entries()) {
      const info = dir.stat(name);
      if (!info) continue;
      if (!isWhiteout(info)) out.push({ name, info, dir, layer });
      break;
    }
  }
  return out;
}

/**
 * The layers of merged subdirectory `entry` (a directory), topmost first:
 * from the winning layer down, through every layer where it is a
 * directory, stopping at an opaque one or at anything that is not a
 * directory. The caller closes them.
 */
export function subdirectoryLayers(dirs: readonly LayerDir[], entry: MergedEntry): LayerDir[] {
  const out: LayerDir[] = [];
  for (const dir of dirs.slice(entry.layer)) {
    const info = dir.stat(entry.name);
    if (!info) continue;
    if (!info.isDirectory) break;
    const child = dir.child(entry.name);
    if (!child) break;
    out.push(child);
    if (dir.opaque(entry.name)) break;
  }
  return out;
}

/**
 * Bytes of everything but directories in the tree `dir` (a symlink counts
 * its target's length; nothing is followed), as Docker's SizeRw counts.
 */
export function treeSize(dir: LayerDir): number {
  let total = 0;
  for (const name of dir.names()) {
    const info = dir.stat(name);
    if (!info) continue;
    if (!info.isDirectory) {
      total += info.size;
      continue;
    }
    const child = dir.child(name);
    if (!child) continue;
    try {
      total += treeSize(child);
    } finally {
      child.close();
    }
  }
  return total;
}
