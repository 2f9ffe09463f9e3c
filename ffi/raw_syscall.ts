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
 * The function is nine instructions (GNU as, Intel syntax):
 *
 * ```
 * raw_syscall: mov rax, rdi ; mov rdi, rsi ; mov rsi, rdx ; mov rdx, rcx  ; SysV arguments to the
 *              mov r10, r8 ; mov r8, r9 ; mov r9, [rsp+8]                 ;   kernel's: nr in rax,
 *              syscall ; ret                                               ;   the 4th in r10
 * ```
 *
 * It is loaded as a one-symbol shared library, from a memfd, so that Deno
 * calls it as fast as a libc symbol (0.8 µs a call, measured; through
 * `Deno.UnsafeFnPointer` 8–12 µs). Where that cannot be loaded (a host
 * that refuses to map a memfd executable), the same code runs from an
 * anonymous page made read+execute, through `Deno.UnsafeFnPointer`. It is
 * made on first use, before any seccomp filter the process loads (the
 * init makes its first call at once).
 *
 * @module
 */

import {
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MFD_CLOEXEC,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  SYS_close,
  SYS_memfd_create,
  SYS_mmap,
  SYS_mprotect,
  SYS_write,
} from "./constants.ts";
import { libc } from "./libc.ts";

/**
 * The library: `as --64` and `ld -shared -s --hash-style=sysv -z noseparate-code
 * -z norelro --build-id=none` of the function above (global, type function),
 * cut after its last segment (its section headers left out, e_shoff and
 * e_shnum zeroed). ELF header; PT_LOAD r-x of bytes 0-0x158 (.hash at 0xe8,
 * .dynsym at 0x100, .dynstr `raw_syscall` at 0x130, the code at 0x13d);
 * PT_LOAD rw- and PT_DYNAMIC of bytes 0x158-0x208 (HASH, STRTAB, SYMTAB,
 * STRSZ, SYMENT).
 */
export const SHARED_OBJECT = hex(
  "7f454c4602010100000000000000000003003e00010000000000000000000000400000000000" +
    "0000000000000000000000000000400038000300000000000000010000000500000000000000" +
    "0000000000000000000000000000000000000000580100000000000058010000000000000010" +
    "0000000000000100000006000000580100000000000058110000000000005811000000000000" +
    "b000000000000000b00000000000000000100000000000000200000006000000580100000000" +
    "000058110000000000005811000000000000b000000000000000b00000000000000008000000" +
    "0000000001000000020000000100000000000000000000000000000000000000000000000000" +
    "000000000000000000000000000001000000120004003d010000000000000000000000000000" +
    "007261775f73797363616c6c004889f84889f74889d64889ca4d89c24d89c84c8b4c24080f05" +
    "c3000400000000000000e8000000000000000500000000000000300100000000000006000000" +
    "0000000000010000000000000a000000000000000d000000000000000b000000000000001800" +
    "0000000000000000000000000000000000000000000000000000000000000000000000000000" +
    "0000000000000000000000000000000000000000000000000000000000000000000000000000" +
    "0000000000000000000000000000000000000000000000000000",
);
/** Where the function's 26 bytes are in SHARED_OBJECT. */
export const CODE_AT = 0x13d;
const CODE = SHARED_OBJECT.subarray(CODE_AT, CODE_AT + 26);

const PAGE = 4096n;
const SIGNATURE = {
  parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"],
  result: "i64",
} as const;

type Syscall = (
  nr: bigint,
  a1: bigint,
  a2: bigint,
  a3: bigint,
  a4: bigint,
  a5: bigint,
  a6: bigint,
) => bigint;

function hex(text: string): Uint8Array {
  return new Uint8Array(text.match(/../g)!.map((b) => parseInt(b, 16)));
}

/**
 * SHARED_OBJECT written to a memfd and opened with Deno.dlopen; undefined
 * when that fails. Made with glibc's syscall(2), whose errno is not needed
 * here: a failure only means the fallback.
 */
function loadLibrary(): Syscall | undefined {
  const c = libc();
  const name = new TextEncoder().encode("dockergsh-syscall\0");
  const fd = c.syscall(
    BigInt(SYS_memfd_create),
    address(name),
    BigInt(MFD_CLOEXEC),
    0n,
    0n,
    0n,
    0n,
  );
  if (fd < 0n) return undefined;
  try {
    const n = SHARED_OBJECT.length;
    if (
      c.syscall(BigInt(SYS_write), fd, address(SHARED_OBJECT), BigInt(n), 0n, 0n, 0n) !== BigInt(n)
    ) {
      return undefined;
    }
    const lib = Deno.dlopen(`/proc/self/fd/${fd}`, { raw_syscall: SIGNATURE });
    return lib.symbols.raw_syscall as Syscall;
  } catch {
    return undefined;
  } finally {
    c.syscall(BigInt(SYS_close), fd, 0n, 0n, 0n, 0n, 0n);
  }
}

/**
 * CODE in a private anonymous page, written, then made read+execute (never
 * writable and executable at once), called through Deno.UnsafeFnPointer.
 */
export function pageFunction(): Syscall {
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
  const fn = new Deno.UnsafeFnPointer(pointer as Deno.PointerObject<typeof SIGNATURE>, SIGNATURE);
  return (...args) => BigInt(fn.call(...args));
}

/** The address of `buf`'s bytes. */
function address(buf: Uint8Array): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf as Uint8Array<ArrayBuffer>)));
}

let syscallFn: Syscall | undefined;

/** The kernel's result of syscall `nr` with six arguments (a1…a6): -errno on failure. */
export function rawSyscall(...call: Parameters<Syscall>): bigint {
  syscallFn ??= loadLibrary() ?? pageFunction();
  return syscallFn(...call);
}
