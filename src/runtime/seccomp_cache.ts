/**
 * The runtime's compiled seccomp programs: a spec's `linux.seccomp`
 * compiled with libseccomp (~17 ms) once, then kept as its BPF program in
 * a directory the caller names (the engine's `<root>/seccomp/`,
 * dockergsh-runc's `<--root>/@seccomp/`), by the sha256 of the canonical
 * JSON of `linux.seccomp` (keys sorted) and of `seccompCacheSalt()` (the
 * host's architecture and kernel release, this build, the libseccomp
 * file). So whoever wrote the bundle, the same filter is compiled once per
 * host and build, and the init never loads libseccomp. A file is written
 * atomically and root-only; a full disk only costs the cache, never the
 * start.
 *
 * What the init installs is the container's confinement, so a cached file
 * is used only when nobody but root can have written it
 * (src/store/root_only_file.ts) and it can be a program at all: a non-zero
 * whole number of 8-byte instructions, at most the kernel's 4096
 * (BPF_MAXINSNS). Anything else is removed and compiled again.
 *
 * @module
 */

import { bpfLength } from "../../ffi/bpf_length.ts";
import { LIBSECCOMP } from "../../ffi/seccomp.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import type { LinuxSeccomp } from "../oci/spec.ts";
import { writeFileAtomic } from "../store/atomic.ts";
import { unlessDiskFull } from "../store/disk_full.ts";
import { type CachedKind, readRootOnlyFile } from "../store/root_only_file.ts";
import { sha256Hex } from "../store/sha256.ts";
import { RuntimeError } from "./errors.ts";

/** BPF_MAXINSNS: the most instructions the kernel takes in one filter. */
const MAX_INSTRUCTIONS = 4096;

const PROGRAM: CachedKind = {
  what: "program",
  topic: "seccomp",
  badSize: (size) => {
    if (size === 0 || size % 8 !== 0) {
      return `${size} bytes, not a whole number of 8-byte instructions`;
    }
    if (size > MAX_INSTRUCTIONS * 8) {
      return `${size / 8} instructions, over the kernel's ${MAX_INSTRUCTIONS}`;
    }
  },
};

/** libseccomp is not on this host: a filter cannot be compiled, so the container does not start. */
export class SeccompUnavailableError extends RuntimeError {
  constructor(why: string) {
    super(`seccomp confinement needs libseccomp: ${why}`);
    this.name = "SeccompUnavailableError";
  }
}

/** `value` as JSON with every object's keys sorted: the same filter is the same text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v) =>
      typeof v === "object" && v !== null && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
        : v,
  );
}

/** Where the dynamic loader finds libseccomp on Debian-like hosts (multiarch first). */
const LIBRARY_DIRS = [
  `/usr/lib/${Deno.build.arch}-linux-gnu`,
  `/lib/${Deno.build.arch}-linux-gnu`,
  "/usr/lib64",
  "/usr/lib",
  "/lib",
];

/**
 * What, besides a filter's own text, decides the program made of it: the
 * host (architecture, kernel), this build of dockergsh (its entry module:
 * in the built executable, a path holding the sha256 of its payload) and
 * the libseccomp file (its real name carries its version: an upgrade of
 * either compiles again). Part of every cache key of seccomp's.
 */
export function seccompCacheSalt(): string[] {
  let library = "";
  for (const dir of LIBRARY_DIRS) {
    try {
      library = Deno.realPathSync(`${dir}/${LIBSECCOMP}`);
      break;
    } catch {
      // Not in this directory.
    }
  }
  return [Deno.build.arch, Deno.osRelease(), Deno.mainModule, library];
}

/**
 * The BPF program of `seccomp` (undefined for none), from `cacheDir` or
 * compiled there. Without libseccomp: a SeccompUnavailableError.
 */
export async function seccompProgramFor(
  cacheDir: string,
  kernel: Kernel,
  seccomp: LinuxSeccomp | undefined,
): Promise<Uint8Array | undefined> {
  if (!seccomp) return undefined;
  const key = await sha256Hex(JSON.stringify([canonicalJson(seccomp), ...seccompCacheSalt()]));
  const path = `${cacheDir}/${key}.bpf`;
  const cached = readRootOnlyFile(kernel, path, PROGRAM);
  if (cached !== undefined) {
    debug("seccomp", `cached program ${path}: ${bpfLength(cached)}, root-only`);
    return cached;
  }
  let program: Uint8Array;
  try {
    // libseccomp and the compiler load only now, on a miss.
    const { compileSeccompProgram } = await import("../security/seccomp_program.ts");
    program = compileSeccompProgram(kernel, seccomp);
  } catch (err) {
    if (!(err instanceof Error && err.name === "LibseccompMissingError")) throw err;
    throw new SeccompUnavailableError(err.message);
  }
  unlessDiskFull(`keep the seccomp program ${path}`, () => {
    Deno.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    writeFileAtomic(path, program);
  });
  debug("seccomp", `compiled with libseccomp: ${bpfLength(program)}, kept as ${path}`);
  return program;
}
