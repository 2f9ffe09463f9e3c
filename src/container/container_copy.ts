/**
 * `cp`: files between a container and the host, as Docker's `docker cp`.
 *
 * Where the container's root is: for a running container, the kernel's
 * view of its PID 1's root (`/proc/<pid>/root`, with its mounts: binds,
 * tmpfs), pinned as a descriptor and checked to belong to the recorded
 * process; for a stopped one, its overlay mounted in a mount namespace of
 * this process's own (unshared on the main thread, where every
 * synchronous file operation runs), so nothing is left mounted on the host
 * whatever happens: the namespace dies with the process. Copying out of a
 * stopped container mounts it read-only (its upper directory as the top
 * lower layer); copying in mounts it with its upper directory, as a start
 * would (a `start` of the same container during the copy is refused by
 * nothing here: the copy may then be lost, as the two overlays share it).
 *
 * Every path inside the container is resolved with openat2
 * RESOLVE_IN_ROOT (a symlink, absolute or `..`, stays inside the root),
 * and below that only single names are used under open directory
 * descriptors, never a host path that a container's symlink could
 * redirect; ownership, mode and times are set through the descriptor of
 * the file made, never through a path.
 *
 * @module
 */

import {
  CLONE_NEWNS,
  MNT_DETACH,
  MS_BIND,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  O_CLOEXEC,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_PATH,
  O_WRONLY,
} from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { UserError } from "../errors.ts";
import { ImageStore } from "../image/store.ts";
import type { TarEntry } from "../image/_tar_reader.ts";
import { isSameProcess } from "../process/proc.ts";
import { makeMountsPrivate } from "../rootfs/overlay.ts";
import { secureJoin } from "../rootfs/secure_join.ts";
import { lstatOrUndefined, statOrUndefined } from "../_fs.ts";
import type { StateRoot } from "../store/paths.ts";
import { containerPaths } from "./paths.ts";
import { assertUpperIntact, prepareUpper } from "./volatile_upper.ts";
import { addFile, headerOf, tarKind } from "./container_export.ts";
import type { ContainerRecord } from "./record.ts";
import { LayerDir } from "../rootfs/layer_tree.ts";
import { TarWriter } from "./_tar_writer.ts";

/** Docker's CLI exits 1 on every cp failure. */
const FAILED = 1;

/** The container's root as this process can reach it. */
export interface ContainerRootView {
  /** A path that names the container's "/" (a /proc magic link or a private mount). */
  path: string;
  close(): void;
}

let privateNamespace = false;

/** Moves this process's main thread into a mount namespace of its own (once). */
function enterPrivateMountNamespace(kernel: Kernel): void {
  if (privateNamespace) return;
  kernel.unshare(CLONE_NEWNS);
  makeMountsPrivate(kernel);
  privateNamespace = true;
}

/** Opens `record`'s root: writable when files are to be copied in. */
export function openContainerRoot(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  writable: boolean,
): ContainerRootView {
  const { state } = record;
  if (state.status === "running") {
    const fd = kernel.open(`/proc/${state.pid}/root`, O_PATH | O_DIRECTORY | O_CLOEXEC);
    // Opened first, checked after: the descriptor is then surely the recorded process's root.
    if (!isSameProcess(state.pid, state.pidStartTime)) {
      kernel.close(fd);
      throw new UserError(
        `Error response from daemon: Container ${record.id} is not running`,
        FAILED,
      );
    }
    return { path: `/proc/self/fd/${fd}`, close: () => kernel.close(fd) };
  }
  if (writable) prepareUpper(root, kernel, record.id, false);
  else assertUpperIntact(root, record.id);
  enterPrivateMountNamespace(kernel);
  const paths = containerPaths(root, record.id);
  const lowers = new ImageStore(root).layerDirs(record.config.imageId);
  const data = writable
    ? `lowerdir=${lowers.join(":")},upperdir=${paths.upper},workdir=${paths.work}`
    : `lowerdir=${[paths.upper, ...lowers].join(":")}`;
  kernel.mount("overlay", paths.merged, "overlay", writable ? 0 : MS_RDONLY, data);
  // As the container sees them when it runs (and Docker's cp of a stopped one): the engine's files.
  const etcFiles: Array<[string, string]> = [
    [paths.hostname, "/etc/hostname"],
    [paths.hosts, "/etc/hosts"],
    [paths.resolvConf, "/etc/resolv.conf"],
  ];
  for (const [source, inContainer] of etcFiles) {
    // Nothing runs in the container: the resolved path cannot change under us.
    const target = secureJoin(paths.merged, inContainer);
    if (lstatOrUndefined(target)?.isFile && lstatOrUndefined(source)?.isFile) {
      kernel.mount(source, target, null, MS_BIND);
    }
  }
  // Its volumes and binds too, as Docker's cp of a stopped container has them. A missing
  // directory mount point is made for a copy in (a start would make it in the same upper
  // layer); a copy out sees only those that exist. Read-only ones stay read-only.
  for (const bind of record.config.binds) {
    const target = secureJoin(paths.merged, bind.destination);
    const source = lstatOrUndefined(bind.source);
    if (writable && source?.isDirectory && !lstatOrUndefined(target)) {
      Deno.mkdirSync(target, { recursive: true, mode: 0o755 });
    }
    const at = lstatOrUndefined(target);
    if (!source || !at || source.isDirectory !== at.isDirectory || at.isSymlink) continue;
    kernel.mount(bind.source, target, null, MS_BIND | MS_REC);
    if (bind.readOnly || !writable) {
      kernel.mount(null, target, null, MS_REMOUNT | MS_BIND | MS_RDONLY);
    }
  }
  return { path: paths.merged, close: () => kernel.umount2(paths.merged, MNT_DETACH) };
}

