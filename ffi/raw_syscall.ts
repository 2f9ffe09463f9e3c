/**
 * The kernel's `syscall` instruction as a function of our own:
 * `rawSyscall(nr, a1…a6)` returns what the kernel returned, -errno on
 * failure, with nothing between the call and its error.
 *
 * Why not glibc's syscall(2), which returns -1 and leaves the error in
 * errno: errno can only be read by a second FFI call, and between the two
 * the runtime runs on the same thread (Rust's futex-based locks, V8) and
 * overwrites errno. Measured on these machines: an lgetxattr the kernel
 * failed with ENODATA (strace) was read as ENOENT in one run and EAGAIN in
 * another, under load; a prctl that failed with EINVAL was read as
 * EMFILE. A call that decides by its errno (ENODATA: no such attribute)
 * then fails at random.
 *
 * The function is nine instructions (GNU as, Intel syntax; the bytes
 * below are its `as --64` output), in a page of its own mapped
 * read+execute, made on first use (before any seccomp filter the process
 * loads: the init makes its first call at once):
 *
 * ```
 * mov rax, rdi ; mov rdi, rsi ; mov rsi, rdx ; mov rdx, rcx   ; SysV arguments to the
 * mov r10, r8 ; mov r8, r9 ; mov r9, [rsp+8]                  ;   kernel's: nr in rax,
 * syscall ; ret                                                ;   the 4th in r10
 * ```
 *
 * @module
 */

import {
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  SYS_mmap,
  SYS_mprotect,
} from "./constants.ts";
import { libc } from "./libc.ts";

const CODE = new Uint8Array(
  "4889f84889f74889d64889ca4d89c24d89c84c8b4c24080f05c3".match(/../g)!.map((b) => parseInt(b, 16)),
);
const PAGE = 4096n;
const SIGNATURE = {
  parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"],
  result: "i64",
} as const;

let stub: Deno.UnsafeFnPointer<typeof SIGNATURE> | undefined;

/**
 * Maps the function: a private anonymous page, written, then made
 * read+execute (never writable and executable at once). Made with glibc's
 * syscall(2), whose errno is not needed: a failure here is fatal either way.
 */
function makeStub(): Deno.UnsafeFnPointer<typeof SIGNATURE> {
  const c = libc();
  const page = c.syscall(
    BigInt(SYS_mmap),
    0n,
    PAGE,
    BigInt(PROT_READ | PROT_WRITE),
    BigInt(MAP_PRIVATE | MAP_ANONYMOUS),
    -1n,
    0n,
  );
  const pointer = page === -1n ? null : Deno.UnsafePointer.create(page);
  if (pointer === null) throw new Error("cannot map a page for the syscall function (mmap)");
  new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, CODE.length)).set(CODE);
  if (c.syscall(BigInt(SYS_mprotect), page, PAGE, BigInt(PROT_READ | PROT_EXEC), 0n, 0n, 0n)) {
    throw new Error("cannot make the syscall function's page executable (mprotect)");
  }
  return new Deno.UnsafeFnPointer(pointer as Deno.PointerObject<typeof SIGNATURE>, SIGNATURE);
}

/** The kernel's result of syscall `nr` with six arguments: -errno on failure. */
export function rawSyscall(
  nr: bigint,
  a1: bigint,
  a2: bigint,
  a3: bigint,
  a4: bigint,
  a5: bigint,
  a6: bigint,
): bigint {
  stub ??= makeStub();
  return BigInt(stub.call(nr, a1, a2, a3, a4, a5, a6));
}
