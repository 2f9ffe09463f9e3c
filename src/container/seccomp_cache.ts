/**
 * Compiled seccomp programs, kept under `<root>/seccomp/` by the sha256 of
 * what they were made from (the profile, the container's capabilities,
 * the host's architecture and kernel release), so libseccomp's ~17 ms run
 * once per profile and not on every start. A file is written atomically
 * and root-only; a missing or unreadable one is compiled again, and a full
 * disk only costs the cache, never the start.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
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
  try {
    return Deno.readFileSync(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
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
  debug("seccomp", `compiled with libseccomp: ${program.length / 8} instructions, kept as ${path}`);
  return program;
}
