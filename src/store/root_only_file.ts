/**
 * Reading a cached file that decides a container's confinement (a compiled
 * seccomp program, a converted profile): it is used only when nobody but
 * root can have written it. Opened with O_NOFOLLOW (a symlink is not
 * followed elsewhere) and O_NONBLOCK (a FIFO in its place must not hang a
 * start), then, on that open file: a regular file owned by root with no
 * group or other permission bits, whose size the caller accepts. Anything
 * else is removed (a debug line says why) and the caller makes it again:
 * a file planted or damaged under a state root never widens a filter, nor
 * fails a start.
 *
 * @module
 */

import {
  O_CLOEXEC,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_RDONLY,
  S_IFMT,
  S_IFREG,
} from "../../ffi/constants.ts";
import { Errno, SyscallError } from "../../ffi/errno.ts";
import type { FileStatus, Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";

/** What a cached file is, for the debug lines: `what` ("program"), its debug topic. */
export interface CachedKind {
  what: string;
  topic: string;
  /** Why a file of `size` bytes cannot be one; undefined when it can. */
  badSize: (size: number) => string | undefined;
}

/** Why the open file `st` is not to be trusted, or undefined when it is. */
function untrusted(st: FileStatus, kind: CachedKind): string | undefined {
  if ((st.mode & S_IFMT) !== S_IFREG) return "not a regular file";
  if (st.uid !== 0) return `owned by uid ${st.uid}, not root`;
  const mode = st.mode & 0o7777;
  if (mode & 0o077) return `mode ${mode.toString(8).padStart(4, "0")}, not root-only`;
  return kind.badSize(st.size);
}

/**
 * The contents of the cached file at `path` when it passes every check
 * (module doc); undefined when there is none, or when it failed one and
 * was removed.
 */
export function readRootOnlyFile(
  kernel: Kernel,
  path: string,
  kind: CachedKind,
): Uint8Array | undefined {
  let fd: number;
  try {
    fd = kernel.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  } catch (err) {
    if (!(err instanceof SyscallError)) throw err;
    if (err.errno === Errno.ENOENT) return undefined;
    if (err.errno !== Errno.ELOOP) throw err;
    return discardCached(path, kind, "a symlink");
  }
  try {
    const st = kernel.fstat(fd);
    const why = untrusted(st, kind);
    if (why !== undefined) return discardCached(path, kind, why);
    const data = new Uint8Array(st.size);
    let size = 0;
    for (let n; size < data.length && (n = kernel.read(fd, data.subarray(size))) > 0;) {
      size += n;
    }
    // Only a write while it was read makes it shorter: make it again rather than guess.
    if (size !== data.length) return discardCached(path, kind, `cut short at ${size} bytes`);
    return data;
  } finally {
    kernel.close(fd);
  }
}

/** Removes the cached file at `path`, which failed a check (`why`); the caller makes it again. */
export function discardCached(path: string, kind: CachedKind, why: string): undefined {
  debug(kind.topic, `cached ${kind.what} ${path} is ${why}: removed, made again`);
  try {
    // recursive: a directory in its place goes too (a symlink is removed, not followed).
    Deno.removeSync(path, { recursive: true });
  } catch (err) {
    // Another start found it first.
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return undefined;
}
