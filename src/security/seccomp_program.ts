/**
 * The seccomp filter as a BPF program: libseccomp builds it from the OCI
 * `linux.seccomp` (syscall numbers, architecture checks and the program all
 * come from the field's library), and the init installs the bytes with
 * seccomp(2). Building Docker's default filter takes libseccomp ~9 ms and
 * loading it through libseccomp ~8 ms more (measured here); installing a
 * ready program takes well under one, so the runtime compiles each filter
 * once and keeps the program (src/runtime/seccomp_cache.ts), and the init
 * never loads libseccomp at all.
 *
 * @module
 */

import { O_CLOEXEC } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import type { LinuxSeccomp } from "../oci/spec.ts";
import { SeccompFilter } from "./seccomp_filter.ts";

/**
 * The kernel takes at most 4096 instructions of 8 bytes per filter
 * (BPF_MAXINSNS), so a program always fits in a pipe's 64 KiB.
 */
const MAX_PROGRAM_BYTES = 4096 * 8;

/** Compiles `spec` with libseccomp; throws `LibseccompMissingError` without it. */
export function compileSeccompProgram(kernel: Kernel, spec: LinuxSeccomp): Uint8Array {
  const filter = new SeccompFilter(spec);
  const [readEnd, writeEnd] = kernel.pipe2(O_CLOEXEC);
  try {
    try {
      filter.exportBpf(writeEnd);
    } finally {
      kernel.close(writeEnd);
    }
    const program = new Uint8Array(MAX_PROGRAM_BYTES + 1);
    let size = 0;
    for (let n; (n = kernel.read(readEnd, program.subarray(size))) > 0;) size += n;
    if (size > MAX_PROGRAM_BYTES) throw new Error("the seccomp program is over 4096 instructions");
    return program.slice(0, size);
  } finally {
    kernel.close(readEnd);
    filter.release();
  }
}
