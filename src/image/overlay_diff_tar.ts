/**
 * The tar of an overlayfs upper directory as an OCI layer changeset (the
 * image spec's "Representing changes"): what `commit` makes the new layer
 * from. Overlay records a deleted entry as a 0:0 character device, which
 * becomes a whiteout `DIR/.wh.NAME`, and a directory deleted and made
 * again as the xattr `trusted.overlay.opaque=y`, which becomes the marker
 * `DIR/.wh..wh..opq` after the directory's own entry. Everything else is
 * new or changed and goes in as it is: directories, files (a second name
 * of an inode already written as a hard link to the first), symlinks.
 * Device nodes, FIFOs and sockets are left out (containers get their own
 * /dev). A file's capabilities (`security.capability`) go in as a pax
 * `SCHILY.xattr` record, as Docker's diff writes them. Entries are sorted by name, so the same tree gives the same tar.
 *
 * A directory that is in the upper directory only because something under
 * it was (overlay copies parents up), when all of that is left out (the
 * engine's mount-point files), is left out too, unless it is new, opaque
 * or has another owner or mode than below: a container that changed
 * nothing gives an empty tar, as Docker's, whose container layer never
 * holds those files.
 *
 * A running container changes its upper directory while it is read, and
 * may swap a file or a directory for a symlink to a host path at any
 * moment: the upper directory is walked through descriptors
 * (rootfs/layer_tree.ts), each name looked up once under its parent's,
 * files opened O_NOFOLLOW and kept only if fstat says regular; an entry
 * that is gone or changed type by the time it is reached is left out. A
 * file changing size while it is read is cut or padded with zeros to the
 * size its header gave.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { isWhiteout, LayerDir } from "../rootfs/layer_tree.ts";
import { TAR_END, tarHeader, tarPadding } from "./tar_header.ts";

const CHUNK = 1 << 20;

/** The `size` bytes of the open file `fd` (cut or zero-padded to it); closes it. */
function* fileContent(kernel: Kernel, fd: number, size: number): Generator<Uint8Array> {
  try {
    let left = size;
    while (left > 0) {
      const buf = new Uint8Array(Math.min(CHUNK, left));
      const n = kernel.read(fd, buf);
      if (n <= 0) break;
      left -= n;
      yield buf.subarray(0, n);
    }
    if (left > 0) yield new Uint8Array(left);
  } finally {
    kernel.close(fd);
  }
}

/** The entry at `rel` in the lowest layers as the container sees it: the topmost one, unless deleted. */
function lowerInfo(lowerDirs: readonly string[], rel: string): Deno.FileInfo | undefined {
  for (const dir of lowerDirs) {
    const info = lstatOrUndefined(`${dir}/${rel}`);
    if (info) return isWhiteout(info) ? undefined : info;
  }
  return undefined;
}

/** The readlink of `name` in `dir`, or undefined when it is no symlink any more. */
function linkTarget(dir: LayerDir, name: string): string | undefined {
  try {
    return Deno.readLinkSync(dir.at(name));
  } catch {
    return undefined;
  }
}

/**
 * The layer tar of the upper directory `upper` over the image layers
 * `lowerDirs` (top first), without the paths in `exclude` (relative, as
 * `etc/hosts`).
 */
export function overlayDiffTar(
  kernel: Kernel,
  upper: string,
  lowerDirs: readonly string[],
  exclude: ReadonlySet<string>,
): ReadableStream<Uint8Array> {
  const links = new Map<number, string>();
  const keptDirs = new Map<string, boolean>();
  /** Whether directory `dir` (at `rel`) of the upper directory belongs in the tar (see the module comment). */
  function kept(dir: LayerDir, info: Deno.FileInfo, opaque: boolean, rel: string): boolean {
    const known = keptDirs.get(rel);
    if (known !== undefined) return known;
    const below = lowerInfo(lowerDirs, rel);
    let keep = !below?.isDirectory || opaque ||
      below.mode !== info.mode || below.uid !== info.uid || below.gid !== info.gid;
    for (const name of keep ? [] : dir.names()) {
      const path = `${rel}/${name}`;
      if (exclude.has(path)) continue;
      const sub = dir.stat(name);
      if (!sub) continue;
      const child = sub.isDirectory ? dir.child(name) : undefined;
      if (!sub.isDirectory) keep = true;
      else if (child) {
        try {
          keep = kept(child, sub, dir.opaque(name), path);
        } finally {
          child.close();
        }
      }
      if (keep) break;
    }
    keptDirs.set(rel, keep);
    return keep;
  }
  /** The file capabilities of `name` in `dir`, if it has any. */
  function capsOf(dir: LayerDir, name: string): Map<string, Uint8Array> | undefined {
    const caps = kernel.lgetxattr(dir.at(name), "security.capability");
    return caps ? new Map([["security.capability", caps]]) : undefined;
  }
  async function* walk(dir: LayerDir, rel: string): AsyncGenerator<Uint8Array> {
    const names = dir.names().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      if (exclude.has(path)) continue;
      const info = dir.stat(name);
      if (!info) continue; // gone since it was listed
      const base = {
        mode: (info.mode ?? 0) & 0o7777,
        uid: info.uid ?? 0,
        gid: info.gid ?? 0,
        mtime: (info.mtime?.getTime() ?? 0) / 1000,
        size: 0,
      };
      if (isWhiteout(info)) {
        const marker = rel ? `${rel}/.wh.${name}` : `.wh.${name}`;
        yield tarHeader({ ...base, path: marker, type: "file", mode: 0o600 });
      } else if (info.isDirectory) {
        const child = dir.child(name);
        if (!child) continue; // no directory any more
        try {
          const opaque = dir.opaque(name);
          if (!kept(child, info, opaque, path)) continue;
          yield tarHeader({ ...base, path: `${path}/`, type: "dir" });
          if (opaque) {
            yield tarHeader({ ...base, path: `${path}/.wh..wh..opq`, type: "file", mode: 0o600 });
          }
          yield* walk(child, path);
        } finally {
          child.close();
        }
      } else if (info.isSymlink) {
        const linkname = linkTarget(dir, name);
        if (linkname !== undefined) yield tarHeader({ ...base, path, type: "symlink", linkname });
      } else if (info.isFile) {
        const first = info.nlink !== null && info.nlink > 1 && info.ino !== null
          ? links.get(info.ino)
          : undefined;
        if (first !== undefined) {
          yield tarHeader({ ...base, path, type: "hardlink", linkname: first });
          continue;
        }
        const fd = dir.openFile(name);
        if (fd === undefined) continue; // no regular file any more
        if (info.nlink !== null && info.nlink > 1 && info.ino !== null) links.set(info.ino, path);
        yield tarHeader({
          ...base,
          path,
          type: "file",
          size: info.size,
          xattrs: capsOf(dir, name),
        });
        yield* fileContent(kernel, fd, info.size);
        yield tarPadding(info.size);
      }
    }
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    const root = LayerDir.openRoot(kernel, upper);
    try {
      yield* walk(root, "");
    } finally {
      root.close();
    }
    yield TAR_END;
  }
  return ReadableStream.from(all());
}
