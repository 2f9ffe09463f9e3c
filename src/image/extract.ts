/**
 * Safe extraction of a rootfs tarball into a directory. An archive is
 * untrusted input, and extraction runs as root, so:
 *
 * - absolute paths are made relative to the target (as Docker does), and a
 *   `..` component anywhere rejects the archive;
 * - no entry is ever written *through* a symlink: every parent directory of
 *   an entry is checked with lstat, so an archive that plants `etc -> /etc`
 *   and then writes `etc/passwd` is rejected instead of writing the host's;
 * - an existing entry is removed before a new one takes its place, and new
 *   files are created with O_EXCL, so a planted symlink is replaced, never
 *   followed;
 * - a hard link must name an entry inside the target (checked the same
 *   way), and links to the entry itself, not to what a symlink points at;
 * - owners, permission bits (setuid/setgid/sticky included: images such as
 *   busybox's rely on them) and mtimes are kept, applied without following
 *   symlinks; device nodes and FIFOs are skipped (every container gets its
 *   own /dev) and reported.
 *
 * A registry layer (`layer` given) is a changeset (OCI image spec, "Applying
 * changesets"), kept in overlayfs's form so layers stack as lowerdirs: a
 * whiteout `DIR/.wh.NAME` becomes a 0:0 character device `DIR/NAME`, an
 * opaque marker `DIR/.wh..wh..opq` the xattr `trusted.overlay.opaque=y` on
 * DIR; the markers themselves are never written, and every path check above
 * applies to them as to any entry. A layer's files and directories also get
 * their extended attributes (pax `SCHILY.xattr.*`) where the filesystem
 * allows: file capabilities and `user.*` only.
 *
 * @module
 */

import { AT_FDCWD, S_IFCHR } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { debug } from "../debug.ts";
import { readTar, type TarEntry, type TarEntryType, type TarTap } from "./_tar_reader.ts";

/** The archive tried to write outside its target. */
export class UnsafeArchiveError extends Error {
  constructor(readonly entry: string, why: string) {
    super(`refusing archive entry "${entry}": ${why}`);
    this.name = "UnsafeArchiveError";
  }
}

/** What an extraction wrote. */
export interface ExtractResult {
  entries: number;
  /** Bytes of regular file content. */
  size: number;
  /** Entries not extracted (devices, FIFOs), with their type. */
  skipped: { path: string; type: TarEntryType }[];
}

/** The components of an archive path, relative to the target; throws on `..`. */
export function entryComponents(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new UnsafeArchiveError(path, "path contains '..'");
  return parts;
}

/**
 * Makes sure every parent of `parts` under `target` is a real directory
 * (creating missing ones) and none is a symlink. Returns the full path.
 */
function safePath(target: string, parts: string[], entry: string, create: boolean): string {
  let dir = target;
  for (const part of parts.slice(0, -1)) {
    dir = `${dir}/${part}`;
    const info = lstatOrUndefined(dir);
    if (info === undefined && create) Deno.mkdirSync(dir, { mode: 0o755 });
    else if (info?.isSymlink) {
      throw new UnsafeArchiveError(entry, `'${dir.slice(target.length + 1)}' is a symlink`);
    } else if (info && !info.isDirectory) {
      throw new UnsafeArchiveError(entry, `'${dir.slice(target.length + 1)}' is not a directory`);
    } else if (info === undefined) {
      throw new UnsafeArchiveError(entry, `'${dir.slice(target.length + 1)}' does not exist`);
    }
  }
  return `${dir}/${parts[parts.length - 1]}`;
}

/** Removes whatever is at `path` unless it is a directory and `keepDir`. */
function clear(path: string, keepDir: boolean): void {
  const info = lstatOrUndefined(path);
  if (info === undefined || (keepDir && info.isDirectory)) return;
  Deno.removeSync(path, { recursive: info.isDirectory });
}

async function writeFile(path: string, entry: TarEntry): Promise<void> {
  const file = Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
  try {
    for await (const chunk of entry.chunks()) {
      let off = 0;
      while (off < chunk.length) off += file.writeSync(chunk.subarray(off));
    }
  } finally {
    file.close();
  }
}

/**
 * The extended attributes a layer may set: file capabilities and the
 * `user.` namespace. Never `trusted.` (overlayfs keeps its own there: a
 * layer must not plant opaque markers or redirects) nor `security.` labels
 * other than capabilities (another host's policy).
 */
function allowedXattr(name: string): boolean {
  return name === "security.capability" || name.startsWith("user.");
}

/** Sets `entry`'s allowed xattrs on `path`; one the filesystem or kernel refuses is skipped. */
function applyXattrs(kernel: Kernel, path: string, entry: TarEntry): void {
  for (const [name, value] of entry.xattrs) {
    if (!allowedXattr(name)) {
      debug("image", `${entry.path}: xattr ${name} not applied (not a layer's to set)`);
      continue;
    }
    try {
      kernel.lsetxattr(path, name, value);
    } catch (err) {
      debug("image", `${entry.path}: xattr ${name} not applied: ${(err as Error).message}`);
    }
  }
}

