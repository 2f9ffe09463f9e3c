import { SYS_close, SYS_prctl, SYS_prlimit64 } from "../../ffi/constants.ts";
import { errnoName } from "../../ffi/errno.ts";
import { pageFunction, rawSyscall } from "../../ffi/raw_syscall.ts";
import { assert, assertEquals } from "../_assert.ts";

/** x86_64 numbers of calls the engine does not make (asm/unistd_64.h). */
const SYS_getpid = 39;
const SYS_process_vm_readv = 310;
const RLIMIT_NOFILE = 7;

/** `rawSyscall` with the arguments it was not given as 0. */
function call(nr: number, ...args: bigint[]): number {
  const a = [...args, 0n, 0n, 0n, 0n, 0n, 0n];
  return Number(rawSyscall(BigInt(nr), a[0], a[1], a[2], a[3], a[4], a[5]));
}

Deno.test("rawSyscall: the kernel's result, and -errno for a failure, with no errno to read after it", () => {
  assertEquals(call(SYS_getpid), Deno.pid);
  assertEquals(errnoName(-call(SYS_close, -1n)), "EBADF");
  // An unknown prctl option, many times: the kernel's EINVAL whatever ran on this thread since.
  for (let i = 0; i < 1000; i++) assertEquals(errnoName(-call(SYS_prctl, 0x7fff0000n)), "EINVAL");
});

Deno.test("rawSyscall: the fourth and sixth arguments reach the kernel (r10 and r9, not rcx)", () => {
  // prlimit64(0, RLIMIT_NOFILE, NULL, old): the 4th argument is where the kernel writes.
  const old = new BigUint64Array(2);
  const at = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(old)));
  assertEquals(call(SYS_prlimit64, 0n, BigInt(RLIMIT_NOFILE), 0n, at), 0);
  assert(old[0] > 0n && old[1] >= old[0], `${old}`);
  // process_vm_readv of nothing: 0 with flags (the 6th) 0, EINVAL with any other flags.
  const self = BigInt(Deno.pid);
  assertEquals(call(SYS_process_vm_readv, self, 0n, 0n, 0n, 0n, 0n), 0);
  assertEquals(errnoName(-call(SYS_process_vm_readv, self, 0n, 0n, 0n, 0n, 1n)), "EINVAL");
});

Deno.test("rawSyscall: loaded as a library from a memfd (libc's speed), and the page fallback agrees", () => {
  call(SYS_getpid);
  const maps = Deno.readTextFileSync("/proc/self/maps");
  assert(/ \/memfd:dockergsh-syscall \(deleted\)$/m.test(maps), "the library is mapped");
  const fallback = pageFunction();
  assertEquals(Number(fallback(BigInt(SYS_getpid), 0n, 0n, 0n, 0n, 0n, 0n)), Deno.pid);
  assertEquals(errnoName(-Number(fallback(BigInt(SYS_close), -1n, 0n, 0n, 0n, 0n, 0n))), "EBADF");
});
