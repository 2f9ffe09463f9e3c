import { assert, assertEquals } from "../_assert.ts";
import { MADV_DONTNEED } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import { LinuxKernel } from "../../ffi/linux.ts";

Deno.test("madvise: a refused call throws naming the call, the range and the advice", () => {
  let error: unknown;
  try {
    // Not page-aligned: the kernel refuses it before looking at any mapping.
    new LinuxKernel().madvise(0x1001n, 4096n, MADV_DONTNEED);
  } catch (err) {
    error = err;
  }
  assert(error instanceof SyscallError, `${error}`);
  assertEquals(error.call, "madvise");
  assertEquals(error.code, "EINVAL");
  assertEquals(error.message, "madvise 0x1001 4096 bytes MADV_DONTNEED: EINVAL");
});

Deno.test("madvise: a range with nothing mapped is ENOMEM", () => {
  let error: unknown;
  try {
    // The first page is never mapped (vm.mmap_min_addr).
    new LinuxKernel().madvise(0n, 4096n, MADV_DONTNEED);
  } catch (err) {
    error = err;
  }
  assert(error instanceof SyscallError, `${error}`);
  assertEquals(error.code, "ENOMEM");
});