/**
 * Owner, then mode (chown clears setuid bits), then a layer's xattrs (chown
 * clears file capabilities too), then times; never on a symlink.
 */
function applyMetadata(path: string, entry: TarEntry, kernel?: Kernel): void {
  Deno.chownSync(path, entry.uid, entry.gid);
  Deno.chmodSync(path, entry.mode);
  if (kernel) applyXattrs(kernel, path, entry);
  Deno.utimeSync(path, entry.mtime, entry.mtime);
}

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

/** Applies a whiteout marker entry in overlayfs's form; false when `parts` is not one. */
function applyWhiteout(kernel: Kernel, target: string, parts: string[], entry: TarEntry): boolean {
  const name = parts[parts.length - 1];
  if (!name.startsWith(WHITEOUT)) return false;
  const marker = safePath(target, parts, entry.path, true);
  const dir = marker.slice(0, marker.length - name.length - 1);
  if (name === OPAQUE) {
    kernel.lsetxattr(dir, "trusted.overlay.opaque", OPAQUE_VALUE);
    return true;
  }
  // `.wh..wh.*` other than the opaque marker are the writer's own: never materialised.
  if (name.startsWith(`${WHITEOUT}${WHITEOUT}`)) return true;
  const hidden = name.slice(WHITEOUT.length);
  if (hidden === "" || hidden === "." || hidden === "..") {
    throw new UnsafeArchiveError(entry.path, "whiteout of no name");
  }
  clear(`${dir}/${hidden}`, false);
  kernel.mknod(`${dir}/${hidden}`, S_IFCHR, 0, 0);
  return true;
}

const OPAQUE_VALUE = new TextEncoder().encode("y");

/** Options of `extractTar`. */
export interface ExtractOptions {
  /** The archive is a registry layer: apply its whiteouts in overlayfs's form, with this kernel. */
  layer?: Kernel;
  /** Sees the archive's bytes (a layer's tar record is written from it). */
  tap?: TarTap;
}

/** Extracts the tar archive in `stream` into the existing directory `target`. */
export async function extractTar(
  stream: ReadableStream<Uint8Array>,
  target: string,
  opts: ExtractOptions = {},
): Promise<ExtractResult> {
  const result: ExtractResult = { entries: 0, size: 0, skipped: [] };
  const dirs: { parts: string[]; entry: TarEntry }[] = [];
  for await (const entry of readTar(stream, opts.tap)) {
    const parts = entryComponents(entry.path);
    if (parts.length === 0) continue; // the archive's "./": the target itself
    result.entries++;
    if (opts.layer && applyWhiteout(opts.layer, target, parts, entry)) continue;
    if (entry.type === "char" || entry.type === "block" || entry.type === "fifo") {
      result.skipped.push({ path: parts.join("/"), type: entry.type });
      continue;
    }
    const path = safePath(target, parts, entry.path, true);
    clear(path, entry.type === "dir");
    switch (entry.type) {
      case "dir":
        if (!lstatOrUndefined(path)) Deno.mkdirSync(path, { mode: 0o700 });
        dirs.push({ parts, entry });
        break;
      case "file":
        await writeFile(path, entry);
        applyMetadata(path, entry, opts.layer);
        result.size += entry.size;
        break;
      case "symlink":
        Deno.symlinkSync(entry.linkname, path);
        // A layer's link keeps its own owner and time, as Docker's (its parents are checked
        // above, and the link itself is not followed).
        if (opts.layer) {
          const mtime = new Date(entry.mtime * 1000);
          opts.layer.lchownAt(AT_FDCWD, path, entry.uid, entry.gid);
          opts.layer.lutimesAt(AT_FDCWD, path, mtime, mtime);
        }
        break;
      case "hardlink": {
        const linkParts = entryComponents(entry.linkname);
        const existing = safePath(target, linkParts, entry.path, false);
        const info = lstatOrUndefined(existing);
        if (!info || info.isDirectory) {
          throw new UnsafeArchiveError(
            entry.path,
            `hard link to missing or directory '${entry.linkname}'`,
          );
        }
        Deno.linkSync(existing, path);
        break;
      }
    }
  }
  // Directories last, deepest first: writing their children changed their mtime.
  for (const { parts, entry } of dirs.reverse()) {
    const path = safePath(target, parts, entry.path, false);
    if (lstatOrUndefined(path)?.isDirectory) applyMetadata(path, entry, opts.layer);
  }
  if (result.skipped.length) {
    debug(
      "image",
      `skipped ${result.skipped.length} device/FIFO entries (containers get their own /dev)`,
    );
  }
  return result;
}