/** A path's parent and last name, POSIX-style ("/a/b" → ["/a", "b"]; "/" → ["/", "."]). */
export function splitPath(path: string): [string, string] {
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return ["/", "."];
  const slash = trimmed.lastIndexOf("/");
  if (slash < 0) return [".", trimmed];
  return [trimmed.slice(0, slash) || "/", trimmed.slice(slash + 1)];
}

/** Opens directory `path` inside the container's root, every symlink resolved inside it. */
function openDirInRoot(
  kernel: Kernel,
  view: ContainerRootView,
  path: string,
): LayerDir | undefined {
  try {
    return LayerDir.openIn(kernel, view.path, path);
  } catch (err) {
    if (err instanceof SyscallError) return undefined;
    throw err;
  }
}

/** What `path` names in the container: its parent directory and name (the name not followed). */
interface Located {
  parent: LayerDir;
  name: string;
  info: Deno.FileInfo;
}

function locate(kernel: Kernel, view: ContainerRootView, path: string): Located | undefined {
  const [dir, name] = splitPath(path.startsWith("/") ? path : `/${path}`);
  if (name === "." || name === "..") {
    // The directory itself: its own parent's view of it.
    const self = openDirInRoot(kernel, view, path);
    if (!self) return undefined;
    return { parent: self, name: ".", info: Deno.statSync(self.at("")) };
  }
  const parent = openDirInRoot(kernel, view, dir);
  const info = parent?.stat(name);
  if (!parent || !info) {
    parent?.close();
    return undefined;
  }
  return { parent, name, info };
}

/** Symlinks followed in a row before giving up, as the kernel's ELOOP limit. */
const MAX_LINKS = 40;

/**
 * `found` with a final symlink followed inside the container's root (`cp
 * -L`), as often as it takes; undefined when a link points at nothing.
 * Each target is located afresh, so every component resolves inside the
 * root as any path does.
 */
function followFinalLinks(
  kernel: Kernel,
  view: ContainerRootView,
  path: string,
  found: Located,
): Located | undefined {
  let current = found;
  let at = path;
  for (let i = 0; current.info.isSymlink; i++) {
    const target = Deno.readLinkSync(current.parent.at(current.name));
    current.parent.close();
    if (i === MAX_LINKS) return undefined;
    at = target.startsWith("/") ? target : `${splitPath(at)[0]}/${target}`;
    const next = locate(kernel, view, at);
    if (!next) return undefined;
    current = next;
  }
  return current;
}

function noSuchPath(ref: string, path: string): UserError {
  return new UserError(`Error: No such container:path: ${ref}:${path}`, FAILED);
}

// ------------------------------------------------------------ copying out

/** Writes the tree at `name` in `dir` to `tar` as `as`. */
function tarTree(kernel: Kernel, tar: TarWriter, dir: LayerDir, name: string, as: string): void {
  const info = name === "." ? Deno.statSync(dir.at("")) : dir.stat(name);
  const kind = info && tarKind(info);
  if (!info || !kind) return;
  const header = headerOf(as, info, kind);
  if (kind === "symlink") tar.add({ ...header, linkname: Deno.readLinkSync(dir.at(name)) });
  else if (kind === "file") addFile(kernel, tar, dir, name, header);
  else tar.add(header);
  if (kind !== "dir") return;
  const child = name === "." ? dir : dir.child(name);
  if (!child) return;
  try {
    for (const n of child.names().sort()) tarTree(kernel, tar, child, n, `${as}/${n}`);
  } finally {
    if (child !== dir) child.close();
  }
}

