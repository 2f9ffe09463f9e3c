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
 * A file changing size while it is read (a running container) is cut or
 * padded with zeros to the size its header gave.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { TAR_END, tarHeader, tarPadding } from "./tar_header.ts";

const CHUNK = 1 << 20;

function isWhiteout(info: Deno.FileInfo): boolean {
  return info.isCharDevice === true && info.rdev === 0;
}

function isOpaque(kernel: Kernel, path: string): boolean {
  const value = kernel.lgetxattr(path, "trusted.overlay.opaque");
  return value !== null && new TextDecoder().decode(value) === "y";
}

/** The `size` bytes of the file at `path` (cut or zero-padded to it). */
async function* fileContent(path: string, size: number): AsyncGenerator<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    let left = size;
    while (left > 0) {
      const buf = new Uint8Array(Math.min(CHUNK, left));
      const n = await file.read(buf);
      if (n === null) break;
      left -= n;
      yield buf.subarray(0, n);
    }
    if (left > 0) yield new Uint8Array(left);
  } finally {
    file.close();
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
  /** Whether directory `rel` of the upper directory belongs in the tar (see the module comment). */
  function kept(rel: string): boolean {
    const known = keptDirs.get(rel);
    if (known !== undefined) return known;
    const info = Deno.lstatSync(`${upper}/${rel}`);
    const below = lowerInfo(lowerDirs, rel);
    let keep = !below?.isDirectory || isOpaque(kernel, `${upper}/${rel}`) ||
      below.mode !== info.mode || below.uid !== info.uid || below.gid !== info.gid;
    if (!keep) {
      for (const entry of Deno.readDirSync(`${upper}/${rel}`)) {
        const path = `${rel}/${entry.name}`;
        if (exclude.has(path)) continue;
        if (!entry.isDirectory || kept(path)) {
          keep = true;
          break;
        }
      }
    }
    keptDirs.set(rel, keep);
    return keep;
  }
  /** The file capabilities of `path`, if it has any. */
  function capsOf(path: string): Map<string, Uint8Array> | undefined {
    const caps = kernel.lgetxattr(path, "security.capability");
    return caps ? new Map([["security.capability", caps]]) : undefined;
  }
  async function* walk(rel: string): AsyncGenerator<Uint8Array> {
    const names = [...Deno.readDirSync(rel ? `${upper}/${rel}` : upper)].map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      if (exclude.has(path)) continue;
      const full = `${upper}/${path}`;
      const info = Deno.lstatSync(full);
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
        if (!kept(path)) continue;
        yield tarHeader({ ...base, path: `${path}/`, type: "dir" });
        if (isOpaque(kernel, full)) {
          yield tarHeader({ ...base, path: `${path}/.wh..wh..opq`, type: "file", mode: 0o600 });
        }
        yield* walk(path);
      } else if (info.isSymlink) {
        yield tarHeader({ ...base, path, type: "symlink", linkname: Deno.readLinkSync(full) });
      } else if (info.isFile) {
        const first = info.nlink !== null && info.nlink > 1 && info.ino !== null
          ? links.get(info.ino)
          : undefined;
        if (first !== undefined) {
          yield tarHeader({ ...base, path, type: "hardlink", linkname: first });
          continue;
        }
        if (info.nlink !== null && info.nlink > 1 && info.ino !== null) links.set(info.ino, path);
        yield tarHeader({ ...base, path, type: "file", size: info.size, xattrs: capsOf(full) });
        yield* fileContent(full, info.size);
        yield tarPadding(info.size);
      }
    }
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    yield* walk("");
    yield TAR_END;
  }
  return ReadableStream.from(all());
}
