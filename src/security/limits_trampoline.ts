/**
 * The program that lowers the address-space limits (RLIMIT_AS, _DATA,
 * _STACK) and then execs the user's command: a static x86_64 ELF of a few
 * hundred bytes, made in memory for each command and exec'd in its place.
 *
 * Why a program of its own: these limits are a process's, shared by all
 * its threads, and the init is a Deno process whose address space is
 * far larger than such a limit (18 GB virtual, measured). Set on the init
 * before its execve, any mapping made after it fails: V8 aborts ("Fatal
 * JavaScript out of memory") when the main thread allocates a few
 * kilobytes, and V8's and tokio's other threads run on meanwhile. And
 * posix_spawn (an `exec`) maps the child's stack in the caller, which
 * then fails with ENOMEM. This program has one thread (and one page, unless arg0 is long): it
 * sets the limits, which are in force when the command starts (execve
 * keeps them), and the init's Deno never runs under them.
 *
 * It fails as the init does: on a failed execve it writes
 * `dockergsh init: exec "<arg0>": errno N` to stderr and exits 127
 * (ENOENT) or 126; on a failed prlimit, a line and 125.
 *
 * @module
 */

import {
  F_SEAL_GROW,
  F_SEAL_SEAL,
  F_SEAL_SHRINK,
  F_SEAL_WRITE,
  MFD_ALLOW_SEALING,
  MFD_CLOEXEC,
  MFD_EXEC,
  RLIMITS,
} from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import type { Rlimit } from "../oci/spec.ts";
import { limitValue } from "./rlimits.ts";

/**
 * The program's code, position-independent (GNU as, Intel syntax; the
 * bytes below are its `as --64` output). It reads everything from the
 * table that follows it (`dir_*`, absolute addresses filled in by
 * `trampolineImage`), its argv and envp from its initial stack.
 *
 * ```
 * _start: mov rbx, [rip+dir_limits]     ; {resource, soft, hard} u64 triples
 *         mov r12, [rip+dir_count]
 * 1:      test r12, r12 ; jz 2f
 *         mov eax, 302 ; xor edi, edi   ; prlimit64(0, resource, &{soft, hard}, NULL)
 *         mov rsi, [rbx] ; lea rdx, [rbx+8] ; xor r10d, r10d ; syscall
 *         test rax, rax ; jnz 3f
 *         add rbx, 24 ; dec r12 ; jmp 1b
 * 2:      mov rdi, [rip+dir_path]       ; execve(path, argv, envp): argc at [rsp],
 *         mov rcx, [rsp] ; lea rsi, [rsp+8] ; lea rdx, [rsp+rcx*8+16]
 *         mov eax, 59 ; syscall          ;   argv at rsp+8, envp after argv's NULL
 *         mov r14d, 126 ; cmp rax, -2 ; jne 4f ; mov r14d, 127
 * 4:      mov rsi, [rip+dir_exec_msg] ; mov rdx, [rip+dir_exec_len] ; jmp 5f
 * 3:      mov r14d, 125
 *         mov rsi, [rip+dir_prlimit_msg] ; mov rdx, [rip+dir_prlimit_len]
 * 5:      neg rax ; mov r13, rax         ; errno
 *         mov eax, 1 ; mov edi, 2 ; syscall           ; write(2, message)
 *         sub rsp, 32 ; lea rsi, [rsp+31] ; mov byte ptr [rsi], 10
 *         mov rax, r13 ; mov ecx, 10
 * 6:      xor edx, edx ; div rcx ; add dl, 48 ; dec rsi ; mov [rsi], dl
 *         test rax, rax ; jnz 6b                      ; errno in decimal, then "\n"
 *         lea rdx, [rsp+32] ; sub rdx, rsi
 *         mov eax, 1 ; mov edi, 2 ; syscall           ; write(2, digits)
 *         mov edi, r14d ; mov eax, 231 ; syscall      ; exit_group(code)
 *         hlt
 * ```
 */
const CODE = hex(
  "488b1dd90000004c8b25da0000004d85e47421b82e01000031ff488b33488d53084531d20f05" +
    "4885c075474883c31849ffccebda488b3db5000000488b0c24488d742408488d54cc10b83b00" +
    "00000f0541be7e0000004883f8fe750641be7f000000488b358f000000488b1590000000eb14" +
    "41be7d000000488b3589000000488b158a00000048f7d84989c5b801000000bf020000000f05" +
    "4883ec20488d74241fc6060a4c89e8b90a00000031d248f7f180c23048ffce88164885c075ee" +
    "488d5424204829f2b801000000bf020000000f054489f7b8e70000000f05f40f1f00",
);

/** Where the table starts, as the code's rip-relative loads expect: right after it. */
const TABLE_AT = 0xe0;
/** dir_limits, dir_count, dir_path, dir_exec_msg, dir_exec_len, dir_prlimit_msg, dir_prlimit_len. */
const TABLE_WORDS = 7;