/** Writes `srcPath` of the container as a tar archive (`docker cp [-L] C:SRC -`). */
export function tarFromContainer(
  kernel: Kernel,
  view: ContainerRootView,
  ref: string,
  srcPath: string,
  sink: (data: Uint8Array) => void,
  followLink = false,
): void {
  const named = locate(kernel, view, srcPath);
  const found = named && followLink ? followFinalLinks(kernel, view, srcPath, named) : named;
  if (!found) throw noSuchPath(ref, srcPath);
  try {
    const tar = new TarWriter(sink);
    // `C:/dir/.` (the contents) is written from ".", a plain `C:/dir` from its name (a followed
    // link's own name, as Docker's -L).
    const as = found.name === "." ? splitPath(srcPath)[1] : named!.name;
    tarTree(kernel, tar, found.parent, found.name, as);
    tar.finish();
  } finally {
    found.parent.close();
  }
}

/** Copies entry `name` of container directory `dir` to host path `dest`. */
function copyEntryOut(kernel: Kernel, dir: LayerDir, name: string, dest: string): void {
  const info = name === "." ? Deno.statSync(dir.at("")) : dir.stat(name);
  if (!info) return;
  const existing = lstatOrUndefined(dest);
  if (existing && !(existing.isDirectory && info.isDirectory)) Deno.removeSync(dest);
  if (info.isDirectory) {
    if (!existing?.isDirectory) Deno.mkdirSync(dest, { mode: 0o700 });
    const child = name === "." ? dir : dir.child(name);
    if (child) {
      try {
        for (const n of child.names().sort()) copyEntryOut(kernel, child, n, `${dest}/${n}`);
      } finally {
        if (child !== dir) child.close();
      }
    }
    Deno.chmodSync(dest, (info.mode ?? 0o755) & 0o7777);
  } else if (info.isSymlink) {
    Deno.symlinkSync(Deno.readLinkSync(dir.at(name)), dest);
    return;
  } else if (info.isFile) {
    // Not a regular file any more (the container swapped it): nothing of it is read.
    if (!dir.copyFileTo(name, dest)) return;
    Deno.chmodSync(dest, (info.mode ?? 0o644) & 0o7777);
  } else {
    return; // devices, fifos, sockets: Docker copies them as tar entries only
  }
  if (info.mtime) Deno.utimeSync(dest, info.atime ?? info.mtime, info.mtime);
}

/**
 * Copies `srcPath` of the container to `hostDest` (`docker cp [-L] C:SRC DEST`):
 * into DEST when it is a directory, else as DEST (its parent must exist).
 * Files are made by this process's user, as Docker's CLI does.
 */
export function copyToHost(
  kernel: Kernel,
  view: ContainerRootView,
  ref: string,
  srcPath: string,
  hostDest: string,
  followLink = false,
): void {
  const named = locate(kernel, view, srcPath);
  const found = named && followLink ? followFinalLinks(kernel, view, srcPath, named) : named;
  if (!found) throw noSuchPath(ref, srcPath);
  try {
    // Named as the source path names it, a followed link too (Docker's -L).
    const target = hostTarget(hostDest, { ...found, name: found.name === "." ? "." : named!.name });
    copyEntryOut(kernel, found.parent, found.name, target);
  } finally {
    found.parent.close();
  }
}

/** Where on the host a copy of `found` lands for the destination `hostDest`. */
function hostTarget(hostDest: string, found: Located): string {
  const dest = statOrUndefined(hostDest);
  if (dest?.isDirectory) {
    return found.name === "." ? hostDest : `${hostDest.replace(/\/+$/, "")}/${found.name}`;
  }
  if (found.info.isDirectory && dest) {
    throw new UserError(`cannot copy directory to existing file: ${hostDest}`, FAILED);
  }
  const [parent] = splitPath(hostDest);
  if (!statOrUndefined(parent)?.isDirectory) {
    throw new UserError(`invalid output path: directory "${parent}" does not exist`, FAILED);
  }
  if (!dest && hostDest.endsWith("/")) {
    throw new UserError(`invalid output path: directory "${hostDest}" does not exist`, FAILED);
  }
  return hostDest;
}

// ------------------------------------------------------------- copying in

/** Sets owner, mode and times of the file open on `fd` (never through a path). */
function setAttributes(fd: number, entry: TarEntry): void {
  const self = `/proc/self/fd/${fd}`;
  Deno.chownSync(self, entry.uid, entry.gid);
  Deno.chmodSync(self, entry.mode & 0o7777);
  Deno.utimeSync(self, entry.mtime, entry.mtime);
}

/** Removes what is at `name` in `dir` unless both it and the new entry are directories. */
function clearFor(dir: LayerDir, name: string, isDir: boolean): boolean {
  const existing = dir.stat(name);
  if (!existing) return false;
  if (existing.isDirectory && isDir) return true;
  if (existing.isDirectory) {
    throw new UserError(
      `Error response from daemon: cannot overwrite directory "${name}" with non-directory`,
      FAILED,
    );
  }
  Deno.removeSync(dir.at(name));
  return false;
}

