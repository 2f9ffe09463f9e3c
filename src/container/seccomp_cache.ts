/**
 * Compiled seccomp programs, kept under `<root>/seccomp/` by the sha256 of
 * what they were made from (the profile, the container's capabilities,
 * the host's architecture and kernel release), so libseccomp's ~17 ms run
 * once per profile and not on every start. A file is written atomically
 * and root-only; a missing one is compiled again, and a full disk only
 * costs the cache, never the start.
 *
 * What the init installs is the container's confinement, so a cached file
 * is used only when nobody but root can have written it and it can be a
 * program at all: opened with O_NOFOLLOW (a symlink is not followed
 * elsewhere), then, on that open file, a regular file owned by root with
 * no group or other permission bits, of a non-zero whole number of 8-byte
 * instructions, at most the kernel's 4096 (BPF_MAXINSNS). Anything else is
 * removed and compiled again (a debug line says why): a file planted or
 * damaged under the state root never widens a filter, nor fails a start.
 *
 * @module
 */

import { bpfLength } from "../../ffi/bpf_length.ts";
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
import { UserError } from "../errors.ts";
import type { LinuxSeccomp } from "../oci/spec.ts";
import { writeFileAtomic } from "../store/atomic.ts";
import { unlessDiskFull } from "../store/disk_full.ts";
import type { StateRoot } from "../store/paths.ts";

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** BPF_MAXINSNS: the most instructions the kernel takes in one filter. */
const MAX_INSTRUCTIONS = 4096;

/** Why the open file `st` is no program to trust, or undefined when it is one. */
function untrusted(st: FileStatus): string | undefined {
  if ((st.mode & S_IFMT) !== S_IFREG) return "not a regular file";
  if (st.uid !== 0) return `owned by uid ${st.uid}, not root`;
  const mode = st.mode & 0o7777;
  if (mode & 0o077) return `mode ${mode.toString(8).padStart(4, "0")}, not root-only`;
  if (st.size === 0 || st.size % 8 !== 0) {
    return `${st.size} bytes, not a whole number of 8-byte instructions`;
  }
  if (st.size > MAX_INSTRUCTIONS * 8) {
    return `${st.size / 8} instructions, over the kernel's ${MAX_INSTRUCTIONS}`;
  }
}

/**
 * The cached program at `path` when it passes every check (module doc);
 * undefined when there is none, or when it failed one and was removed.
 */
function readCachedProgram(kernel: Kernel, path: string): Uint8Array | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO in its place must not hang the start (no effect on a file).
    fd = kernel.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  } catch (err) {
    if (!(err instanceof SyscallError)) throw err;
    if (err.errno === Errno.ENOENT) return undefined;
    if (err.errno !== Errno.ELOOP) throw err;
    return discard(path, "a symlink");
  }
  try {
    const st = kernel.fstat(fd);
    const why = untrusted(st);
    if (why !== undefined) return discard(path, why);
    const program = new Uint8Array(st.size);
    let size = 0;
    for (let n; size < program.length && (n = kernel.read(fd, program.subarray(size))) > 0;) {
      size += n;
    }
    // Only a write while it was read makes it shorter: compile rather than guess.
    if (size !== program.length) return discard(path, `cut short at ${size} bytes`);
    debug("seccomp", `cached program ${path}: ${bpfLength(program)}, root-only`);
    return program;
  } finally {
    kernel.close(fd);
  }
}

/** Removes the cached file at `path`, which failed a check; it is compiled again. */
function discard(path: string, why: string): undefined {
  debug("seccomp", `cached program ${path} is ${why}: removed, compiling it again`);
  try {
    // recursive: a directory in its place goes too (a symlink is removed, not followed).
    Deno.removeSync(path, { recursive: true });
  } catch (err) {
    // Another start found it first.
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return undefined;
}

/**
 * The BPF program of the filter `build()` makes; `source` is everything
 * the filter depends on (it names the cached program).
 */
export async function seccompProgram(
  root: StateRoot,
  kernel: Kernel,
  source: unknown,
  build: () => Promise<LinuxSeccomp>,
): Promise<Uint8Array> {
  const key = await sha256(JSON.stringify([source, Deno.build.arch, Deno.osRelease()]));
  const path = `${root.seccompPrograms}/${key}.bpf`;
  const cached = readCachedProgram(kernel, path);
  if (cached !== undefined) return cached;
  let program: Uint8Array;
  try {
    // libseccomp and the compiler load only now, on a miss.
    const { compileSeccompProgram } = await import("../security/seccomp_program.ts");
    program = compileSeccompProgram(kernel, await build());
  } catch (err) {
    if (!(err instanceof Error && err.name === "LibseccompMissingError")) throw err;
    throw new UserError(
      `dockergsh: seccomp confinement needs libseccomp: ${err.message}; ` +
        `or run with --security-opt seccomp=unconfined`,
    );
  }
  unlessDiskFull(`keep the seccomp program ${path}`, () => {
    Deno.mkdirSync(root.seccompPrograms, { recursive: true, mode: 0o700 });
    writeFileAtomic(path, program);
  });
  debug("seccomp", `compiled with libseccomp: ${bpfLength(program)}, kept as ${path}`);
  return program;
}