/** The address the program is loaded at (ET_EXEC; above any vm.mmap_min_addr). */
const BASE = 0x400000n;
const ELF_HEADER = 64;
const PROGRAM_HEADER = 56;
/** PT_LOAD of the whole file, read+execute, and PT_GNU_STACK: a stack that is not executable. */
const PROGRAM_HEADERS = 2;
const CODE_AT = ELF_HEADER + PROGRAM_HEADERS * PROGRAM_HEADER;

function hex(text: string): Uint8Array {
  return new Uint8Array(text.match(/../g)!.map((b) => parseInt(b, 16)));
}

/**
 * The ELF image that sets `limits` and then execs `path` with the argv
 * and environment it was itself exec'd with; `arg0` names the command in
 * its error message.
 */
export function trampolineImage(limits: readonly Rlimit[], path: string, arg0: string): Uint8Array {
  const enc = new TextEncoder();
  const execMsg = enc.encode(`dockergsh init: exec ${JSON.stringify(arg0)}: errno `);
  const prlimitMsg = enc.encode("dockergsh init: cannot set the address-space limits: errno ");
  const pathBytes = enc.encode(`${path}\0`);
  const tableAt = CODE_AT + TABLE_AT;
  const limitsAt = tableAt + TABLE_WORDS * 8;
  const pathAt = limitsAt + limits.length * 24;
  const execMsgAt = pathAt + pathBytes.length;
  const prlimitMsgAt = execMsgAt + execMsg.length;
  const size = prlimitMsgAt + prlimitMsg.length;

  const image = new Uint8Array(size);
  const v = new DataView(image.buffer);
  const u64 = (at: number, n: bigint) => v.setBigUint64(at, n, true);
  const addr = (at: number) => BASE + BigInt(at);
  // ELF64 header: class 64-bit, little-endian, version 1; ET_EXEC for x86_64 (EM_X86_64 62).
  image.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 2, true);
  v.setUint16(18, 62, true);
  v.setUint32(20, 1, true);
  u64(24, addr(CODE_AT)); // e_entry
  u64(32, BigInt(ELF_HEADER)); // e_phoff
  v.setUint16(52, ELF_HEADER, true);
  v.setUint16(54, PROGRAM_HEADER, true);
  v.setUint16(56, PROGRAM_HEADERS, true);
  // PT_LOAD (1), PF_R|PF_X, the whole file at BASE.
  const load = ELF_HEADER;
  v.setUint32(load, 1, true);
  v.setUint32(load + 4, 5, true);
  u64(load + 16, BASE);
  u64(load + 24, BASE);
  u64(load + 32, BigInt(size));
  u64(load + 40, BigInt(size));
  u64(load + 48, 0x1000n);
  // PT_GNU_STACK, PF_R|PF_W.
  const stack = ELF_HEADER + PROGRAM_HEADER;
  v.setUint32(stack, 0x6474e551, true);
  v.setUint32(stack + 4, 6, true);

  image.set(CODE, CODE_AT);
  [addr(limitsAt), BigInt(limits.length), addr(pathAt), addr(execMsgAt), BigInt(execMsg.length)]
    .concat([addr(prlimitMsgAt), BigInt(prlimitMsg.length)])
    .forEach((word, i) => u64(tableAt + 8 * i, word));
  limits.forEach((r, i) => {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw new Error(`unknown rlimit type ${JSON.stringify(r.type)}`);
    u64(limitsAt + 24 * i, BigInt(resource));
    u64(limitsAt + 24 * i + 8, limitValue(r.soft));
    u64(limitsAt + 24 * i + 16, limitValue(r.hard));
  });
  image.set(pathBytes, pathAt);
  image.set(execMsg, execMsgAt);
  image.set(prlimitMsg, prlimitMsgAt);
  return image;
}

/** A sealable, close-on-exec memfd that may be made executable. */
function executableMemfd(kernel: Kernel): number {
  const flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  try {
    return kernel.memfdCreate("dockergsh-limits", flags | MFD_EXEC);
  } catch (err) {
    // A kernel before 6.3 knows no MFD_EXEC: its memfds are executable anyway.
    if (!(err instanceof SyscallError && err.code === "EINVAL")) throw err;
    return kernel.memfdCreate("dockergsh-limits", flags);
  }
}

/**
 * `trampolineImage(limits, path, arg0)` in a memfd, sealed against any
 * change and executable but not readable (mode 0111: a process exec'd
 * from it by a user without CAP_DAC_OVERRIDE is not dumpable until the
 * command's own execve). Its fd, close-on-exec: for execveat, or for
 * posix_spawn as `/proc/self/fd/<fd>` (an ELF file exec'd through a
 * close-on-exec fd is opened before the fd closes).
 */
export function loadTrampoline(
  kernel: Kernel,
  limits: readonly Rlimit[],
  path: string,
  arg0: string,
): number {
  const image = trampolineImage(limits, path, arg0);
  const fd = executableMemfd(kernel);
  try {
    for (let off = 0; off < image.length;) off += kernel.write(fd, image.subarray(off));
    kernel.fchmod(fd, 0o111);
    kernel.addSeals(fd, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
    return fd;
  } catch (err) {
    kernel.close(fd);
    throw err;
  }
}