async function writeEntryContent(kernel: Kernel, fd: number, entry: TarEntry): Promise<void> {
  for await (const chunk of entry.chunks()) {
    for (let off = 0; off < chunk.length;) off += kernel.write(fd, chunk.subarray(off));
  }
}

/** Creates one tar entry under `destDir`; its parent is resolved inside `destDir`. */
async function extractEntry(
  kernel: Kernel,
  destDir: LayerDir,
  entry: TarEntry,
  path: string[],
): Promise<void> {
  const name = path.at(-1)!;
  const parent = path.length > 1 ? destDir.childPath(path.slice(0, -1).join("/")) : destDir;
  if (!parent) {
    throw new UserError(
      `Error response from daemon: extraction point is not a directory: ${path.join("/")}`,
      FAILED,
    );
  }
  try {
    if (entry.type === "dir") {
      if (!clearFor(parent, name, true)) Deno.mkdirSync(parent.at(name), { mode: 0o700 });
      const dir = parent.child(name);
      if (!dir) throw new UserError(`cannot make directory ${path.join("/")}`, FAILED);
      try {
        setAttributes(dir.fd, entry);
      } finally {
        dir.close();
      }
      return;
    }
    clearFor(parent, name, false);
    if (entry.type === "file") {
      const fd = kernel.open(
        parent.at(name),
        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
        0o600,
      );
      try {
        await writeEntryContent(kernel, fd, entry);
        setAttributes(fd, entry);
      } finally {
        kernel.close(fd);
      }
    } else if (entry.type === "symlink") {
      Deno.symlinkSync(entry.linkname, parent.at(name));
      // The link's own owner, as Docker keeps it: fchownat relative to the parent's descriptor,
      // not following the link (a path would follow it, maybe out of the container).
      kernel.lchownAt(parent.fd, name, entry.uid, entry.gid);
      const mtime = new Date(entry.mtime * 1000);
      kernel.lutimesAt(parent.fd, name, mtime, mtime);
    } else if (entry.type === "hardlink") {
      const target = entry.linkname.split("/").filter((c) => c !== "" && c !== ".");
      const targetDir = target.length > 1
        ? destDir.childPath(target.slice(0, -1).join("/"))
        : destDir;
      if (!targetDir) return;
      try {
        Deno.linkSync(targetDir.at(target.at(-1)!), parent.at(name));
      } finally {
        if (targetDir !== destDir) targetDir.close();
      }
    } else if (entry.type === "fifo") {
      kernel.mknod(parent.at(name), 0o010000 | (entry.mode & 0o7777), 0, 0);
    }
    // Device nodes are not made: a container must not gain one by a copy.
  } finally {
    if (parent !== destDir) parent.close();
  }
}

/** The components of a tar entry's path, or undefined for the archive's root ("./"). */
function entryPath(raw: string): string[] | undefined {
  const parts = raw.split("/").filter((c) => c !== "" && c !== ".");
  if (parts.some((c) => c === "..")) {
    throw new UserError(`Error response from daemon: invalid path in archive: ${raw}`, FAILED);
  }
  return parts.length ? parts : undefined;
}

/**
 * Extracts `entries` into container directory `destPath` (resolved inside
 * the root); with `rename`, a first path component `from` becomes `to`.
 */
export async function extractIntoContainer(
  kernel: Kernel,
  view: ContainerRootView,
  destPath: string,
  entries: AsyncIterable<TarEntry>,
  rename?: { from: string; to: string },
): Promise<void> {
  const dest = openDirInRoot(kernel, view, destPath);
  if (!dest) {
    throw new UserError(`Error response from daemon: extraction point is not a directory`, FAILED);
  }
  try {
    for await (const entry of entries) {
      const path = entryPath(entry.path);
      if (!path) continue;
      if (rename && path[0] === rename.from) path[0] = rename.to;
      await extractEntry(kernel, dest, entry, path);
    }
  } finally {
    dest.close();
  }
}

/**
 * Where a copy into the container lands for `destPath`: into it when it is
 * a directory (`dir`, keeping the source's name), else as it (`dir` its
 * parent, `name` the new name).
 */
export function containerTarget(
  kernel: Kernel,
  view: ContainerRootView,
  ref: string,
  destPath: string,
): { dir: string; name?: string } {
  const dir = openDirInRoot(kernel, view, destPath);
  if (dir) {
    dir.close();
    return { dir: destPath };
  }
  const [parent, name] = splitPath(destPath.startsWith("/") ? destPath : `/${destPath}`);
  const parentDir = openDirInRoot(kernel, view, parent);
  if (!parentDir) {
    const found = locate(kernel, view, parent);
    if (found) {
      found.parent.close();
      throw new UserError(
        "Error response from daemon: extraction point is not a directory",
        FAILED,
      );
    }
    throw noSuchPath(ref, parent);
  }
  parentDir.close();
  return { dir: parent, name };
}
